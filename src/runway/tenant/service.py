"""Tenants: look up and create. Services take a session and never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from runway.errors import NotFound
from runway.partner import service as partner_service
from runway.tenant.models import Tenant


def get_tenant(session: Session, *, partner_id: str, code: str) -> Tenant | None:
    return session.get(Tenant, (partner_id, code))


def require_tenant(session: Session, *, partner_id: str, code: str) -> Tenant:
    """The tenant ``code`` of ``partner_id``.

    Raises:
        NotFound: no such partner, or no such tenant in it.
    """
    partner_service.require_partner(session, partner_id)
    tenant = session.get(Tenant, (partner_id, code))
    if tenant is None:
        raise NotFound(
            f"Tenant {code!r} of partner {partner_id!r} does not exist; "
            f"create it with: runway admin create-tenant {partner_id} {code}"
        )
    return tenant


def ensure_tenant(session: Session, *, partner_id: str, code: str) -> tuple[Tenant, bool]:
    """The tenant ``code`` of ``partner_id``, created if missing; True when created.

    Raises:
        NotFound: no such partner.
        Invalid: a malformed tenant code (``partner_service.check_code``).
    """
    partner_service.require_partner(session, partner_id)
    partner_service.check_code(code, what="tenant code")
    tenant = session.get(Tenant, (partner_id, code))
    if tenant is not None:
        return tenant, False
    tenant = Tenant(partner_id=partner_id, code=code)
    session.add(tenant)
    session.flush()
    return tenant, True
