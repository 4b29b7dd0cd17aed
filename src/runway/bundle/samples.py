"""Run earthmover assessment bundles standalone on their own sample files.

Produces the real Ed-Fi JSONL that a bundle emits for its anonymized sample
vendor file: what the demo loads into the sandbox, and what tests feed to it.

A bundle is run *standalone*: its own ``earthmover.yaml``, without the
``student_id_wrapper`` / ``student_ids`` packages. Without those packages the
bundle's default ``STUDENT_ID_NAME`` (``edFi_studentUniqueID``) does not
exist, so every bundle in :data:`BUNDLE_RUNS` names a student-ID column of its
sample file instead.

How the run is kept side-effect free and path-independent:

* ``run -k`` (``--skip-hashing``) stops earthmover from writing its run log
  (``${STATE_FILE}``) into the bundle directory, so the bundle checkout is only
  read and may be read-only.
* earthmover ``chdir``s to the config file's directory before it resolves
  paths, so input files are passed relative to the bundle directory. That also
  keeps STAR correct: it picks the subject from ``INPUT_FILE``'s *path*
  (``'SM' in path`` means math, ``'SR'`` reading), and an absolute path that
  happens to contain ``SM`` would silently turn the reading file into math.
* earthmover lets environment variables override ``-p`` parameters, so the
  parameters are set in the child's environment too, and any same-named
  variables inherited from the caller are dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

__all__ = ["BUNDLE_RUNS", "BundleRun", "run_bundle"]


@dataclass(frozen=True)
class BundleRun:
    """The inputs and parameters that make one bundle run on its sample files."""

    #: Input-file parameter (``INPUT_FILE``, ``INPUT_FILE_DS``, ...) to a path relative to the bundle dir.
    inputs: Mapping[str, str]
    #: Other earthmover parameters (``API_YEAR``, ``STUDENT_ID_NAME``, ...).
    params: Mapping[str, str]


#: Per-bundle sample inputs and parameters. Student-ID columns are chosen so that all three
#: bundles reference students from the same range, 605000-605005.
BUNDLE_RUNS: Mapping[str, BundleRun] = MappingProxyType(
    {
        "ACT": BundleRun(
            inputs={"INPUT_FILE": "data/sample_anonymized_file.csv"},
            # API_YEAR becomes schoolYearTypeReference.schoolYear; any year works.
            params={"API_YEAR": "2025", "STUDENT_ID_NAME": "ID_StateAssign"},
        ),
        "MAP_Growth": BundleRun(
            inputs={"INPUT_FILE": "data/sample_anonymized_file.csv"},
            # No API_YEAR: the school year (2022) comes from the file's TermName.
            params={"STUDENT_ID_NAME": "StudentID"},
        ),
        "STAR": BundleRun(
            inputs={
                "INPUT_FILE": "data/SR_sample_anonymized_file.csv",
                "INPUT_FILE_DS": "data/SR_Dashboard_Standards_v2_sample_anonymized_file.csv",
                "INPUT_FILE_SA": "data/SR_SkillArea_v1_sample_anonymized_file.csv",
            },
            # STAR keeps only rows whose SchoolYear ("2023-2024") ends in API_YEAR:
            # any other year yields empty output. StudentStateID would give 605100-605104.
            params={"API_YEAR": "2024", "STUDENT_ID_NAME": "StudentSourcedID"},
        ),
    }
)

# Parameters the bundles read; inherited environment variables with these names would
# override what we pass with -p, so they are removed from the child's environment.
_EARTHMOVER_PARAMS = frozenset(
    {
        "API_YEAR",
        "DESCRIPTOR_NAMESPACE",
        "INPUT_FILE",
        "INPUT_FILETYPE",
        "INPUT_FILE_DS",
        "INPUT_FILE_SA",
        "OUTPUT_DIR",
        "POSSIBLE_STUDENT_ID_COLUMNS",
        "STATE_FILE",
        "STUDENT_ID_NAME",
    }
    | {name for run in BUNDLE_RUNS.values() for name in (*run.inputs, *run.params)}
)


def run_bundle(
    bundle: str,
    output_dir: Path,
    *,
    bundles_root: Path,
    earthmover: str | None = None,
    params: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> dict[str, Path]:
    """Run one bundle on its sample files and return its non-empty JSONL outputs.

    Args:
        bundle: A key of :data:`BUNDLE_RUNS`: ``"ACT"``, ``"MAP_Growth"`` or ``"STAR"``.
        output_dir: Where earthmover writes the JSONL files; created if missing. It must not
            already hold ``*.jsonl`` files, so that everything returned comes from this run.
        bundles_root: The bundles checkout, holding ``assessments/<bundle>/``.
        earthmover: The earthmover executable; defaults to the one beside ``sys.executable``.
        params: Extra earthmover parameters, overriding the table's (e.g. ``{"API_YEAR": "2026"}``).
        timeout: Seconds before the run is abandoned. A standalone run takes 3-10 s.

    Returns:
        ``{resource endpoint name: path}`` for every non-empty ``<resource>.jsonl`` written,
        e.g. ``{"assessments": Path(".../assessments.jsonl"), "studentAssessments": ...}``.

    Raises:
        ValueError: unknown bundle, or ``output_dir`` already holds JSONL files.
        FileNotFoundError: the bundle, one of its sample files, or earthmover is missing.
        RuntimeError: earthmover failed or timed out; the message carries its stderr.
    """
    run = BUNDLE_RUNS.get(bundle)
    if run is None:
        known = ", ".join(sorted(BUNDLE_RUNS))
        raise ValueError(f"unknown bundle {bundle!r}; known bundles: {known}")

    bundle_dir = (bundles_root / "assessments" / bundle).resolve()
    config = bundle_dir / "earthmover.yaml"
    if not config.is_file():
        raise FileNotFoundError(f"bundle config not found: {config}")
    for relative in run.inputs.values():
        if not (bundle_dir / relative).is_file():
            raise FileNotFoundError(f"sample input of bundle {bundle} not found: {bundle_dir / relative}")

    executable = earthmover or str(Path(sys.executable).with_name("earthmover"))
    if earthmover is None and not Path(executable).is_file():
        raise FileNotFoundError(f"earthmover not found beside {sys.executable}: {executable}")

    output_dir = output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    stale = sorted(path.name for path in output_dir.glob("*.jsonl"))
    if stale:
        raise ValueError(f"output_dir {output_dir} already holds JSONL files: {', '.join(stale)}")

    # Input paths stay relative to the bundle directory (see the module docstring).
    all_params = {**run.inputs, **run.params, **(params or {}), "OUTPUT_DIR": str(output_dir)}
    env = {name: value for name, value in os.environ.items() if name not in _EARTHMOVER_PARAMS}
    env.update(all_params)
    command = [executable, "run", "-k", "-c", str(config), "-p", json.dumps(all_params)]
    try:
        completed = subprocess.run(
            command,
            cwd=bundle_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        raise RuntimeError(f"earthmover timed out after {timeout:g} s on bundle {bundle}:\n{stderr}") from exc
    if completed.returncode != 0:
        raise RuntimeError(
            f"earthmover failed on bundle {bundle} (exit code {completed.returncode}).\n"
            f"command: {' '.join(command)}\n"
            f"stderr:\n{completed.stderr}"
        )

    return {path.stem: path for path in sorted(output_dir.glob("*.jsonl")) if path.read_text(encoding="utf-8").strip()}
