"""The job payload the executor fetches after init (runway-app.md §2.3 B, executor.md §1.4), adapted to
storage the executor reaches only through app-signed URLs (docs/executor-contract.md "Job payload").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.bundle.models import BundleDescriptorMapping, CustomDescriptorMapping
from runway.crypto import Keyring
from runway.errors import AppError
from runway.job.models import Job, Run
from runway.ods.models import OdsConfig
from runway.partner.models import Partner
from runway.school_year.models import SchoolYear
from runway.settings import Settings
from runway.storage.local import LocalStorage

ROSTER_FILE = "studentEducationOrganizationAssociations.jsonl"


class PayloadError(AppError):
    """The job cannot be run as configured (500, as the original: ``No ODS configured``, no template)."""


def executor_base_url(settings: Settings, run_id: int) -> str:
    """``<base>/api/earthbeam/jobs/<runId>``: the job URL; the callback URLs hang below it."""
    return f"{settings.base_url}/api/earthbeam/jobs/{run_id}"


def roster_key(job: Job, end_year: int) -> str:
    """Storage key of the tenant's roster for a year: ``__rosters/<partner>/<tenant>/<end year>/…jsonl``."""
    return f"__rosters/{job.partner_id}/{job.tenant_code}/{end_year}/{ROSTER_FILE}"


def build_job_payload(
    session: Session, run: Run, *, settings: Settings, storage: LocalStorage, keyring: Keyring
) -> dict[str, Any]:
    """The payload for ``run`` (shape in docs/executor-contract.md).

    Rules (runway-app.md §2.3 B, §10.4): ``inputParams`` keeps only the params the job's template declares
    (no env injection) with non-null values, then ``API_YEAR`` = the year's end year (always overrides) and
    ``DESCRIPTOR_NAMESPACE`` when the partner has one. ``assessmentDatastore`` (with the decrypted client
    secret, the only place it leaves the database) only when the job sends to an ODS; ``rosterFilePath``/
    ``rosterFileUrl`` only when it neither sends nor matches across years.

    Raises:
        PayloadError: the job has no template, or sends to an ODS without an active connection.
        runway.crypto.DecryptionError: the stored secret cannot be decrypted.
    """
    job = run.job
    template = job.template or {}
    bundle_path = template.get("path")
    if not bundle_path:
        raise PayloadError(f"Job {job.id} has no template")
    partner = session.get_one(Partner, job.partner_id)
    year = session.get_one(SchoolYear, job.school_year_id)
    base = executor_base_url(settings, run.id)
    cross_year = partner.cross_year_matching_enabled
    ttl = settings.executor_url_ttl_seconds

    declared = {param.get("templateKey") for param in template.get("params") or []}
    input_params: dict[str, Any] = {
        param["templateKey"]: param["value"]
        for param in job.input_params or []
        if param.get("templateKey") in declared and param.get("value") is not None
    }
    input_params["API_YEAR"] = str(year.end_year)
    if partner.descriptor_namespace:
        input_params["DESCRIPTOR_NAMESPACE"] = partner.descriptor_namespace

    app_urls = {
        "status": f"{base}/status",
        "error": f"{base}/error",
        "summary": f"{base}/summary",
        "unmatchedIds": f"{base}/unmatched-ids",
        "outputFiles": f"{base}/output-files",
        "uploadUrl": f"{base}/upload-url",
    }
    if cross_year:
        app_urls["roster"] = f"{base}/roster"

    payload: dict[str, Any] = {
        "appDataBasePath": job.file_base_path,
        "outputBasePath": f"{job.file_base_path}/output/{run.id}",
        "inputFiles": {file.template_key: file.name_internal for file in job.files},
        "inputFileUrls": {
            file.template_key: storage.signed_download_url(file.path, file_name=file.name_from_user, expires_in=ttl)
            for file in job.files
        },
        "inputParams": input_params,
        "customDescriptorMappings": custom_descriptor_mappings(session, job.partner_id, bundle_path),
        "bundle": {"path": bundle_path, "branch": settings.bundles_git_ref},
        "appUrls": app_urls,
        "sendToOds": job.send_to_ods,
        "crossYearMatchAvailable": cross_year,
    }
    if not job.send_to_ods and not cross_year:
        key = roster_key(job, year.end_year)
        payload["rosterFilePath"] = key
        payload["rosterFileUrl"] = storage.signed_download_url(key, file_name=ROSTER_FILE, expires_in=ttl)
    if job.send_to_ods:
        payload["assessmentDatastore"] = _datastore(session, job, year, keyring)
    return payload


def _datastore(session: Session, job: Job, year: SchoolYear, keyring: Keyring) -> dict[str, str]:
    config = session.get(OdsConfig, job.ods_id) if job.ods_id is not None else None
    connection = config.active_connection if config is not None and not config.retired else None
    if connection is None or connection.retired:
        raise PayloadError("No ODS configured")
    return {
        "apiYear": str(year.end_year),
        "url": connection.host,
        "clientId": connection.client_id,
        "clientSecret": keyring.decrypt(connection.client_secret_encrypted),
    }


def custom_descriptor_mappings(
    session: Session, partner_id: str, bundle_key: str
) -> dict[str, list[dict[str, Any]]] | None:
    """The partner's overrides for the bundle, grouped by descriptor type; ``None`` when there are none."""
    rows = session.execute(
        select(BundleDescriptorMapping, CustomDescriptorMapping.custom_descriptor)
        .join(
            CustomDescriptorMapping, CustomDescriptorMapping.bundle_descriptor_mapping_id == BundleDescriptorMapping.id
        )
        .where(CustomDescriptorMapping.partner_id == partner_id, BundleDescriptorMapping.bundle_key == bundle_key)
        .order_by(BundleDescriptorMapping.descriptor_type, BundleDescriptorMapping.id)
    ).all()
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mapping, custom in rows:
        grouped[mapping.descriptor_type].append(
            {
                "v_other_columns": mapping.left_hand_side_columns,
                "edfi_descriptor": mapping.edfi_default_descriptor,
                "local_descriptor": custom,
            }
        )
    return dict(grouped) or None
