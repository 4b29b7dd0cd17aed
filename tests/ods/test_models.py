"""ODS configs: at most one active config per tenant and year (partial unique index), cascades."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.ods.models import OdsAuthResponse, OdsConfig, OdsConnection
from runway.tenant.models import Tenant
from tests.support.factories import TEST_KEYRING, make_ods_config, make_partner, make_school_year, make_tenant


@pytest.fixture
def tenant(session: Session) -> Tenant:
    return make_tenant(session, partner=make_partner(session))


def test_a_config_and_its_connection_round_trip(session: Session, tenant: Tenant) -> None:
    config = make_ods_config(session, tenant=tenant, year=make_school_year(session), secret="abc")
    session.commit()
    session.expire_all()
    stored = session.get(OdsConfig, config.id)
    assert stored is not None
    assert stored.retired is False
    connection = stored.active_connection
    assert connection is not None
    assert stored.connections == [connection]
    assert connection.last_use_result is OdsAuthResponse.success
    assert connection.client_secret_encrypted != "abc"
    assert TEST_KEYRING.decrypt(connection.client_secret_encrypted) == "abc"


def test_a_second_active_config_for_the_same_year_is_refused(session: Session, tenant: Tenant) -> None:
    year = make_school_year(session)
    make_ods_config(session, tenant=tenant, year=year)
    session.commit()
    with pytest.raises(IntegrityError, match=r"uq_ods_config_active_per_year|UNIQUE constraint failed"):
        make_ods_config(session, tenant=tenant, year=year)


def test_retired_configs_do_not_count(session: Session, tenant: Tenant) -> None:
    year = make_school_year(session)
    make_ods_config(session, tenant=tenant, year=year, retired=True)
    make_ods_config(session, tenant=tenant, year=year, retired=True)
    make_ods_config(session, tenant=tenant, year=year)
    session.commit()
    other_year = make_school_year(session, start_year=2024)
    other_tenant = make_tenant(session, partner=make_partner(session, partner_id="tx"))
    make_ods_config(session, tenant=tenant, year=other_year)
    make_ods_config(session, tenant=other_tenant, year=year)
    session.commit()
    assert session.scalar(select(func.count()).select_from(OdsConfig)) == 5


def test_retiring_the_active_config_frees_the_year(session: Session, tenant: Tenant) -> None:
    year = make_school_year(session)
    first = make_ods_config(session, tenant=tenant, year=year)
    session.commit()
    first.retired = True
    session.commit()
    make_ods_config(session, tenant=tenant, year=year)
    session.commit()


def test_deleting_a_tenant_removes_its_configs_and_connections(session: Session, tenant: Tenant) -> None:
    make_ods_config(session, tenant=tenant, year=make_school_year(session))
    session.commit()
    session.delete(tenant)
    session.commit()
    assert session.scalar(select(func.count()).select_from(OdsConfig)) == 0
    assert session.scalar(select(func.count()).select_from(OdsConnection)) == 0
