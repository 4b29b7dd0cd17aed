"""The ``ods_config`` and ``ods_connection`` tables (runway-app.md §1.3, §5.1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runway.db import AuditMixin, Base, UtcDateTime, str_enum


class OdsAuthResponse(StrEnum):
    """Outcome of the last use of a connection's credentials."""

    success = "success"
    error = "error"


class OdsConfig(AuditMixin, Base):
    """A tenant's Ed-Fi ODS/API for one school year (fixed at creation).

    At most one config per (partner, tenant, year) is not retired: a partial unique index on
    ``retired = false`` (runway-app.md §1.3), on SQLite and PostgreSQL alike. Deleting a config means
    retiring it, so its jobs keep their history. The credentials in use are ``active_connection``.
    """

    __tablename__ = "ods_config"
    __table_args__ = (
        ForeignKeyConstraint(["partner_id", "tenant_code"], ["tenant.partner_id", "tenant.code"], ondelete="CASCADE"),
        Index(
            "uq_ods_config_active_per_year",
            "partner_id",
            "tenant_code",
            "school_year_id",
            unique=True,
            sqlite_where=text("retired = false"),
            postgresql_where=text("retired = false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    tenant_code: Mapped[str] = mapped_column(String(64))
    school_year_id: Mapped[str] = mapped_column(ForeignKey("school_year.id", ondelete="RESTRICT"))
    # use_alter: ods_config and ods_connection refer to each other, so this key is added after both exist.
    active_connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("ods_connection.id", ondelete="RESTRICT", use_alter=True)
    )
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())
    retired_on: Mapped[datetime | None] = mapped_column(UtcDateTime)

    connections: Mapped[list[OdsConnection]] = relationship(
        back_populates="ods_config",
        foreign_keys="OdsConnection.ods_config_id",
        passive_deletes=True,
        order_by="OdsConnection.id",
    )
    active_connection: Mapped[OdsConnection | None] = relationship(
        foreign_keys=[active_connection_id], post_update=True
    )


class OdsConnection(AuditMixin, Base):
    """An immutable credential record of an ODS config: editing credentials adds a connection and retires
    the previous one, which keeps the history (runway-app.md §5.1).

    ``client_secret_encrypted`` holds a ``runway.crypto`` token, never the secret itself. ``host`` is the
    Ed-Fi API base URL without a trailing slash. The original's legacy ``school_year_id`` is not kept.
    """

    __tablename__ = "ods_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    ods_config_id: Mapped[int] = mapped_column(ForeignKey("ods_config.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(2048))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    last_use_result: Mapped[OdsAuthResponse] = mapped_column(
        str_enum(OdsAuthResponse, "ods_auth_response"),
        default=OdsAuthResponse.success,
        server_default=OdsAuthResponse.success.value,
    )
    last_use_on: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())
    retired_on: Mapped[datetime | None] = mapped_column(UtcDateTime)

    ods_config: Mapped[OdsConfig] = relationship(back_populates="connections", foreign_keys=[ods_config_id])
