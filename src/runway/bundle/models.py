"""Bundle tables: the allow-list, per-partner enablement, descriptor mappings (runway-app.md §1.3, §5.5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runway.db import AuditMixin, Base, JsonDocument


class EarthmoverBundle(Base):
    """A bundle Runway may offer, keyed by its registry path (e.g. ``assessments/ACT``). Only an
    allow-list: the bundle registry holds the metadata.
    """

    __tablename__ = "earthmover_bundle"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)


class PartnerEarthmoverBundle(Base):
    """A bundle enabled for a partner: its users can create jobs with it."""

    __tablename__ = "partner_earthmover_bundle"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    earthmover_bundle_key: Mapped[str] = mapped_column(
        ForeignKey("earthmover_bundle.key", ondelete="CASCADE"), primary_key=True
    )


class BundleDescriptorMapping(AuditMixin, Base):
    """A bundle's default mapping of input-column values (``left_hand_side_columns``, a JSON object) to an
    Ed-Fi default descriptor, loaded from the bundle's seed CSVs.

    The original keyed this table on all four columns and referenced it with a composite foreign key that
    includes the JSON document; here an ``id`` is the key and those four columns are unique.
    """

    __tablename__ = "bundle_descriptor_mapping"
    __table_args__ = (
        UniqueConstraint("bundle_key", "descriptor_type", "left_hand_side_columns", "edfi_default_descriptor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_key: Mapped[str] = mapped_column(ForeignKey("earthmover_bundle.key", ondelete="CASCADE"))
    descriptor_type: Mapped[str] = mapped_column(String(255))
    left_hand_side_columns: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    edfi_default_descriptor: Mapped[str] = mapped_column(String(1024))


class CustomDescriptorMapping(AuditMixin, Base):
    """A partner's override of one default mapping; ``custom_descriptor`` NULL means "map to null" so that
    downstream systems fill the value. Only these are sent to runs, grouped by descriptor type.
    """

    __tablename__ = "custom_descriptor_mapping"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    bundle_descriptor_mapping_id: Mapped[int] = mapped_column(
        ForeignKey("bundle_descriptor_mapping.id", ondelete="CASCADE"), primary_key=True
    )
    custom_descriptor: Mapped[str | None] = mapped_column(String(1024))

    default_mapping: Mapped[BundleDescriptorMapping] = relationship()
