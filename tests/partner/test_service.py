"""Partners and tenants: codes, idempotent creation, conflicts, missing parents."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.errors import Conflict, Invalid, NotFound
from runway.partner import service as partner_service
from runway.tenant import service as tenant_service


@pytest.mark.parametrize("code", ["ea", "TX", "255901", "sc-dept.of_ed", "a" * 64])
def test_valid_codes(code: str) -> None:
    assert partner_service.check_code(code, what="partner id") == code


@pytest.mark.parametrize("code", ["", " ea", "ea/x", "a b", ".hidden", "-x", "a" * 65, "é"])
def test_invalid_codes_name_the_value_and_the_rule(code: str) -> None:
    with pytest.raises(Invalid, match=r"tenant code .* is not valid: use 1-64 letters"):
        partner_service.check_code(code, what="tenant code")


def test_ensure_partner_creates_then_finds(session: Session) -> None:
    partner, created = partner_service.ensure_partner(
        session, partner_id="ea", name=" Education Analytics ", descriptor_namespace="uri://ea.org"
    )
    assert created
    assert partner.name == "Education Analytics"
    again, created = partner_service.ensure_partner(
        session, partner_id="ea", name="Education Analytics", descriptor_namespace="uri://ea.org"
    )
    assert again is partner
    assert not created
    assert partner.cross_year_matching_enabled is False


def test_a_partner_with_other_values_is_a_conflict(session: Session) -> None:
    partner_service.ensure_partner(session, partner_id="ea", name="EA")
    with pytest.raises(Conflict, match="already exists with name 'EA'"):
        partner_service.ensure_partner(session, partner_id="ea", name="EA", descriptor_namespace="uri://x")


def test_ensure_tenant(session: Session) -> None:
    with pytest.raises(NotFound, match="create-partner"):
        tenant_service.ensure_tenant(session, partner_id="ea", code="255901")
    partner_service.ensure_partner(session, partner_id="ea", name="EA")
    tenant, created = tenant_service.ensure_tenant(session, partner_id="ea", code="255901")
    assert created
    assert not tenant.is_global
    assert tenant_service.ensure_tenant(session, partner_id="ea", code="255901") == (tenant, False)
    assert tenant_service.require_tenant(session, partner_id="ea", code="255901") is tenant
    with pytest.raises(NotFound, match="create-tenant ea 1"):
        tenant_service.require_tenant(session, partner_id="ea", code="1")


def test_a_partner_with_tenants_cannot_be_deleted(session: Session) -> None:
    partner, _ = partner_service.ensure_partner(session, partner_id="ea", name="EA")
    tenant_service.ensure_tenant(session, partner_id="ea", code="255901")
    session.commit()
    session.delete(partner)
    with pytest.raises(IntegrityError):
        session.commit()
