"""School years and partners' year configs. Services take a session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.errors import Conflict, Invalid, NotFound
from runway.partner import service as partner_service
from runway.school_year.models import SchoolYear, SchoolYearConfig

FIRST_START_YEAR = 2000
LAST_START_YEAR = 2098  # ids are two digits of each year: 2099-2100 would be "9900", like 1999-2000


def school_year_id(start_year: int) -> str:
    """The id of the school year starting in ``start_year``: ``2025`` → ``"2526"`` (runway-app.md §1.3).

    Raises:
        Invalid: ``start_year`` outside 2000–2098, where ids would repeat.
    """
    if not FIRST_START_YEAR <= start_year <= LAST_START_YEAR:
        raise Invalid(f"School years must start between {FIRST_START_YEAR} and {LAST_START_YEAR}, not {start_year}")
    return f"{start_year % 100:02d}{(start_year + 1) % 100:02d}"


def seed_school_years(session: Session, *, first_start_year: int, last_start_year: int) -> list[SchoolYear]:
    """Add the school years starting in ``first_start_year`` … ``last_start_year`` that are missing; the
    ones added, oldest first. ``end_year`` (the Ed-Fi API year) is ``start_year + 1``.

    Raises:
        Invalid: an empty or out-of-range span.
        Conflict: an existing year has the expected id but other years (hand-edited data).
    """
    if first_start_year > last_start_year:
        raise Invalid(f"--from {first_start_year} is after --to {last_start_year}")
    wanted = {school_year_id(year): year for year in range(first_start_year, last_start_year + 1)}
    existing = {year.id: year for year in session.scalars(select(SchoolYear).where(SchoolYear.id.in_(wanted)))}
    added = []
    for year_id, start in wanted.items():
        found = existing.get(year_id)
        if found is None:
            added.append(SchoolYear(id=year_id, start_year=start, end_year=start + 1))
        elif (found.start_year, found.end_year) != (start, start + 1):
            raise Conflict(
                f"School year {year_id} exists as {found.start_year}-{found.end_year}, not {start}-{start + 1}"
            )
    session.add_all(added)
    session.flush()
    return added


def require_school_year(session: Session, year_id: str) -> SchoolYear:
    """The school year ``year_id`` (e.g. ``"2526"``).

    Raises:
        NotFound: no such year.
    """
    year = session.get(SchoolYear, year_id)
    if year is None:
        raise NotFound(
            f"School year {year_id!r} does not exist (ids look like 2526 for 2025-2026); "
            "seed them with: runway admin seed-school-years"
        )
    return year


def set_year_config(
    session: Session,
    *,
    partner_id: str,
    school_year_id: str,
    is_enabled: bool | None = None,
    send_to_ods: bool | None = None,
) -> SchoolYearConfig:
    """Set a partner's config for one year; a value left None keeps its current value (for a new config:
    not enabled, sends to ODS, the defaults of runway-app.md §1.3).

    Raises:
        NotFound: no such partner or school year.
    """
    partner_service.require_partner(session, partner_id)
    require_school_year(session, school_year_id)
    config = session.get(SchoolYearConfig, (partner_id, school_year_id))
    if config is None:
        config = SchoolYearConfig(
            partner_id=partner_id, school_year_id=school_year_id, is_enabled=False, send_to_ods=True
        )
        session.add(config)
    if is_enabled is not None:
        config.is_enabled = is_enabled
    if send_to_ods is not None:
        config.send_to_ods = send_to_ods
    session.flush()
    return config
