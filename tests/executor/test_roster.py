"""Reading lightbeam's roster JSONL, discovering its ID types (executor.md §1.6) and indexing its IDs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from runway.executor.errors import ExecutorError
from runway.executor.roster import (
    STUDENT_UNIQUE_ID,
    RosterFormatError,
    build_index,
    discover_id_types,
    id_type_of,
    parse_roster,
    read_roster,
)
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.executor.helpers import roster_record, write_roster


def lines(*records: Mapping[str, object]) -> list[str]:
    return [json.dumps(record) for record in records]


def test_id_type_is_the_text_after_the_last_hash() -> None:
    assert id_type_of("uri://ed-fi.org/StudentIdentificationSystemDescriptor#State") == "State"
    assert id_type_of("uri://x.org/A#B#District") == "District"
    assert id_type_of("Local") == "Local"


def test_reads_lightbeam_fetch_records(tmp_path: Path) -> None:
    path = write_roster(
        tmp_path / "studentEducationOrganizationAssociations.jsonl",
        [
            roster_record("604821", {"State": "604821", "Local": "605000"}),
            roster_record(
                "604822", [("District", "D-2"), ("uri://x.org/StudentIdentificationSystemDescriptor#Local", "605001")]
            ),
        ],
    )
    roster = read_roster(path)
    assert roster.records == 2
    assert roster.skipped == 0
    first, second = roster.students
    assert first.student_unique_id == "604821"
    assert first.ed_org_id == "255901"
    assert first.ed_org_type == "LocalEducationAgency"
    assert first.codes == (("State", "604821"), ("Local", "605000"))
    assert second.code("Local") == "605001"
    assert second.code("State") == ""
    assert second.code(STUDENT_UNIQUE_ID) == "604822"


def test_json_strings_numbers_nulls_and_blank_lines() -> None:
    """student_ids accepts references and code lists as JSON strings (executor.md §4.3 step 1)."""
    record = roster_record("7", {"State": "S7"})
    as_strings = {key: json.dumps(value) for key, value in record.items()}
    numeric = {
        "studentReference": {"studentUniqueId": 8},
        "studentIdentificationCodes": [
            {"studentIdentificationSystemDescriptor": "Local", "identificationCode": 80},
            {"studentIdentificationSystemDescriptor": "State", "identificationCode": None},
            {"identificationCode": "no descriptor"},
        ],
    }
    roster = parse_roster(["", *lines(as_strings, numeric), "   "])
    assert roster.records == 2
    assert [s.student_unique_id for s in roster.students] == ["7", "8"]
    assert roster.students[0].code("State") == "S7"
    assert roster.students[1].codes == (("Local", "80"), ("State", ""))
    assert roster.students[1].ed_org_id == ""


def test_records_without_a_student_are_skipped_but_counted() -> None:
    roster = parse_roster(
        lines(
            roster_record("1", {"State": "1"}),
            {"studentIdentificationCodes": []},
            {"studentReference": {"studentUniqueId": ""}},
        )
    )
    assert [s.student_unique_id for s in roster.students] == ["1"]
    assert roster.records == 3
    assert roster.skipped == 2


def test_a_line_that_is_not_json_names_the_line() -> None:
    with pytest.raises(RosterFormatError, match=r"roster.jsonl, line 3: not valid JSON"):
        parse_roster([*lines(roster_record("1")), "", '{"studentReference": '], source="roster.jsonl")
    with pytest.raises(RosterFormatError, match="line 1: expected a JSON object, got list"):
        parse_roster(["[1, 2]"])


@pytest.mark.parametrize("content", [None, "", "\n", json.dumps({"studentIdentificationCodes": []}) + "\n"])
def test_missing_or_empty_roster(content: str | None, tmp_path: Path) -> None:
    """lightbeam writes no file when the API has no records (executor.md §1.6): missing_ods_roster."""
    path = tmp_path / "studentEducationOrganizationAssociations.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ExecutorError) as raised:
        read_roster(path)
    assert raised.value.code == "missing_ods_roster"
    assert raised.value.payload == {}


def test_template_bundle_sample_roster() -> None:
    """The repository's only real roster: types District, Local, School, with State as the alias (§4.5)."""
    path = BUNDLES_DIR / "assessments" / "_template_bundle" / "data" / "sample_stu_ed_org_file.jsonl"
    needs_shared(path)
    discovery = discover_id_types(read_roster(path))
    assert discovery.id_types == ("District", "Local", "School")
    assert discovery.unique_id_alias == "State"
    assert discovery.env_value == "District,Local,School"
    assert discovery.match_types == ("District", "Local", "School", STUDENT_UNIQUE_ID)


def test_alias_needs_95_percent_of_its_codes_equal_to_the_unique_id() -> None:
    def roster(equal: int, total: int) -> list[str]:
        return lines(*(roster_record(f"u{n}", {"State": f"u{n}" if n < equal else f"s{n}"}) for n in range(total)))

    at_boundary = discover_id_types(parse_roster(roster(19, 20)))  # 95.0%
    assert at_boundary.unique_id_alias == "State"
    assert at_boundary.id_types == ()
    below = discover_id_types(parse_roster(roster(18, 20)))  # 90%
    assert below.unique_id_alias is None
    assert below.id_types == ("State",)
    (stats,) = below.stats
    assert (stats.non_nulls, stats.unique_id_matches, stats.presence_rate) == (20, 18, 1.0)
    assert stats.unique_id_match_rate == 0.9


def test_rare_types_are_matched_but_cannot_be_the_alias() -> None:
    """Only types on at least half the records are alias candidates; every type seen is still matched."""
    records = [roster_record(f"u{n}", {"Local": f"L{n}", **({"State": f"u{n}"} if n < 4 else {})}) for n in range(10)]
    discovery = discover_id_types(parse_roster(lines(*records)))
    assert discovery.unique_id_alias is None  # State equals the unique ID everywhere, but is on 40% of records
    assert discovery.id_types == ("Local", "State")
    records.append(roster_record("u10", {"Local": "L10", "State": "u10"}))
    assert discover_id_types(parse_roster(lines(*records))).unique_id_alias is None  # 5 of 11 < 50%


def test_presence_rate_counts_skipped_records_too() -> None:
    """The original divides by every line read (executor.md §1.6 step 3), skipped records included."""
    records = [roster_record(f"u{n}", {"State": f"u{n}"}) for n in range(5)] + [{"bad": True}] * 6
    discovery = discover_id_types(parse_roster(lines(*records)))
    assert discovery.stats[0].presence_rate == 5 / 11
    assert discovery.unique_id_alias is None


def test_alias_tie_goes_to_the_first_type_seen() -> None:
    records = [roster_record(f"u{n}", [("District", f"u{n}"), ("State", f"u{n}")]) for n in range(3)]
    discovery = discover_id_types(parse_roster(lines(*records)))
    assert discovery.unique_id_alias == "District"
    assert discovery.id_types == ("State",)


def test_index_by_type() -> None:
    roster = parse_roster(
        lines(
            roster_record("u1", [("Local", "10"), ("Local", "11"), ("State", "")]),
            roster_record("u2", {"Local": "10", "State": "S2"}),  # a local ID reused in another school
            roster_record("u2", {"Local": "10", "State": "S2"}, ed_org_id=255902),
        )
    )
    index = build_index(roster, ["Local", "State", STUDENT_UNIQUE_ID, "Local"])
    assert index.types == ("Local", "State", STUDENT_UNIQUE_ID)
    assert dict(index.by_type["Local"]) == {"10": ("u1", "u2")}  # first Local code of u1 only
    assert dict(index.by_type["State"]) == {"S2": ("u2",)}  # empty IDs left out
    assert dict(index.by_type[STUDENT_UNIQUE_ID]) == {"u1": ("u1",), "u2": ("u2",)}
    assert index.students("State", "S2") == ("u2",)
    assert index.students("District", "S2") == ()
