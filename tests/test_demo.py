"""``runway demo`` as a user runs it: a subprocess that starts the sandbox, loads data and prints a summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLES_DIR, needs_shared

RUNWAY = str(Path(sys.executable).with_name("runway"))


def run_demo(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUNWAY, "demo", "--port", "0", "--workdir", str(tmp_path / "demo"), "--no-keep-serving", *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.earthmover
def test_demo_loads_the_act_sample_file(tmp_path: Path) -> None:
    needs_shared(BUNDLES_DIR)
    done = run_demo(tmp_path, "--bundles-dir", str(BUNDLES_DIR))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Transforming the ACT sample file with earthmover" in out
    rows = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.startswith("  ") and len(line.split()) == 5
    }
    assert rows["studentAssessments"] == ["5", "4", "0", "1"]
    assert rows["assessments"] == ["1", "1", "0", "0"]
    assert "studentAssessments, line(s) 5: 409: The referenced `Student` item does not exist." in out
    assert (tmp_path / "demo" / "sandbox.sqlite3").is_file()


def test_demo_without_a_bundles_checkout(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--no-bundle")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if len(line.split()) == 5}
    assert rows["studentAssessments"] == ["6", "5", "0", "1"]
    assert rows["objectiveAssessments"] == ["2", "2", "0", "0"]


def test_demo_rejects_a_directory_that_is_not_a_bundles_checkout(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--bundles-dir", str(tmp_path))
    assert done.returncode == 1
    assert "is not an earthmover_edfi_bundles checkout" in done.stderr
    assert "Traceback" not in done.stderr
