"""Users: local accounts and tenant membership. Services take a session and never commit."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.errors import Conflict, Invalid
from runway.tenant.models import Tenant
from runway.user.models import User, UserTenant

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalize_email(email: str) -> str:
    """``email`` trimmed and lower-cased: the identity of a local account.

    Raises:
        Invalid: not shaped like ``name@domain.tld`` or longer than 320 characters.
    """
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.fullmatch(value):
        raise Invalid(f"{email!r} is not an e-mail address")
    return value


def get_local_user(session: Session, email: str) -> User | None:
    """The local account (no identity provider) with this e-mail address, if any."""
    stmt = select(User).where(User.idp_id.is_(None), User.external_user_id == normalize_email(email))
    return session.scalars(stmt).one_or_none()


def ensure_local_user(session: Session, *, email: str, given_name: str, family_name: str) -> tuple[User, bool]:
    """The local account for ``email`` with these names, created (without a password) if missing; True
    when created.

    Raises:
        Invalid: a malformed e-mail address or an empty name.
        Conflict: the account exists with other names (nothing is changed).
    """
    address = normalize_email(email)
    given, family = given_name.strip(), family_name.strip()
    if not given or not family:
        raise Invalid("Given and family names must not be empty")
    user = get_local_user(session, address)
    if user is None:
        user = User(email=address, external_user_id=address, given_name=given, family_name=family)
        session.add(user)
        session.flush()
        return user, True
    if (user.given_name, user.family_name) != (given, family):
        raise Conflict(f"User {address} already exists as {user.given_name} {user.family_name}; nothing was changed")
    return user, False


def add_to_tenant(session: Session, *, user: User, tenant: Tenant) -> bool:
    """Make ``user`` a member of ``tenant``; True if they were not one already."""
    key = (user.id, tenant.partner_id, tenant.code)
    if session.get(UserTenant, key) is not None:
        return False
    session.add(UserTenant(user_id=user.id, partner_id=tenant.partner_id, tenant_code=tenant.code))
    session.flush()
    return True
