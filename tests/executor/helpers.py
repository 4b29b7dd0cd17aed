"""Sample vendor files of the shared bundles checkout, and synthetic rosters built from their ID columns.

The sample files are third-party data: tests read them from ../shared and write variants to tmp_path only.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import BUNDLES_DIR, needs_shared

ID_SYSTEM = "uri://ed-fi.org/StudentIdentificationSystemDescriptor"
LEA_ID = 255901


@dataclass(frozen=True)
class Sample:
    """One bundle's main sample file and the text columns that get accented names in tests."""

    bundle: str
    relative: str
    text_columns: tuple[str, str]

    @property
    def path(self) -> Path:
        return BUNDLES_DIR / "assessments" / self.bundle / "data" / self.relative

    def id_columns(self) -> tuple[str, ...]:
        """``POSSIBLE_STUDENT_ID_COLUMNS`` from the bundle's own earthmover.yaml."""
        config = (BUNDLES_DIR / "assessments" / self.bundle / "earthmover.yaml").read_text(encoding="utf-8")
        found = re.search(r"^\s*POSSIBLE_STUDENT_ID_COLUMNS:\s*(['\"]?)(.*?)\1\s*(#.*)?$", config, re.MULTILINE)
        assert found, f"{self.bundle}: no POSSIBLE_STUDENT_ID_COLUMNS"
        return tuple(found.group(2).split(","))

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows of the sample file."""
        needs_shared(self.path)
        with self.path.open(encoding="utf-8", newline="") as file:
            header, *rows = list(csv.reader(file))
        return header, rows

    def column(self, name: str) -> list[str]:
        header, rows = self.table()
        return [row[header.index(name)] for row in rows]


SAMPLES = {
    "ACT": Sample("ACT", "sample_anonymized_file.csv", ("F_Name", "L_Name")),
    "MAP_Growth": Sample("MAP_Growth", "sample_anonymized_file.csv", ("SchoolName", "DistrictName")),
    "STAR": Sample("STAR", "SR_sample_anonymized_file.csv", ("StudentFirstName", "StudentLastName")),
}

#: Names with letters outside ASCII that Windows-1252 can encode; "’" is byte 0x92 there (a control
#: character in Latin-1), so a wrong decoding shows.
ACCENTED = ["José", "Zoë", "O’Brien", "Núñez", "François", "Ærøskøbing", "Renée", "Müller"]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def accented_text(sample: Sample) -> str:
    """The sample file as text, its two name columns replaced with :data:`ACCENTED` names, LF line ends."""
    header, rows = sample.table()
    for number, row in enumerate(rows):
        for offset, column in enumerate(sample.text_columns):
            row[header.index(column)] = ACCENTED[(number + offset) % len(ACCENTED)]
    return csv_text(header, rows)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def roster_record(
    unique_id: str, ids: Mapping[str, str] | Sequence[tuple[str, str]] = (), *, ed_org_id: int = LEA_ID
) -> dict[str, Any]:
    """One line of ``lightbeam fetch`` output: ``ids`` maps an ID system (bare, or a full URI) to a code."""
    pairs = list(ids.items()) if isinstance(ids, Mapping) else list(ids)
    return {
        "educationOrganizationReference": {
            "educationOrganizationId": ed_org_id,
            "link": {"href": f"/ed-fi/localEducationAgencies/{ed_org_id}", "rel": "LocalEducationAgency"},
        },
        "studentReference": {"studentUniqueId": unique_id, "link": {"rel": "Student"}},
        "studentIdentificationCodes": [
            {
                "studentIdentificationSystemDescriptor": system if "#" in system else f"{ID_SYSTEM}#{system}",
                "assigningOrganizationIdentificationCode": str(ed_org_id),
                "identificationCode": code,
            }
            for system, code in pairs
        ],
    }


def write_roster(path: Path, records: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path
