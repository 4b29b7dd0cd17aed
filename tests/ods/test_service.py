"""ODS config service: add, one active per tenant and year, credential replacement, secrets, rotation."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from runway.crypto import Keyring
from runway.errors import Conflict, Invalid, NotFound
from runway.ods import service as ods_service
from runway.ods.models import OdsConfig
from runway.school_year.models import SchoolYear
from runway.tenant.models import Tenant
from tests.support.factories import TEST_KEYRING, make_partner, make_school_year, make_tenant


@pytest.fixture
def tenant(session: Session) -> Tenant:
    return make_tenant(session, partner=make_partner(session))


@pytest.fixture
def year(session: Session) -> SchoolYear:
    return make_school_year(session)


def add(session: Session, tenant: Tenant, year: SchoolYear, **overrides: str) -> OdsConfig:
    values = {"host": "https://api.example.org/v7/api/", "client_id": " key ", "client_secret": "s3cret"} | overrides
    return ods_service.add_ods_config(
        session, TEST_KEYRING, partner_id=tenant.partner_id, tenant_code=tenant.code, school_year_id=year.id, **values
    )


def test_add_stores_a_normalized_host_and_an_encrypted_secret(
    session: Session, tenant: Tenant, year: SchoolYear
) -> None:
    config = add(session, tenant, year)
    session.commit()
    connection = config.active_connection
    assert connection is not None
    assert (connection.host, connection.client_id) == ("https://api.example.org/v7/api", "key")
    assert "s3cret" not in connection.client_secret_encrypted
    assert ods_service.reveal_secret(TEST_KEYRING, connection) == "s3cret"
    found = ods_service.get_active_config(
        session, partner_id=tenant.partner_id, tenant_code=tenant.code, school_year_id=year.id
    )
    assert found is config


def test_a_second_active_config_is_a_clear_conflict(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    first = add(session, tenant, year)
    with pytest.raises(Conflict, match=rf"already has an active ODS config for 2526 \(id {first.id}\).*--replace"):
        add(session, tenant, year)


def test_replacing_credentials_keeps_the_history(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    config = add(session, tenant, year)
    old = config.active_connection
    new = ods_service.replace_credentials(
        session, TEST_KEYRING, config, host="https://other.example.org", client_id="k2", client_secret="new"
    )
    session.commit()
    session.expire_all()
    assert config.active_connection == new
    assert old is not None
    assert [c.id for c in config.connections] == [old.id, new.id]
    assert old.retired
    assert old.retired_on is not None
    assert not new.retired
    assert ods_service.reveal_secret(TEST_KEYRING, new) == "new"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("host", "api.example.org", "http"), ("client_id", "  ", "must not be empty"), ("client_secret", "", "empty")],
)
def test_bad_values_are_invalid(
    session: Session, tenant: Tenant, year: SchoolYear, field: str, value: str, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        add(session, tenant, year, **{field: value})


def test_unknown_tenant_and_year(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    with pytest.raises(NotFound, match="create-tenant ea 999"):
        ods_service.add_ods_config(
            session, TEST_KEYRING, partner_id="ea", tenant_code="999", school_year_id=year.id,
            host="https://x.org", client_id="k", client_secret="s",
        )  # fmt: skip
    with pytest.raises(NotFound, match="seed-school-years"):
        ods_service.add_ods_config(
            session, TEST_KEYRING, partner_id="ea", tenant_code=tenant.code, school_year_id="3031",
            host="https://x.org", client_id="k", client_secret="s",
        )  # fmt: skip


def test_reencryption_rewrites_only_secrets_under_old_keys(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    add(session, tenant, year, client_secret="one")
    session.commit()
    rotated = Keyring(bytes(range(1, 33)), old=(TEST_KEYRING.current,))
    other_year = make_school_year(session, start_year=2024)
    ods_service.add_ods_config(
        session, rotated, partner_id=tenant.partner_id, tenant_code=tenant.code, school_year_id=other_year.id,
        host="https://x.org", client_id="k", client_secret="two",
    )  # fmt: skip
    assert ods_service.reencrypt_secrets(session, rotated) == 1
    assert ods_service.reencrypt_secrets(session, rotated) == 0
    session.commit()
    only_new = Keyring(rotated.current)
    secrets = sorted(
        ods_service.reveal_secret(only_new, config.active_connection)  # type: ignore[arg-type]
        for config in session.query(OdsConfig)
    )
    assert secrets == ["one", "two"]
