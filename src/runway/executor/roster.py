"""The Ed-Fi student roster: read it, find which ID types it carries, and index its IDs for matching.

The roster is the JSONL that ``lightbeam fetch -s studentEducationOrganizationAssociations
-k studentIdentificationCodes,educationOrganizationReference,studentReference`` writes: one
studentEducationOrganizationAssociation per line, keeping those three keys (executor.md §1.6; the
cross-year NDJSON stream of runway-app.md §2.3 has the same shape)::

    {"educationOrganizationReference": {"educationOrganizationId": 255901, "link": {"rel": "LocalEducationAgency"}},
     "studentReference": {"studentUniqueId": "604821"},
     "studentIdentificationCodes": [{"studentIdentificationSystemDescriptor":
                                         "uri://ed-fi.org/StudentIdentificationSystemDescriptor#State",
                                     "identificationCode": "604821", ...}]}

An ID type is the text after the last ``#`` of ``studentIdentificationSystemDescriptor`` (a full URI or a
bare code). As in the ``student_ids`` package (executor.md §4.3 step 1), a reference or the code list may
also arrive as a JSON string instead of an object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from runway.executor.errors import ExecutorError

__all__ = [
    "ALIAS_MATCH_RATE",
    "PRESENCE_RATE",
    "STUDENT_UNIQUE_ID",
    "IdTypeDiscovery",
    "IdTypeStats",
    "Roster",
    "RosterFormatError",
    "RosterIndex",
    "RosterStudent",
    "build_index",
    "discover_id_types",
    "id_type_of",
    "parse_roster",
    "read_roster",
]

#: The Ed-Fi type name of a student's own key; ``student_ids`` always matches against it (executor.md §4.3).
STUDENT_UNIQUE_ID = "studentUniqueId"
#: An ID type must be on at least this share of roster records to be a studentUniqueId alias (executor.md §1.6).
PRESENCE_RATE = 0.5
#: An ID type equal to studentUniqueId on at least this share of its records is an alias (executor.md §1.6).
ALIAS_MATCH_RATE = 0.95


class RosterFormatError(ValueError):
    """A roster line is not a JSON object; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class RosterStudent:
    """One roster record (a student's association with one education organization)."""

    student_unique_id: str
    #: ``educationOrganizationReference.educationOrganizationId`` as text ("" when absent).
    ed_org_id: str
    #: ``educationOrganizationReference.link.rel``, e.g. ``"LocalEducationAgency"`` ("" when absent).
    ed_org_type: str
    #: ``(ID type, identificationCode as text)`` in roster order; codes that are null stay as ``""``.
    codes: tuple[tuple[str, str], ...]

    def code(self, id_type: str) -> str:
        """The first code of ``id_type`` ("" if none), as ``student_ids`` unpacks it (executor.md §4.3 step 1)."""
        if id_type == STUDENT_UNIQUE_ID:
            return self.student_unique_id
        return next((value for kind, value in self.codes if kind == id_type), "")


@dataclass(frozen=True)
class Roster:
    """A parsed roster file."""

    #: The records with a studentUniqueId, in file order.
    students: tuple[RosterStudent, ...]
    #: Every non-blank line, including skipped records: the denominator of the ID-type presence
    #: rate, as in the original (executor.md §1.6 step 3).
    records: int
    #: Records without a studentUniqueId.
    skipped: int = 0


def id_type_of(descriptor: str) -> str:
    """``"uri://ed-fi.org/StudentIdentificationSystemDescriptor#State"`` → ``"State"``; a bare ``"State"`` stays."""
    return descriptor.split("#")[-1]


def _as_object(value: Any) -> Any:
    """A reference or code list as a dict or list: JSON strings are decoded, as ``student_ids`` does."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _text(value: Any) -> str:
    """A JSON scalar as the text the roster compares on: ``None`` → ``""``, ``123`` → ``"123"``."""
    return "" if value is None else str(value)


def _codes(value: Any) -> tuple[tuple[str, str], ...]:
    """``(ID type, code)`` pairs of a ``studentIdentificationCodes`` value; malformed entries are left out."""
    codes = _as_object(value)
    if not isinstance(codes, list):
        return ()
    pairs = []
    for code in codes:
        descriptor = code.get("studentIdentificationSystemDescriptor") if isinstance(code, dict) else None
        if isinstance(descriptor, str):
            pairs.append((id_type_of(descriptor), _text(code.get("identificationCode"))))
    return tuple(pairs)


def _parse_record(record: Mapping[str, Any]) -> RosterStudent | None:
    """The student of one record, or None when it has no studentUniqueId."""
    student_ref = _as_object(record.get("studentReference"))
    unique_id = _text(student_ref.get("studentUniqueId")) if isinstance(student_ref, dict) else ""
    if not unique_id:
        return None
    ed_org_value = _as_object(record.get("educationOrganizationReference"))
    ed_org: dict[str, Any] = ed_org_value if isinstance(ed_org_value, dict) else {}
    link_value = ed_org.get("link")
    link: dict[str, Any] = link_value if isinstance(link_value, dict) else {}
    return RosterStudent(
        student_unique_id=unique_id,
        ed_org_id=_text(ed_org.get("educationOrganizationId")),
        ed_org_type=_text(link.get("rel")),
        codes=_codes(record.get("studentIdentificationCodes")),
    )


def parse_roster(lines: Iterable[str], *, source: str = "roster") -> Roster:
    """Parse roster JSONL lines (blank lines are ignored).

    A record without ``studentReference.studentUniqueId`` is skipped and counted in ``skipped``, as the
    original skipped records with missing keys (executor.md §1.6 step 1).

    Raises:
        RosterFormatError: a line is not a JSON object; the message names ``source`` and the line number.
    """
    students: list[RosterStudent] = []
    records = skipped = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise RosterFormatError(f"{source}, line {number}: not valid JSON ({exc})") from exc
        if not isinstance(record, dict):
            raise RosterFormatError(f"{source}, line {number}: expected a JSON object, got {type(record).__name__}")
        records += 1
        student = _parse_record(record)
        if student is None:
            skipped += 1
        else:
            students.append(student)
    return Roster(tuple(students), records, skipped)


def read_roster(path: Path) -> Roster:
    """Read the roster file written by ``lightbeam fetch`` (or the cross-year stream).

    Raises:
        ExecutorError: ``missing_ods_roster`` when the file is missing, empty, or has no record with a
            studentUniqueId (lightbeam writes no file at all when the API has no records, executor.md §1.6).
        RosterFormatError: a line is not a JSON object.
    """
    if not path.is_file() or path.stat().st_size == 0:
        raise ExecutorError("missing_ods_roster")
    with path.open(encoding="utf-8") as lines:
        roster = parse_roster(lines, source=str(path))
    if not roster.students:
        raise ExecutorError("missing_ods_roster")
    return roster


@dataclass(frozen=True)
class IdTypeStats:
    """How one ID type appears in the roster (executor.md §1.6 steps 1-3)."""

    id_type: str
    #: Codes of this type with a truthy ``identificationCode``.
    non_nulls: int
    #: Codes of this type equal to the record's studentUniqueId (compared as text).
    unique_id_matches: int
    #: ``non_nulls / roster records``.
    presence_rate: float

    @property
    def unique_id_match_rate(self) -> float:
        """``unique_id_matches / non_nulls`` (0.0 when there are no non-null codes)."""
        return self.unique_id_matches / self.non_nulls if self.non_nulls else 0.0


@dataclass(frozen=True)
class IdTypeDiscovery:
    """Which roster ID types to match on, and which one (if any) is studentUniqueId under another name."""

    #: The types to match besides studentUniqueId (``EDFI_STUDENT_ID_TYPES``), sorted, alias removed.
    id_types: tuple[str, ...]
    #: The type whose codes are studentUniqueId (e.g. ``"State"``); reported to users instead of
    #: ``studentUniqueId`` (the original's ``stu_unique_id_in_roster``, executor.md §1.6 step 4).
    unique_id_alias: str | None
    #: Every type seen, in order of first appearance.
    stats: tuple[IdTypeStats, ...]

    @property
    def env_value(self) -> str:
        """The ``EDFI_STUDENT_ID_TYPES`` value for earthmover's ``student_ids`` package."""
        return ",".join(self.id_types)

    @property
    def match_types(self) -> tuple[str, ...]:
        """The types to match against, studentUniqueId last, as ``student_ids`` builds them (§4.3 step 2)."""
        return (*self.id_types, STUDENT_UNIQUE_ID)


def discover_id_types(roster: Roster) -> IdTypeDiscovery:
    """Find the roster's ID types and a studentUniqueId alias, as the original executor (executor.md §1.6).

    Every type seen is kept for matching. Among types on at least :data:`PRESENCE_RATE` of records, the
    one whose non-null codes most often equal studentUniqueId (first seen wins a tie) is an alias when
    that share is at least :data:`ALIAS_MATCH_RATE`; the alias is dropped from the types (matching on
    studentUniqueId covers it) and remembered for messages.

    Difference from the original: types are sorted (the original joined a Python set, so
    ``EDFI_STUDENT_ID_TYPES`` came in arbitrary order, executor.md §7).
    """
    non_nulls: dict[str, int] = {}
    matches: dict[str, int] = {}
    for student in roster.students:
        for id_type, value in student.codes:
            non_nulls.setdefault(id_type, 0)
            matches.setdefault(id_type, 0)
            if value:
                non_nulls[id_type] += 1
            if value == student.student_unique_id:
                matches[id_type] += 1
    total = roster.records
    stats = tuple(
        IdTypeStats(id_type, non_nulls[id_type], matches[id_type], non_nulls[id_type] / total if total else 0.0)
        for id_type in non_nulls
    )
    candidates = [stat for stat in stats if stat.presence_rate >= PRESENCE_RATE]
    alias = None
    if candidates:
        best = max(candidates, key=lambda stat: stat.unique_id_match_rate)  # max() keeps the first of equals
        if best.unique_id_match_rate >= ALIAS_MATCH_RATE:
            alias = best.id_type
    id_types = tuple(sorted(stat.id_type for stat in stats if stat.id_type != alias))
    return IdTypeDiscovery(id_types, alias, stats)


@dataclass(frozen=True)
class RosterIndex:
    """Roster IDs by type, for matching: ``by_type[id_type][id value]`` → the studentUniqueIds with it.

    Empty IDs are left out and each value is listed once, as ``student_ids`` filters ``!= ''`` and keeps
    distinct IDs (executor.md §4.3 step 3). One value may belong to several students (e.g. school-local IDs
    reused across schools); the crosswalk then yields each of them, as the package's join does (step 5).
    """

    by_type: Mapping[str, Mapping[str, tuple[str, ...]]]

    @property
    def types(self) -> tuple[str, ...]:
        """The indexed types, in the order matching tries them."""
        return tuple(self.by_type)

    def students(self, id_type: str, value: str) -> tuple[str, ...]:
        """The studentUniqueIds whose ``id_type`` code is ``value`` (empty when none)."""
        return self.by_type.get(id_type, {}).get(value, ())


def build_index(roster: Roster, id_types: Sequence[str]) -> RosterIndex:
    """Index ``roster`` by each of ``id_types`` (include :data:`STUDENT_UNIQUE_ID` to match on it).

    A student's value for a type is the first code of that type on its record (executor.md §4.3 step 1);
    the same student on several education organizations counts once per value.
    """
    by_type: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for id_type in dict.fromkeys(id_types):
        ids: dict[str, dict[str, None]] = {}
        for student in roster.students:
            value = student.code(id_type)
            if value:
                ids.setdefault(value, {})[student.student_unique_id] = None
        by_type[id_type] = MappingProxyType({value: tuple(owners) for value, owners in ids.items()})
    return RosterIndex(MappingProxyType(by_type))
