"""Plain factories for test rows: keyword defaults, ``session.flush()``, no commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from runway.crypto import Keyring
from runway.job.models import FileStorageProtocol, Job, Run, RunStatus
from runway.ods.models import OdsConfig, OdsConnection
from runway.partner.models import Partner
from runway.school_year.models import SchoolYear
from runway.tenant.models import Tenant
from runway.user.models import User

TEST_KEYRING = Keyring(bytes(range(32)))


def make_partner(session: Session, *, partner_id: str = "ea", name: str = "Education Analytics") -> Partner:
    partner = Partner(id=partner_id, name=name)
    session.add(partner)
    session.flush()
    return partner


def make_tenant(session: Session, *, partner: Partner, code: str = "255901") -> Tenant:
    tenant = Tenant(partner_id=partner.id, code=code)
    session.add(tenant)
    session.flush()
    return tenant


def make_school_year(session: Session, *, start_year: int = 2025) -> SchoolYear:
    year = SchoolYear(
        id=f"{start_year % 100:02d}{(start_year + 1) % 100:02d}", start_year=start_year, end_year=start_year + 1
    )
    session.add(year)
    session.flush()
    return year


def make_user(session: Session, *, email: str = "alice@example.org", given_name: str = "Alice") -> User:
    user = User(email=email, external_user_id=email, given_name=given_name, family_name="Tester")
    session.add(user)
    session.flush()
    return user


def make_ods_config(
    session: Session, *, tenant: Tenant, year: SchoolYear, secret: str = "s3cret", retired: bool = False
) -> OdsConfig:
    config = OdsConfig(partner_id=tenant.partner_id, tenant_code=tenant.code, school_year_id=year.id, retired=retired)
    connection = OdsConnection(
        ods_config=config,
        host="http://127.0.0.1:8765",
        client_id="runway-sandbox",
        client_secret_encrypted=TEST_KEYRING.encrypt(secret),
    )
    config.active_connection = connection
    session.add_all([config, connection])
    session.flush()
    return config


def make_job(
    session: Session,
    *,
    tenant: Tenant,
    year: SchoolYear,
    ods: OdsConfig | None = None,
    send_to_ods: bool | None = None,
    **fields: Any,
) -> Job:
    job = Job(
        name="ACT",
        partner_id=tenant.partner_id,
        tenant_code=tenant.code,
        school_year_id=year.id,
        ods_id=ods.id if ods is not None else None,
        send_to_ods=ods is not None if send_to_ods is None else send_to_ods,
        template={"path": "assessments/ACT", "displayName": "ACT"},
        input_params=[{"templateKey": "API_YEAR", "value": str(year.end_year)}],
        file_protocol=FileStorageProtocol.file,
        **fields,
    )
    session.add(job)
    session.flush()
    job.file_base_path = f"{tenant.partner_id}/{tenant.code}/{year.id}/{job.id}"
    session.flush()
    return job


def make_run(session: Session, *, job: Job, status: RunStatus = RunStatus.new) -> Run:
    run = Run(job=job, status=status)
    session.add(run)
    session.flush()
    return run
