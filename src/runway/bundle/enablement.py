"""Which bundles a partner may use: the ``earthmover_bundle`` allow-list and per-partner enablement.
Services take a session and never commit.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.bundle.models import EarthmoverBundle, PartnerEarthmoverBundle
from runway.errors import Invalid
from runway.partner import service as partner_service

_KEY = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")


def check_bundle_key(key: str) -> str:
    """``key`` if it is shaped like a registry path, e.g. ``assessments/ACT``: segments of letters, digits,
    ``_``, ``.`` or ``-`` joined by single slashes, none of them ``.`` or ``..``.

    Raises:
        Invalid: anything else.
    """
    if not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise Invalid(f"{key!r} is not a bundle key; keys are registry paths such as assessments/ACT")
    return key


def enable_bundle(session: Session, *, partner_id: str, bundle_key: str) -> bool:
    """Enable ``bundle_key`` for the partner, adding it to the allow-list if needed; True if it was not
    enabled before. Whether the bundle exists in the catalog is the caller's check.

    Raises:
        NotFound: no such partner.
        Invalid: a malformed key.
    """
    partner_service.require_partner(session, partner_id)
    check_bundle_key(bundle_key)
    if session.get(EarthmoverBundle, bundle_key) is None:
        session.add(EarthmoverBundle(key=bundle_key))
        session.flush()
    if session.get(PartnerEarthmoverBundle, (partner_id, bundle_key)) is not None:
        return False
    session.add(PartnerEarthmoverBundle(partner_id=partner_id, earthmover_bundle_key=bundle_key))
    session.flush()
    return True


def disable_bundle(session: Session, *, partner_id: str, bundle_key: str) -> bool:
    """Disable ``bundle_key`` for the partner (it stays on the allow-list); True if it was enabled.

    Raises:
        NotFound: no such partner.
    """
    partner_service.require_partner(session, partner_id)
    enabled = session.get(PartnerEarthmoverBundle, (partner_id, bundle_key))
    if enabled is None:
        return False
    session.delete(enabled)
    session.flush()
    return True


def list_enabled_bundles(session: Session, partner_id: str) -> list[str]:
    """Keys of the bundles enabled for the partner, sorted."""
    stmt = (
        select(PartnerEarthmoverBundle.earthmover_bundle_key)
        .where(PartnerEarthmoverBundle.partner_id == partner_id)
        .order_by(PartnerEarthmoverBundle.earthmover_bundle_key)
    )
    return list(session.scalars(stmt))
