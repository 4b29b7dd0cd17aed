"""The database layer: SQLite pragmas, UTC timestamps, JSON documents, audit columns, session_scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from runway.bundle.models import BundleDescriptorMapping, EarthmoverBundle
from runway.db import acting_as, acting_user_id, make_engine, session_scope, utc_now
from runway.partner.models import Partner
from tests.support.factories import make_partner, make_user


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "nested" / "x.sqlite3").exists()
    engine.dispose()


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    local = datetime(2025, 8, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    session.add(Partner(id="ea", name="EA", deleted_on=local))
    session.commit()
    session.expire_all()
    partner = session.get(Partner, "ea")
    assert partner is not None
    assert partner.deleted_on == local
    assert partner.deleted_on.tzinfo is UTC
    assert partner.deleted_on.hour == 14
    assert partner.created_on.tzinfo is UTC
    assert abs(partner.created_on - utc_now()) < timedelta(minutes=1)


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Partner(id="ea", name="EA", deleted_on=datetime(2025, 8, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_audit_columns_come_from_the_acting_user(session: Session) -> None:
    alice, bob = make_user(session), make_user(session, email="bob@example.org", given_name="Bob")
    with acting_as(alice.id):
        partner = make_partner(session)
    session.commit()
    assert (partner.created_by_id, partner.modified_by_id) == (alice.id, alice.id)
    created_on = partner.created_on
    with acting_as(bob.id):
        partner.name = "Renamed"
        session.commit()
    session.expire_all()
    assert (partner.created_by_id, partner.modified_by_id) == (alice.id, bob.id)
    assert partner.created_on == created_on
    assert partner.modified_on >= created_on


def test_no_acting_user_writes_null(session: Session) -> None:
    partner = make_partner(session)
    session.commit()
    assert partner.created_by_id is None
    assert partner.modified_by_id is None
    assert acting_user_id.get() is None


def test_values_a_caller_sets_in_audit_columns_are_overwritten(session: Session) -> None:
    alice = make_user(session)
    with acting_as(alice.id):
        partner = Partner(id="ea", name="EA", created_by_id=12345, created_on=datetime(2000, 1, 1, tzinfo=UTC))
        session.add(partner)
        session.commit()
    assert partner.created_by_id == alice.id
    assert partner.created_on.year > 2000


def test_unchanged_objects_keep_their_modified_columns(session: Session) -> None:
    alice = make_user(session)
    partner = make_partner(session)
    session.commit()
    with acting_as(alice.id):
        partner.name = partner.name  # no net change
        session.commit()
    assert partner.modified_by_id is None


def test_update_statements_fill_modified_columns(session: Session) -> None:
    alice = make_user(session)
    make_partner(session)
    session.commit()
    with acting_as(alice.id):
        session.execute(update(Partner).where(Partner.id == "ea").values(name="Bulk"))
        session.commit()
    row = session.execute(select(Partner.modified_by_id, Partner.created_by_id).where(Partner.id == "ea")).one()
    assert tuple(row) == (alice.id, None)


def test_deleting_a_user_keeps_what_they_wrote(session: Session) -> None:
    alice = make_user(session)
    with acting_as(alice.id):
        partner = make_partner(session)
    session.commit()
    session.delete(alice)
    session.commit()
    session.expire_all()
    assert partner.created_by_id is None


def test_acting_as_restores_the_previous_user() -> None:
    with acting_as(1):
        with acting_as(2):
            assert acting_user_id.get() == 2
        assert acting_user_id.get() == 1
    assert acting_user_id.get() is None


def test_equal_json_documents_are_equal_keys(session: Session) -> None:
    session.add(EarthmoverBundle(key="assessments/ACT"))
    session.flush()  # no relationship() orders these two inserts
    first = {"subject": "Mathématiques", "grade": "10"}
    session.add(
        BundleDescriptorMapping(
            bundle_key="assessments/ACT",
            descriptor_type="academicSubject",
            left_hand_side_columns=first,
            edfi_default_descriptor="uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics",
        )
    )
    session.commit()
    session.expire_all()
    stored = session.scalars(select(BundleDescriptorMapping)).one()
    assert stored.left_hand_side_columns == first
    session.add(
        BundleDescriptorMapping(
            bundle_key="assessments/ACT",
            descriptor_type="academicSubject",
            left_hand_side_columns={"grade": "10", "subject": "Mathématiques"},
            edfi_default_descriptor="uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_session_scope_commits_or_rolls_back(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_partner(session)

    def fail_after_writing() -> None:
        with session_scope(engine) as session:
            make_partner(session, partner_id="tx")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_after_writing()
    with session_scope(engine) as session:
        assert session.scalars(select(Partner.id)).all() == ["ea"]
