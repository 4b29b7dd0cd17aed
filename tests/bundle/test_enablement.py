"""Bundle enablement per partner: the allow-list grows on demand; enabling and disabling are idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.bundle import enablement
from runway.bundle.models import EarthmoverBundle
from runway.errors import Invalid, NotFound
from tests.support.factories import make_partner


@pytest.mark.parametrize("key", ["assessments/ACT", "assessments/PSAT_SAT", "packages/student_ids", "x-1.2"])
def test_valid_keys(key: str) -> None:
    assert enablement.check_bundle_key(key) == key


@pytest.mark.parametrize("key", ["", "/assessments/ACT", "assessments/", "assessments//ACT", "../ACT", "a/./b", "a b"])
def test_invalid_keys(key: str) -> None:
    with pytest.raises(Invalid, match="not a bundle key"):
        enablement.check_bundle_key(key)


def test_enable_and_disable(session: Session) -> None:
    make_partner(session)
    make_partner(session, partner_id="tx", name="Texas")
    assert enablement.enable_bundle(session, partner_id="ea", bundle_key="assessments/ACT")
    assert not enablement.enable_bundle(session, partner_id="ea", bundle_key="assessments/ACT")
    assert enablement.enable_bundle(session, partner_id="tx", bundle_key="assessments/ACT")
    assert enablement.enable_bundle(session, partner_id="ea", bundle_key="assessments/MAP")
    session.commit()
    assert enablement.list_enabled_bundles(session, "ea") == ["assessments/ACT", "assessments/MAP"]
    assert enablement.disable_bundle(session, partner_id="ea", bundle_key="assessments/ACT")
    assert not enablement.disable_bundle(session, partner_id="ea", bundle_key="assessments/ACT")
    session.commit()
    assert enablement.list_enabled_bundles(session, "ea") == ["assessments/MAP"]
    assert enablement.list_enabled_bundles(session, "tx") == ["assessments/ACT"]
    assert session.scalars(select(EarthmoverBundle.key).order_by(EarthmoverBundle.key)).all() == [
        "assessments/ACT",
        "assessments/MAP",
    ]


def test_unknown_partner(session: Session) -> None:
    with pytest.raises(NotFound):
        enablement.enable_bundle(session, partner_id="zz", bundle_key="assessments/ACT")
