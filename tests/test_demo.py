"""``runway demo`` as a user runs it: a subprocess that starts the sandbox and the app, submits the ACT sample
file as a job and prints the run's summary; the --no-bundle fallback; the refusals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLES_DIR, needs_shared

RUNWAY = str(Path(sys.executable).with_name("runway"))


def run_demo(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            RUNWAY,
            "demo",
            "--port",
            "0",
            "--app-port",
            "0",
            "--workdir",
            str(tmp_path / "demo"),
            "--no-keep-serving",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.earthmover
@pytest.mark.lightbeam
def test_demo_submits_the_act_sample_file_through_the_app(tmp_path: Path) -> None:
    needs_shared(BUNDLES_DIR)
    done = run_demo(tmp_path, "--bundles-dir", str(BUNDLES_DIR))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Submitting" in out
    assert "as an ACT job" in out
    assert re.search(r"Run \d+ of job \d+: success", out), out
    rows = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.startswith("  ") and len(line.split()) == 5
    }
    assert rows["studentAssessments"] == ["4", "4", "0", "0"], out
    assert rows["assessments"] == ["1", "1", "0", "0"], out
    assert "Unmatched students: 1 (column ID_StateAssign, ID type State)" in out
    (on_disk,) = re.findall(r"on disk: +(\S+)", out)
    assert Path(on_disk).is_file()
    assert "/output/" in on_disk
    assert re.search(r"their CSV: http://127\.0\.0\.1:\d+/api/storage/download\?token=", out), out
    assert re.search(r"Job URL: http://127\.0\.0\.1:\d+/api/jobs/\d+", out), out
    assert (tmp_path / "demo" / "sandbox.sqlite3").is_file()
    assert (tmp_path / "demo" / "app" / "runway.sqlite3").is_file()


def test_demo_without_a_bundles_checkout(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--no-bundle")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if len(line.split()) == 5}
    assert rows["studentAssessments"] == ["6", "5", "0", "1"]
    assert rows["objectiveAssessments"] == ["2", "2", "0", "0"]
    assert "cannot go through the Runway app" in done.stdout


def test_demo_refuses_to_empty_a_directory_it_did_not_create(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "precious.txt").write_text("keep me")
    done = run_demo(tmp_path, "--no-bundle")
    assert done.returncode == 1
    assert "already holds files that the demo did not create" in done.stderr
    assert (tmp_path / "demo" / "precious.txt").read_text() == "keep me"


def test_demo_rejects_a_directory_that_is_not_a_bundles_checkout(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--bundles-dir", str(tmp_path))
    assert done.returncode == 1
    assert "is not an earthmover_edfi_bundles checkout" in done.stderr
    assert "Traceback" not in done.stderr
