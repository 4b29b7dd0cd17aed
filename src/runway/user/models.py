"""The ``user`` and ``user_tenant`` tables (runway-app.md §1.3)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from runway.db import AuditMixin, Base


class User(AuditMixin, Base):
    """A person who logs in. An IdP user is identified by (``external_user_id``, ``idp_id``), the IdP's
    configured user-id claim, and may be shared by the partners of that IdP. A local account has
    ``idp_id`` NULL, its normalized e-mail as ``external_user_id`` (unique among local accounts), and a
    ``password_hash`` once local login exists. ``idp_id`` gets its foreign key with the identity_provider
    table (another issue). The table is named ``user``: quote it in hand-written PostgreSQL.
    """

    __tablename__ = "user"
    __table_args__ = (
        UniqueConstraint("external_user_id", "idp_id"),
        Index(
            "uq_user_local_external_user_id",
            "external_user_id",
            unique=True,
            sqlite_where=text("idp_id IS NULL"),
            postgresql_where=text("idp_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    idp_id: Mapped[str | None] = mapped_column(String(64))
    external_user_id: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(255))


class UserTenant(Base):
    """A tenant a user belongs to (has logged into). No audit columns, as in the original."""

    __tablename__ = "user_tenant"
    __table_args__ = (
        ForeignKeyConstraint(["partner_id", "tenant_code"], ["tenant.partner_id", "tenant.code"], ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(64), primary_key=True)
