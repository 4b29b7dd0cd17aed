"""School years: ids, idempotent seeding, partners' year configs."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.errors import Invalid, NotFound
from runway.school_year import service as school_year_service
from runway.school_year.models import SchoolYear
from tests.support.factories import make_partner


@pytest.mark.parametrize(("start", "year_id"), [(2025, "2526"), (2000, "0001"), (2009, "0910"), (2098, "9899")])
def test_ids_are_two_digits_of_each_year(start: int, year_id: str) -> None:
    assert school_year_service.school_year_id(start) == year_id


@pytest.mark.parametrize("start", [1999, 2099])
def test_ids_outside_the_century_would_repeat(start: int) -> None:
    with pytest.raises(Invalid, match="between 2000 and 2098"):
        school_year_service.school_year_id(start)


def test_seeding_adds_only_missing_years(session: Session) -> None:
    added = school_year_service.seed_school_years(session, first_start_year=2024, last_start_year=2026)
    assert [(y.id, y.start_year, y.end_year) for y in added] == [
        ("2425", 2024, 2025),
        ("2526", 2025, 2026),
        ("2627", 2026, 2027),
    ]
    session.commit()
    again = school_year_service.seed_school_years(session, first_start_year=2015, last_start_year=2035)
    assert len(again) == 21 - 3
    session.commit()
    assert len(session.scalars(select(SchoolYear)).all()) == 21


def test_seeding_an_empty_span_is_invalid(session: Session) -> None:
    with pytest.raises(Invalid, match="after"):
        school_year_service.seed_school_years(session, first_start_year=2026, last_start_year=2025)


def test_the_database_keeps_years_consecutive(session: Session) -> None:
    session.add(SchoolYear(id="2527", start_year=2025, end_year=2027))
    with pytest.raises(IntegrityError):
        session.flush()


def test_year_config_defaults_and_partial_updates(session: Session) -> None:
    make_partner(session)
    school_year_service.seed_school_years(session, first_start_year=2025, last_start_year=2025)
    config = school_year_service.set_year_config(session, partner_id="ea", school_year_id="2526")
    assert (config.is_enabled, config.send_to_ods) == (False, True)
    school_year_service.set_year_config(session, partner_id="ea", school_year_id="2526", is_enabled=True)
    config = school_year_service.set_year_config(session, partner_id="ea", school_year_id="2526", send_to_ods=False)
    assert (config.is_enabled, config.send_to_ods) == (True, False)


def test_year_config_needs_a_partner_and_a_year(session: Session) -> None:
    with pytest.raises(NotFound, match="Partner 'ea'"):
        school_year_service.set_year_config(session, partner_id="ea", school_year_id="2526")
    make_partner(session)
    with pytest.raises(NotFound, match="2526 for 2025-2026"):
        school_year_service.set_year_config(session, partner_id="ea", school_year_id="2026")
