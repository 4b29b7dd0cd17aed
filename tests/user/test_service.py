"""Users: local accounts keyed by e-mail, IdP users keyed by (external id, IdP), tenant membership."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.errors import Conflict, Invalid
from runway.user import service as user_service
from runway.user.models import User
from tests.support.factories import make_partner, make_tenant


def test_local_accounts_are_found_by_normalized_email(session: Session) -> None:
    user, created = user_service.ensure_local_user(
        session, email=" Jo@Example.ORG ", given_name="Jo", family_name="Doe"
    )
    assert created
    assert (user.email, user.external_user_id, user.idp_id, user.password_hash) == (
        "jo@example.org",
        "jo@example.org",
        None,
        None,
    )
    same, created = user_service.ensure_local_user(session, email="jo@example.org", given_name="Jo", family_name="Doe")
    assert same is user
    assert not created
    assert user_service.get_local_user(session, "JO@example.org") is user


def test_other_names_for_an_existing_account_are_a_conflict(session: Session) -> None:
    user_service.ensure_local_user(session, email="jo@example.org", given_name="Jo", family_name="Doe")
    with pytest.raises(Conflict, match="already exists as Jo Doe"):
        user_service.ensure_local_user(session, email="jo@example.org", given_name="Joe", family_name="Doe")


@pytest.mark.parametrize("email", ["", "jo", "jo@", "jo@example", "a b@example.org", "x" * 320 + "@e.org"])
def test_malformed_emails_are_invalid(email: str) -> None:
    with pytest.raises(Invalid, match="not an e-mail address"):
        user_service.normalize_email(email)


def test_two_local_accounts_cannot_share_an_email(session: Session) -> None:
    session.add(User(external_user_id="jo@example.org", given_name="A", family_name="B"))
    session.flush()
    session.add(User(external_user_id="jo@example.org", given_name="C", family_name="D"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_idp_users_are_unique_per_identity_provider(session: Session) -> None:
    session.add_all(
        [
            User(external_user_id="jo@example.org", given_name="A", family_name="B"),
            User(external_user_id="jo@example.org", idp_id="ea-auth0", given_name="A", family_name="B"),
            User(external_user_id="jo@example.org", idp_id="tx-okta", given_name="A", family_name="B"),
        ]
    )
    session.flush()
    session.add(User(external_user_id="jo@example.org", idp_id="tx-okta", given_name="C", family_name="D"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_membership_is_added_once(session: Session) -> None:
    tenant = make_tenant(session, partner=make_partner(session))
    user, _ = user_service.ensure_local_user(session, email="jo@example.org", given_name="Jo", family_name="Doe")
    assert user_service.add_to_tenant(session, user=user, tenant=tenant)
    assert not user_service.add_to_tenant(session, user=user, tenant=tenant)
