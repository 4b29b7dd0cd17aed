"""Student-ID matching (executor.md §1.8, §4.3) on the ACT, MAP_Growth and STAR sample files, against
synthetic rosters built from the files' own ID columns with codes of several ID systems."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from runway.executor.errors import ExecutorError, describe
from runway.executor.matching import (
    MATCH_RATES_HEADER,
    MatchRate,
    MatchResult,
    compute_match_rates,
    crosswalk,
    enforce_threshold,
    parse_id_columns,
    read_csv_table,
    trim_float_suffix,
    unmatched_ids_report,
    write_match_rates_csv,
    write_unmatched_csv,
)
from runway.executor.roster import (
    STUDENT_UNIQUE_ID,
    IdTypeDiscovery,
    RosterIndex,
    build_index,
    discover_id_types,
    parse_roster,
)
from tests.executor.helpers import SAMPLES, Sample, roster_record, write_csv


def prepare(records: list[dict[str, object]]) -> tuple[IdTypeDiscovery, RosterIndex]:
    """What the executor does with a fetched roster: discover the ID types, index them."""
    roster = parse_roster(json.dumps(record) for record in records)
    discovery = discover_id_types(roster)
    return discovery, build_index(roster, discovery.match_types)


def match(
    sample: Sample, records: list[dict[str, object]], *, threshold: float = 0.5
) -> tuple[MatchResult, str | None]:
    discovery, index = prepare(records)
    table = read_csv_table(sample.path)
    result = compute_match_rates(
        table.header, table.rows(), candidate_columns=sample.id_columns(), index=index, threshold=threshold
    )
    return result, discovery.unique_id_alias


def rates(result: MatchResult) -> list[tuple[str, str, int, int]]:
    return [(r.source_column_name, r.edfi_column_name, r.num_matches, r.num_rows) for r in result.rates]


def quoted(values: list[str]) -> str:
    return ",".join('"' + value.replace('"', '""') + '"' for value in values)


def unmatched_file(sample: Sample, result: MatchResult, index: RosterIndex, path: Path) -> int:
    table = read_csv_table(sample.path)
    return write_unmatched_csv(path, table.header, table.rows(), result=result, index=index)


# --- ACT: two ID columns with the same values; roster studentUniqueId = "9" + ID (executor.md §4.5) ---


def act_roster() -> list[dict[str, object]]:
    ids = SAMPLES["ACT"].column("ID_StateAssign")
    return [roster_record(f"9{i}", {"State": i, "District": i, "Local": f"L{i}"}) for i in ids[:4]]


def test_act_four_pairs_tie_at_80_percent() -> None:
    sample = SAMPLES["ACT"]
    assert sample.id_columns() == ("ID_StateAssign", "ID_Local")
    result, alias = match(sample, act_roster())
    assert alias is None
    # the package's order: rate, then column name, then ID type, all descending (executor.md §4.3 step 4)
    assert rates(result) == [
        ("ID_StateAssign", "State", 4, 5),
        ("ID_StateAssign", "District", 4, 5),
        ("ID_Local", "State", 4, 5),
        ("ID_Local", "District", 4, 5),
    ]
    assert result.best == result.chosen == MatchRate("ID_StateAssign", "State", 4, 5)
    assert result.best.match_rate == 0.8
    assert result.passes
    enforce_threshold(result)
    assert unmatched_ids_report(result) == {"name": "ID_StateAssign", "type": "State", "count": 1}


def test_act_unmatched_csv_is_the_unmatched_row_with_every_column(tmp_path: Path) -> None:
    sample = SAMPLES["ACT"]
    _, index = prepare(act_roster())
    result, _ = match(sample, act_roster())
    out = tmp_path / "input_no_student_id_match.csv"

    assert unmatched_file(sample, result, index, out) == 1

    header, rows = sample.table()
    first_line = sample.path.read_text(encoding="utf-8").splitlines()[0]
    assert out.read_text(encoding="utf-8") == f"{first_line}\n{quoted(rows[4])}\n"
    assert rows[4][header.index("ID_StateAssign")] == "605004"


# --- MAP_Growth: the reference's tie between (StudentID, Local) and (Student_StateID, studentUniqueId) ---


def map_roster(*, leave_out: str = "605005") -> list[dict[str, object]]:
    """studentUniqueId = the state ID; codes State (= studentUniqueId), Local (= StudentID), and School
    on only two records; the student of ``leave_out`` is not enrolled."""
    sample = SAMPLES["MAP_Growth"]
    pairs = dict(zip(sample.column("StudentID"), sample.column("Student_StateID"), strict=True))
    records = []
    for n, (local, state) in enumerate(sorted(pairs.items())):
        if local == leave_out:
            continue
        codes = {"State": state, "Local": local, **({"School": f"SCH{n}"} if n < 2 else {})}
        records.append(roster_record(state, codes))
    return records


def test_map_growth_alias_and_tie_break(tmp_path: Path) -> None:
    sample = SAMPLES["MAP_Growth"]
    discovery, index = prepare(map_roster())
    assert discovery.unique_id_alias == "State"
    assert discovery.id_types == ("Local", "School")  # School is on 2 of 5 records: matched, not an alias

    result, alias = match(sample, map_roster())

    assert rates(result) == [("Student_StateID", STUDENT_UNIQUE_ID, 6, 7), ("StudentID", "Local", 6, 7)]
    # The crosswalk and the report use the same pair (the original reported StudentID/Local, executor.md §4.5).
    assert result.chosen == result.best == MatchRate("Student_StateID", STUDENT_UNIQUE_ID, 6, 7)
    assert unmatched_ids_report(result, unique_id_alias=alias) == {
        "name": "Student_StateID",
        "type": "State",
        "count": 1,
    }
    out = tmp_path / "input_no_student_id_match.csv"
    assert unmatched_file(sample, result, index, out) == 1
    header, rows = sample.table()
    (unmatched,) = list(csv.reader(out.open(encoding="utf-8")))[1:]
    assert unmatched == rows[5]
    assert unmatched[header.index("StudentID")] == "605005"


def test_map_growth_crosswalk_maps_repeated_students() -> None:
    sample = SAMPLES["MAP_Growth"]
    _, index = prepare(map_roster())
    result, _ = match(sample, map_roster())
    table = read_csv_table(sample.path)
    mapped = [students for _, students in crosswalk(table.header, table.rows(), result=result, index=index)]
    assert mapped == [("604821",), ("604822",), ("604823",), ("604824",), ("604825",), (), ("604821",)]


# --- STAR: four ID columns, two ID systems, too few students enrolled ---


def star_roster(enrolled: int) -> list[dict[str, object]]:
    sample = SAMPLES["STAR"]
    rows = zip(sample.column("StudentStateID"), sample.column("StudentSourcedID"), strict=True)
    return [
        roster_record(f"S{state}", {"State": state, "District": sourced}) for state, sourced in list(rows)[:enrolled]
    ]


def test_star_insufficient_matches_names_column_and_type(tmp_path: Path) -> None:
    sample = SAMPLES["STAR"]
    assert sample.id_columns() == ("StudentStateID", "StudentSourcedID", "StudentIdentifier", "StudentUserID")
    result, alias = match(sample, star_roster(2))

    assert rates(result) == [
        ("StudentUserID", "District", 2, 5),
        ("StudentStateID", "State", 2, 5),
        ("StudentSourcedID", "District", 2, 5),
        ("StudentIdentifier", "District", 2, 5),
    ]
    assert not result.passes
    assert result.chosen is None
    with pytest.raises(ExecutorError) as raised:
        enforce_threshold(result, unique_id_alias=alias)
    assert raised.value.code == "insufficient_matches"
    assert raised.value.payload == {
        "match_rate": 0.4,
        "match_threshold": 0.5,
        "id_name": "StudentUserID",
        "id_type": "District",
    }
    assert 'Only 40.0% of the student IDs in column "StudentUserID" matched District IDs' in describe(
        raised.value.code, raised.value.payload
    )

    # Below the threshold the package crosswalks nothing: every row is unmatched (executor.md §4.3 step 7).
    _, index = prepare(star_roster(2))
    assert unmatched_file(sample, result, index, tmp_path / "unmatched.csv") == 5


def test_star_enough_matches() -> None:
    result, _ = match(SAMPLES["STAR"], star_roster(3))
    assert result.passes
    assert result.chosen == MatchRate("StudentUserID", "District", 3, 5)
    assert unmatched_ids_report(result) == {"name": "StudentUserID", "type": "District", "count": 2}


# --- the threshold boundary ---


@pytest.mark.parametrize(
    ("enrolled", "passes"),
    [(4, True), (3, True), (2, True), (1, False), (0, False)],
    ids=["all", "three-quarters", "exactly-half", "quarter", "none"],
)
def test_threshold_boundary_on_act_rows(enrolled: int, passes: bool, tmp_path: Path) -> None:
    """Four ACT rows: exactly half matching passes (``highest >= 0.5``, executor.md §1.8)."""
    sample = SAMPLES["ACT"]
    header, rows = sample.table()
    path = write_csv(tmp_path / "four.csv", header, rows[:4])
    ids = [row[header.index("ID_StateAssign")] for row in rows[:enrolled]]
    _, index = prepare([roster_record(f"9{i}", {"State": i}) for i in ids])
    table = read_csv_table(path)

    result = compute_match_rates(table.header, table.rows(), candidate_columns=sample.id_columns(), index=index)

    assert result.highest_match_rate == enrolled / 4
    assert result.passes is passes
    assert (result.chosen is not None) is passes
    if passes:
        enforce_threshold(result)
        written = write_unmatched_csv(tmp_path / "u.csv", table.header, table.rows(), result=result, index=index)
        assert written == 4 - enrolled == result.num_unmatched
    else:
        with pytest.raises(ExecutorError) as raised:
            enforce_threshold(result)
        expected_name = "ID_StateAssign" if enrolled else "N/A"
        assert raised.value.payload["id_name"] == expected_name
        assert raised.value.payload["match_rate"] == enrolled / 4


def test_threshold_is_a_parameter() -> None:
    """The cross-year pass runs with REQUIRED_ID_MATCH_RATE=0.0 (executor.md §1.8)."""
    _, index = prepare([roster_record("a", {"Local": "1"})])
    rows = [["1"], ["2"], ["3"], ["4"], ["5"]]
    strict = compute_match_rates(["ID"], rows, candidate_columns=["ID"], index=index, threshold=0.2)
    assert strict.passes  # 1/5 == 0.2
    assert not compute_match_rates(["ID"], rows, candidate_columns=["ID"], index=index, threshold=0.21).passes
    nothing = compute_match_rates(["ID"], [["9"]], candidate_columns=["ID"], index=index, threshold=0.0)
    assert nothing.best is None
    assert nothing.passes  # 0.0 >= 0.0, as the original
    assert unmatched_ids_report(nothing) == {"name": "N/A", "type": "N/A", "count": 1}


# --- rules of the student_ids package ---


def test_values_ending_in_point_zero_lose_it() -> None:
    assert trim_float_suffix("605000.0") == "605000"
    assert trim_float_suffix("A1.0") == "A1"
    assert trim_float_suffix("605000.00") == "605000.00"
    assert trim_float_suffix("605000") == "605000"
    _, index = prepare([roster_record("u1", {"Local": "605000"})])
    result = compute_match_rates(["ID"], [["605000.0"]], candidate_columns=["ID"], index=index)
    assert rates(result) == [("ID", "Local", 1, 1)]


def test_all_empty_rows_are_not_data() -> None:
    """earthmover 0.4.10 drops rows whose cells are all empty (executor.md §7)."""
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    rows = [["1", "x"], ["", ""], [], ["", " "], ["2", ""]]
    result = compute_match_rates(["ID", "Name"], rows, candidate_columns=["ID"], index=index)
    assert result.num_rows == 3
    assert rates(result) == [("ID", "Local", 1, 3)]


def test_ids_are_compared_exactly() -> None:
    """No trimming or case folding, as in the package's joins: " 1" and "l1" do not match "1" / "L1"."""
    _, index = prepare([roster_record("u1", {"Local": "1", "District": "L1"})])
    rows = [[" 1"], ["l1"], ["1"]]
    result = compute_match_rates(["ID"], rows, candidate_columns=["ID"], index=index)
    assert rates(result) == [("ID", "Local", 1, 3)]


def test_missing_candidate_columns_are_skipped() -> None:
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    result = compute_match_rates(
        ["Name", "StudentID"], [["a", "1"]], candidate_columns=["Student_StateID", "StudentID"], index=index
    )
    assert result.columns_tried == ("StudentID",)
    assert result.types_tried == ("Local", STUDENT_UNIQUE_ID)
    assert rates(result) == [("StudentID", "Local", 1, 1)]


def test_no_candidate_column_at_all() -> None:
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    with pytest.raises(ExecutorError) as raised:
        compute_match_rates(
            ["Name", "Score"], [["a", "1"]], candidate_columns=["StudentID", "Student_StateID"], index=index,
            input_name="fall.csv",
        )  # fmt: skip
    assert raised.value.code == "no_student_id_column"
    assert raised.value.payload == {"name": "fall.csv", "columns": ["StudentID", "Student_StateID"]}
    assert '("StudentID", "Student_StateID")' in str(raised.value)


def test_header_only_file_is_empty(tmp_path: Path) -> None:
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    path = tmp_path / "header.csv"
    path.write_text("StudentID,Score\n\n", encoding="utf-8")
    table = read_csv_table(path)
    with pytest.raises(ExecutorError) as raised:
        compute_match_rates(table.header, table.rows(), candidate_columns=["StudentID"], index=index)
    assert raised.value.code == "input_file_empty"
    (tmp_path / "blank.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ExecutorError) as raised:
        read_csv_table(tmp_path / "blank.csv", input_name="blank upload.csv")
    assert raised.value.payload == {"name": "blank upload.csv"}


def test_an_id_shared_by_two_students_maps_to_both() -> None:
    _, index = prepare([roster_record("u1", {"Local": "7"}), roster_record("u2", {"Local": "7"})])
    result = compute_match_rates(["ID"], [["7"], ["8"]], candidate_columns=["ID"], index=index)
    assert rates(result) == [("ID", "Local", 1, 2)]
    assert [s for _, s in crosswalk(["ID"], [["7"], ["8"]], result=result, index=index)] == [("u1", "u2"), ()]


def test_every_row_matched_passes_and_reports_nothing() -> None:
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    result = compute_match_rates(["ID"], [["1"], ["1"]], candidate_columns=["ID"], index=index, threshold=1.0)
    assert result.num_unmatched == 0
    assert result.passes
    assert unmatched_ids_report(result) is None


def test_parse_id_columns_keeps_inner_spaces() -> None:
    assert parse_id_columns("Student ID,Secondary Student ID") == ("Student ID", "Secondary Student ID")
    assert parse_id_columns("StudentID,,Student_StateID") == ("StudentID", "Student_StateID")


# --- the CSV files ---


def test_unmatched_csv_layout(tmp_path: Path) -> None:
    """Columns and order of the input; a bare header; every value quoted, embedded quotes doubled, kept as is."""
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    header = ["Student ID", "Name", "Note"]
    rows = [
        ["2", 'Ann "Nan" Lee', " spaced "],
        ["1", "matched", ""],
        ["", "", ""],
        ["3", "Bo, Jr."],
        ["4", "Zoë", "a\nb"],
    ]
    result = compute_match_rates(header, rows, candidate_columns=["Student ID"], index=index, threshold=0.0)
    out = tmp_path / "input_no_student_id_match.csv"

    assert write_unmatched_csv(out, header, rows, result=result, index=index) == 3

    assert out.read_bytes().decode("utf-8") == (
        'Student ID,Name,Note\n"2","Ann ""Nan"" Lee"," spaced "\n"3","Bo, Jr.",""\n"4","Zoë","a\nb"\n'
    )
    with out.open(encoding="utf-8", newline="") as file:
        assert list(csv.reader(file)) == [header, rows[0], [*rows[3], ""], rows[4]]


def test_unmatched_csv_with_nothing_unmatched_has_only_the_header(tmp_path: Path) -> None:
    _, index = prepare([roster_record("u1", {"Local": "1"})])
    out = tmp_path / "u.csv"
    result = compute_match_rates(["ID"], [["1"]], candidate_columns=["ID"], index=index)
    assert write_unmatched_csv(out, ["ID"], [["1"]], result=result, index=index) == 0
    assert out.read_text(encoding="utf-8") == "ID\n"


def test_match_rates_csv(tmp_path: Path) -> None:
    result, _ = match(SAMPLES["MAP_Growth"], map_roster())
    out = tmp_path / "student_id_match_rates.csv"
    write_match_rates_csv(out, result)
    assert out.read_text(encoding="utf-8") == (
        ",".join(MATCH_RATES_HEADER) + "\n"
        '"Student_StateID","studentUniqueId","6","7","0.8571428571428571"\n'
        '"StudentID","Local","6","7","0.8571428571428571"\n'
    )
    # Read back the way the original executor does (csv.DictReader, first of the highest rates, §1.8):
    # it picks the pair the crosswalk used.
    with out.open(encoding="utf-8") as file:
        read = sorted(csv.DictReader(file, skipinitialspace=True), key=lambda r: float(r["match_rate"]), reverse=True)
    assert (read[0]["source_column_name"], read[0]["edfi_column_name"]) == ("Student_StateID", "studentUniqueId")


def test_match_rates_csv_with_no_match_is_only_the_header(tmp_path: Path) -> None:
    """The package writes just the header when nothing matched (executor.md §7)."""
    result, _ = match(SAMPLES["STAR"], star_roster(0))
    out = tmp_path / "rates.csv"
    write_match_rates_csv(out, result)
    assert out.read_text(encoding="utf-8") == ",".join(MATCH_RATES_HEADER) + "\n"
