"""Job tables: jobs, their input files, runs and what runs report, notes (runway-app.md §1.3, §4).

Kept from the original: table and column names, keys, cascades. Dropped: the legacy ``job.config_status``
(always ``input_complete``; its enum had the ``file_upload_complate`` typo) and the unused
``job.previous_job_id``; see ``docs/data-model.md``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runway.db import AuditMixin, Base, JsonDocument, UtcDateTime, str_enum, utc_now


class RunStatus(StrEnum):
    """``new`` (inserted at start) → ``running`` (executor init) → ``success`` | ``error`` (§4.4)."""

    new = "new"
    running = "running"
    success = "success"
    error = "error"


class FileStatus(StrEnum):
    """Upload state of a job's input file; ``upload_error`` is never written by the original."""

    url_generated = "url_generated"
    upload_complete = "upload_complete"
    upload_error = "upload_error"


class FileStorageProtocol(StrEnum):
    """Where a job's files live: ``file`` (the local storage directory) or ``s3``."""

    file = "file"
    s3 = "s3"


class Job(AuditMixin, Base):
    """One configured load of a vendor file for a tenant and school year.

    ``uid`` is the identifier external API clients see. ``template`` snapshots the bundle's metadata and
    ``input_params`` is a list of ``{templateKey, value, name, isRequired, allowedValues?}``.
    ``file_base_path`` (``<partner>/<tenant>/<yearId>/<jobId>``, §4.1) contains the job id, so it is set
    right after the insert. ``send_to_ods`` is copied from the year config; a job that sends needs an ODS
    (CHECK ``ods_required_to_send``). ``api_*`` name the external API client (NULL for UI jobs).
    """

    __tablename__ = "job"
    __table_args__ = (
        ForeignKeyConstraint(["partner_id", "tenant_code"], ["tenant.partner_id", "tenant.code"], ondelete="CASCADE"),
        CheckConstraint("ods_id IS NOT NULL OR send_to_ods = false", name="ods_required_to_send"),
        Index("ix_job_partner_id_tenant_code", "partner_id", "tenant_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255))
    partner_id: Mapped[str] = mapped_column(String(64))
    tenant_code: Mapped[str] = mapped_column(String(64))
    school_year_id: Mapped[str] = mapped_column(ForeignKey("school_year.id", ondelete="RESTRICT"))
    ods_id: Mapped[int | None] = mapped_column(ForeignKey("ods_config.id", ondelete="CASCADE"), index=True)
    template: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    input_params: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    file_protocol: Mapped[FileStorageProtocol] = mapped_column(str_enum(FileStorageProtocol, "file_storage_protocol"))
    file_bucket_or_host: Mapped[str | None] = mapped_column(String(255))
    file_base_path: Mapped[str | None] = mapped_column(Text)
    is_resolved: Mapped[bool] = mapped_column(default=False, server_default=false())
    send_to_ods: Mapped[bool] = mapped_column(default=True, server_default=true())
    api_issuer: Mapped[str | None] = mapped_column(String(1024))
    api_client_id: Mapped[str | None] = mapped_column(String(255))
    api_client_name: Mapped[str | None] = mapped_column(String(255))

    files: Mapped[list[JobFile]] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True, order_by="JobFile.template_key"
    )
    runs: Mapped[list[Run]] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True, order_by="Run.id"
    )
    notes: Mapped[list[JobNote]] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True, order_by="JobNote.id"
    )


class JobFile(AuditMixin, Base):
    """An input file of a job, one per bundle input-file key. ``name_internal`` is
    ``<templateKey>__<nameFromUser>`` (what the executor reads) and ``path`` its full storage key.
    """

    __tablename__ = "job_file"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    template_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    name_from_user: Mapped[str] = mapped_column(String(1024))
    name_internal: Mapped[str] = mapped_column(String(1024))
    path: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(255))
    status: Mapped[FileStatus] = mapped_column(
        str_enum(FileStatus, "file_status"),
        default=FileStatus.url_generated,
        server_default=FileStatus.url_generated.value,
    )

    job: Mapped[Job] = relationship(back_populates="files")


class Run(AuditMixin, Base):
    """One execution of a job by the executor; ``created_by_id`` is who started it. ``summary`` and
    ``unmatched_students_info`` (``{name, type, count?}``) hold what the executor reported, as sent.
    """

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    status: Mapped[RunStatus] = mapped_column(
        str_enum(RunStatus, "run_status"), default=RunStatus.new, server_default=RunStatus.new.value
    )
    summary: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    unmatched_students_info: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)

    job: Mapped[Job] = relationship(back_populates="runs")
    updates: Mapped[list[RunUpdate]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunUpdate.received_at"
    )
    errors: Mapped[list[RunError]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunError.id"
    )
    output_files: Mapped[list[RunOutputFile]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunOutputFile.name"
    )
    output_file_sets: Mapped[list[RunOutputFileSet]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunOutputFileSet.created_on"
    )


class RunUpdate(Base):
    """One (action, status) progress report of the executor; a repeated pair is refused by the key."""

    __tablename__ = "run_update"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    action: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, server_default=func.now())


class RunError(Base):
    """An error the executor reported: a ``code`` and a ``payload`` (``stacktrace`` plus code-specific fields)."""

    __tablename__ = "run_error"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, server_default=func.now())


class RunOutputFile(Base):
    """A file under the job's ``output/`` after the run, as listed at completion (``name`` is relative)."""

    __tablename__ = "run_output_file"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(1024), primary_key=True)
    path: Mapped[str] = mapped_column(Text)


class RunOutputFileSet(Base):
    """A set of output files the executor reported, served by the external API: ``files`` is the list of
    names under ``path`` (a storage prefix without trailing slash); ``sent_to_ods`` false for non-ODS sets.
    """

    __tablename__ = "run_output_file_set"
    __table_args__ = (UniqueConstraint("run_id", "path"),)

    uid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"))
    files: Mapped[list[str]] = mapped_column(JsonDocument)
    sent_to_ods: Mapped[bool] = mapped_column(default=True, server_default=true())
    path: Mapped[str] = mapped_column(Text)
    created_on: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, server_default=func.now())


class JobNote(AuditMixin, Base):
    """A free-text note on a job (1–5000 characters, checked by the service); author and editor are the
    audit columns.
    """

    __tablename__ = "job_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    note_text: Mapped[str] = mapped_column(Text)

    job: Mapped[Job] = relationship(back_populates="notes")
