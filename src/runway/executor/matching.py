"""Match a vendor file's student IDs against the roster: rates, best pair, threshold, unmatched rows.

This is the work of earthmover_edfi_bundles' ``student_ids`` package (executor.md §4.3) plus the
executor's reading of its results (executor.md §1.8), in plain Python, over the file's rows:

* Every (input column in ``POSSIBLE_STUDENT_ID_COLUMNS`` × roster ID type) pair is tried, the roster ID
  types being ``EDFI_STUDENT_ID_TYPES`` + ``studentUniqueId`` (:mod:`runway.executor.roster`). A row
  matches a pair when its value, with a trailing ``".0"`` cut off, is a non-empty roster ID of that type.
  ``num_matches`` counts matching rows, ``num_rows`` all data rows, ``match_rate = num_matches / num_rows``.
  Pairs without a match are not listed, as the package's inner joins yield no row for them (§4.3 step 3).
* The best pair is the highest rate; ties go to the greater ``source_column_name``, then the greater
  ``edfi_column_name``, as the package sorts (§4.3 step 4). The crosswalk uses it when its rate is at least
  the threshold (``REQUIRED_ID_MATCH_RATE``, 0.5), otherwise no pair and every row is unmatched.
* The run stops with ``insufficient_matches`` unless every row matched or the best rate is at least the
  threshold: exactly half passes (§1.8 ``enforce_match_threshold``).
* ``input_no_student_id_match.csv`` holds the unmatched rows in file order with the file's own columns in
  the file's order (§4.3 step 5), and the unmatched-ids report is ``{name, type, count}`` with the alias
  (e.g. ``State``) in place of ``studentUniqueId`` (§1.8).
* Rows whose every cell is empty are not data rows: earthmover 0.4.10 drops them when it reads a source
  (executor.md §7), so they count nowhere and are never written.

Where this differs from the original, and why:

* One tie-break for both the crosswalk and the report. The original executor reported the first of the
  tied pairs in file order while the package crosswalked through the package's order (executor.md §7), so
  the column and ID type shown to the user could differ from the pair actually used.
* ``insufficient_matches`` names the alias as the ID type too (the original only did so in the
  unmatched-ids report), since the user has to look up that ID either way.
* A candidate column missing from the file is skipped (earthmover's ``keep_columns`` failed the whole run
  with a KeyError); when none is present the run stops with ``no_student_id_column``, and a file with no
  data rows with ``input_file_empty`` (the original reported ``insufficient_matches`` with "N/A").
* The CSVs quote every value like the package's ``verbatim.csvt`` but double embedded quotes (the
  template did not, producing malformed CSV, executor.md §7) and keep values untrimmed (the template
  trimmed them, hiding a stray space that may be why an ID did not match). Only one header line is
  written (the package could repeat it, runway PR #6).
* The match-rates file lists pairs best first, so a reader taking the first of the highest rates, as the
  original executor did, gets the pair the crosswalk used.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from runway.executor.errors import ExecutorError
from runway.executor.roster import STUDENT_UNIQUE_ID, RosterIndex

__all__ = [
    "DEFAULT_THRESHOLD",
    "MATCH_RATES_CSV",
    "MATCH_RATES_HEADER",
    "NOT_AVAILABLE",
    "UNMATCHED_CSV",
    "CsvTable",
    "MatchRate",
    "MatchResult",
    "compute_match_rates",
    "crosswalk",
    "display_id_type",
    "enforce_threshold",
    "parse_id_columns",
    "read_csv_table",
    "trim_float_suffix",
    "unmatched_ids_report",
    "write_match_rates_csv",
    "write_unmatched_csv",
]

#: ``REQUIRED_ID_MATCH_RATE`` of a first pass (executor.md §1.2, §1.8); the cross-year pass uses 0.0.
DEFAULT_THRESHOLD = 0.5
#: Artifact names (executor.md §1.12).
UNMATCHED_CSV = "input_no_student_id_match.csv"
MATCH_RATES_CSV = "student_id_match_rates.csv"
MATCH_RATES_HEADER = ("source_column_name", "edfi_column_name", "num_matches", "num_rows", "match_rate")
#: What the original reported as column and type when no pair matched at all (executor.md §1.8).
NOT_AVAILABLE = "N/A"


def trim_float_suffix(value: str) -> str:
    """``"605000.0"`` → ``"605000"``: IDs that went through a float keep matching (executor.md §4.3 step 3).

    Like the package, any value ending in ``".0"`` loses those two characters; IDs are never cast to
    numbers because some contain letters.
    """
    return value[:-2] if value.endswith(".0") else value


def parse_id_columns(value: str) -> tuple[str, ...]:
    """A ``POSSIBLE_STUDENT_ID_COLUMNS`` value → column names, split on commas as the package does.

    Names keep their inner spaces (``"Student ID"``); empty names are dropped.
    """
    return tuple(name for name in value.split(",") if name)


def display_id_type(id_type: str, unique_id_alias: str | None) -> str:
    """The ID type to show users: the alias (e.g. ``"State"``) in place of ``studentUniqueId`` (§1.8)."""
    return unique_id_alias if id_type == STUDENT_UNIQUE_ID and unique_id_alias else id_type


@dataclass(frozen=True)
class MatchRate:
    """How many data rows of one input column match one roster ID type."""

    source_column_name: str
    edfi_column_name: str
    num_matches: int
    num_rows: int

    @property
    def match_rate(self) -> float:
        """``num_matches / num_rows``, in [0, 1]."""
        return self.num_matches / self.num_rows if self.num_rows else 0.0

    @property
    def num_unmatched(self) -> int:
        return self.num_rows - self.num_matches


def _rank(rate: MatchRate) -> tuple[float, str, str]:
    """Sort key, descending: rate, then column name, then ID type (executor.md §4.3 step 4)."""
    return (rate.match_rate, rate.source_column_name, rate.edfi_column_name)


@dataclass(frozen=True)
class MatchResult:
    """Match rates of one input against one roster, and the decision taken from them."""

    #: Pairs with at least one match, best first.
    rates: tuple[MatchRate, ...]
    #: Data rows in the input (all-empty rows excluded).
    num_rows: int
    #: ``REQUIRED_ID_MATCH_RATE`` in force.
    threshold: float
    #: The candidate columns that were in the input's header, in candidate order.
    columns_tried: tuple[str, ...]
    #: The roster ID types tried, studentUniqueId last.
    types_tried: tuple[str, ...]

    @property
    def best(self) -> MatchRate | None:
        """The highest-ranked pair, or None when no row matched any pair."""
        return self.rates[0] if self.rates else None

    @property
    def highest_match_rate(self) -> float:
        return self.best.match_rate if self.best else 0.0

    @property
    def num_unmatched(self) -> int | None:
        """Rows the best pair leaves unmatched; None when nothing matched (the original's "N/A" case)."""
        return self.best.num_unmatched if self.best else None

    @property
    def passes(self) -> bool:
        """Whether the run may go on: every row matched, or the best rate reaches the threshold (§1.8)."""
        return self.num_unmatched == 0 or self.highest_match_rate >= self.threshold

    @property
    def chosen(self) -> MatchRate | None:
        """The pair the crosswalk uses: the best one if its rate reaches the threshold (§4.3 step 4)."""
        best = self.best
        return best if best is not None and best.match_rate >= self.threshold else None


def _is_data_row(row: Sequence[str]) -> bool:
    return any(cell != "" for cell in row)


def _column_positions(header: Sequence[str], columns: Iterable[str]) -> dict[str, int]:
    """Candidate column → its position in ``header`` (first occurrence), for the columns present."""
    positions: dict[str, int] = {}
    for column in columns:
        if column in header and column not in positions:
            positions[column] = list(header).index(column)
    return positions


def _cell(row: Sequence[str], position: int) -> str:
    return row[position] if position < len(row) else ""


def compute_match_rates(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    candidate_columns: Sequence[str],
    index: RosterIndex,
    threshold: float = DEFAULT_THRESHOLD,
    input_name: str = "The uploaded file",
) -> MatchResult:
    """Count, in one pass over ``rows``, the rows matching each (candidate column × roster ID type) pair.

    Args:
        header: The input's column names, as earthmover's ``$sources.input`` has them.
        rows: The data rows (lists of cell text); all-empty rows are skipped.
        candidate_columns: The bundle's ``POSSIBLE_STUDENT_ID_COLUMNS``, e.g. ``("StudentID", "Student_StateID")``.
        index: The roster, indexed by every ID type to try (``studentUniqueId`` included).
        threshold: ``REQUIRED_ID_MATCH_RATE``.
        input_name: The file's name as the user knows it, for errors.

    Raises:
        ExecutorError: ``no_student_id_column`` when no candidate column is in ``header``;
            ``input_file_empty`` when there are no data rows.
    """
    positions = _column_positions(header, candidate_columns)
    if not positions:
        raise ExecutorError("no_student_id_column", name=input_name, columns=list(candidate_columns))
    types = index.types
    counts = {(column, id_type): 0 for column in positions for id_type in types}
    lookups = [
        (column, position, [(id_type, index.by_type[id_type]) for id_type in types])
        for column, position in positions.items()
    ]
    num_rows = 0
    for row in rows:
        if not _is_data_row(row):
            continue
        num_rows += 1
        for column, position, by_type in lookups:
            value = trim_float_suffix(_cell(row, position))
            if not value:
                continue
            for id_type, ids in by_type:
                if value in ids:
                    counts[(column, id_type)] += 1
    if num_rows == 0:
        raise ExecutorError("input_file_empty", name=input_name)
    rates = sorted(
        (MatchRate(column, id_type, matches, num_rows) for (column, id_type), matches in counts.items() if matches),
        key=_rank,
        reverse=True,
    )
    return MatchResult(tuple(rates), num_rows, threshold, tuple(positions), types)


def enforce_threshold(result: MatchResult, *, unique_id_alias: str | None = None) -> None:
    """Stop the run when too few rows match (executor.md §1.8 ``enforce_match_threshold``).

    Raises:
        ExecutorError: ``insufficient_matches`` with ``match_rate`` (the best rate, 0.0 when nothing
            matched), ``match_threshold``, ``id_name`` (the best pair's column) and ``id_type`` (its ID
            type, the alias in place of studentUniqueId); both names are ``"N/A"`` when nothing matched.
    """
    if result.passes:
        return
    best = result.best
    raise ExecutorError(
        "insufficient_matches",
        match_rate=result.highest_match_rate,
        match_threshold=result.threshold,
        id_name=best.source_column_name if best else NOT_AVAILABLE,
        id_type=display_id_type(best.edfi_column_name, unique_id_alias) if best else NOT_AVAILABLE,
    )


def unmatched_ids_report(result: MatchResult, *, unique_id_alias: str | None = None) -> dict[str, object] | None:
    """The body of POST unmatched-ids, ``{"name", "type", "count"}``, or None when every row matched.

    ``name`` is the best pair's input column, ``type`` its ID type as shown to users (the alias in place
    of studentUniqueId), ``count`` its unmatched rows, counted from the rates, not the CSV (executor.md §1.8).
    When no pair matched at all (possible only under a zero threshold) every row is unmatched and the
    names are ``"N/A"``.
    """
    best = result.best
    if best is None:
        return {"name": NOT_AVAILABLE, "type": NOT_AVAILABLE, "count": result.num_rows}
    if best.num_unmatched == 0:
        return None
    return {
        "name": best.source_column_name,
        "type": display_id_type(best.edfi_column_name, unique_id_alias),
        "count": best.num_unmatched,
    }


def crosswalk(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, result: MatchResult, index: RosterIndex
) -> Iterator[tuple[Sequence[str], tuple[str, ...]]]:
    """Each data row with the studentUniqueIds its ID maps to through ``result.chosen``.

    An empty tuple means the row is unmatched (always so when no pair reached the threshold). Several
    IDs mean the value belongs to several roster students; the package's join then emits the row once
    per student (executor.md §4.3 step 5).
    """
    chosen = result.chosen
    position = _column_positions(header, [chosen.source_column_name])[chosen.source_column_name] if chosen else None
    for row in rows:
        if not _is_data_row(row):
            continue
        if chosen is None or position is None:
            yield row, ()
            continue
        value = trim_float_suffix(_cell(row, position))
        yield row, index.students(chosen.edfi_column_name, value) if value else ()


class _Writer:
    """The package's ``verbatim.csvt`` layout: a bare header line, then every value in double quotes."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="")
        csv.writer(self._file, lineterminator="\n").writerow(header)
        self._rows = csv.writer(self._file, lineterminator="\n", quoting=csv.QUOTE_ALL)
        self._width = len(header)

    def write(self, row: Sequence[str]) -> None:
        self._rows.writerow([*row, *[""] * (self._width - len(row))])

    def close(self) -> None:
        self._file.close()


def write_unmatched_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *, result: MatchResult, index: RosterIndex
) -> int:
    """Write ``input_no_student_id_match.csv``: the input's unmatched data rows; returns how many.

    Columns are the input's header in its order; rows keep the input's order and values (short rows are
    padded with empty cells). The header is written even when no row is unmatched; the executor uploads
    the file only when the count is above 0, because the app reads its presence as "completed with
    errors" (executor.md §1.8).
    """
    writer = _Writer(path, header)
    written = 0
    try:
        for row, students in crosswalk(header, rows, result=result, index=index):
            if not students:
                writer.write(row)
                written += 1
    finally:
        writer.close()
    return written


def write_match_rates_csv(path: Path, result: MatchResult) -> None:
    """Write ``student_id_match_rates.csv`` as the package does: its five columns, pairs best first.

    ``match_rate`` is Python's float text (``0.8571428571428571``), as the package's Jinja renders it.
    """
    writer = _Writer(path, MATCH_RATES_HEADER)
    try:
        for rate in result.rates:
            writer.write(
                [
                    rate.source_column_name,
                    rate.edfi_column_name,
                    str(rate.num_matches),
                    str(rate.num_rows),
                    str(rate.match_rate),
                ]
            )
    finally:
        writer.close()


@dataclass(frozen=True)
class CsvTable:
    """A delimited UTF-8 text file read as earthmover reads a ``csv`` source with ``header_rows: 1``.

    The header is the first non-blank line; :meth:`rows` reopens the file on each call, so a large file
    can be read twice (rates, then the unmatched rows) without holding it in memory.
    """

    path: Path
    header: tuple[str, ...]
    delimiter: str = ","

    def rows(self) -> Iterator[list[str]]:
        """The rows after the header, as lists of cell text (blank lines skipped)."""
        with self.path.open(encoding="utf-8", newline="") as file:
            reader = csv.reader(file, delimiter=self.delimiter)
            seen_header = False
            for row in reader:
                if not row:
                    continue
                if not seen_header:
                    seen_header = True
                    continue
                yield row


def read_csv_table(path: Path, *, delimiter: str = ",", input_name: str | None = None) -> CsvTable:
    """Open a normalised (UTF-8) input file as a :class:`CsvTable`.

    Raises:
        ExecutorError: ``input_file_empty`` when the file has no header line.
    """
    with path.open(encoding="utf-8", newline="") as file:
        header = next((row for row in csv.reader(file, delimiter=delimiter) if row), None)
    if header is None:
        raise ExecutorError("input_file_empty", name=input_name or path.name)
    return CsvTable(path, tuple(header), delimiter)
