"""Partners: look up and create. Services take a session and never commit."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from runway.errors import Conflict, Invalid, NotFound
from runway.partner.models import Partner

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_code(value: str, *, what: str) -> str:
    """``value`` if it is a valid partner id or tenant code: 1–64 letters, digits, ``_``, ``.`` or ``-``,
    starting with a letter or digit. These codes are segments of storage keys
    (``<partner>/<tenant>/<year>/<job>``, runway-app.md §4.1), so no slashes or spaces.

    Raises:
        Invalid: anything else; ``what`` names the value in the message (e.g. "partner id").
    """
    if not _CODE.fullmatch(value):
        raise Invalid(
            f"{what} {value!r} is not valid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return value


def get_partner(session: Session, partner_id: str) -> Partner | None:
    return session.get(Partner, partner_id)


def require_partner(session: Session, partner_id: str) -> Partner:
    """The partner ``partner_id``.

    Raises:
        NotFound: no such partner.
    """
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"Partner {partner_id!r} does not exist; create it with: runway admin create-partner")
    return partner


def ensure_partner(
    session: Session, *, partner_id: str, name: str, descriptor_namespace: str | None = None
) -> tuple[Partner, bool]:
    """The partner ``partner_id`` with this name and namespace, created if missing; True when created.

    Raises:
        Invalid: a malformed id, or an empty name.
        Conflict: the partner exists with another name or descriptor namespace (nothing is changed).
    """
    check_code(partner_id, what="partner id")
    name = name.strip()
    if not name:
        raise Invalid("A partner name must not be empty")
    namespace = (descriptor_namespace or "").strip() or None
    partner = session.get(Partner, partner_id)
    if partner is None:
        partner = Partner(id=partner_id, name=name, descriptor_namespace=namespace)
        session.add(partner)
        session.flush()
        return partner, True
    if (partner.name, partner.descriptor_namespace) != (name, namespace):
        raise Conflict(
            f"Partner {partner_id!r} already exists with name {partner.name!r} and descriptor namespace "
            f"{partner.descriptor_namespace!r}; nothing was changed"
        )
    return partner, False
