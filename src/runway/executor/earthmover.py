"""Compose a bundle with the student-ID packages and run the real earthmover CLI on it.

Composition (executor.md §1.7, §2.5, §4.3, and DESIGN.md "Bundles"): the run's project is the bundles
checkout's ``packages/student_id_wrapper/earthmover.yaml`` with its two ``git:`` packages replaced by
``local:`` packages at absolute paths in the same checkout (``assessments/${ASSESSMENT_BUNDLE}`` and
``packages/student_ids``), so no run needs GitHub. The package order is kept: the assessment bundle first,
then ``student_ids`` (the wrapper warns that the order decides precedence). ``earthmover deps`` copies both
into ``<workspace>/bundle/packages/``; the checkout itself is only read.

Parameters travel as environment variables only, as the original did (earthmover lets the environment
override ``-p``, executor.md §2.3); same-named variables inherited from the caller are dropped first. Every
path is absolute, because earthmover ``chdir``s to the config's directory (executor.md §7).

The crosswalk: Runway computes the match rates in Python (:mod:`runway.executor.matching`) and hands the
``student_ids`` package a rates file holding only the chosen (column, ID type) pair
(``MATCH_RATES_SOURCE_TYPE=file``), so earthmover crosswalks through exactly the pair that was reported and
skips its own (column × type) joins. Its ``input_no_student_id_match.csv`` is then the same file as ours.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from runway.executor.errors import ExecutorError
from runway.executor.tooloutput import ToolFailed, readable_message
from runway.executor.workspace import RunWorkspace

__all__ = [
    "EARTHMOVER",
    "EarthmoverRun",
    "compose_project",
    "earthmover_env",
    "install_packages",
    "run_earthmover",
]

EARTHMOVER = str(Path(sys.executable).with_name("earthmover"))
#: Seconds before a run is abandoned (the original's default TIMEOUT_SECONDS, executor.md §1.2).
RUN_TIMEOUT = 3600.0
DEPS_TIMEOUT = 300.0

#: Variables the wrapper, ``student_ids`` or the bundles read: inherited values would override ours.
_PARAMS = frozenset(
    {
        "API_YEAR",
        "ASSESSMENT_BUNDLE",
        "ASSESSMENT_BUNDLE_BRANCH",
        "DATA_DIR",
        "DESCRIPTOR_NAMESPACE",
        "EARTHMOVER_NODE_TO_XWALK",
        "FORMAT",
        "MATCH_RATES_FILE",
        "MATCH_RATES_SOURCE_TYPE",
        "OUTPUT_DIR",
        "POSSIBLE_STUDENT_ID_COLUMNS",
        "REQUIRED_ID_MATCH_RATE",
        "STATE_DIR",
        "STATE_FILE",
        "STUDENT_ID_NAME",
        "TEMPORARY_DIRECTORY",
        "TEST_TYPE",
    }
)
_PACKAGES_BLOCK = re.compile(r"(?ms)^packages:\n.*?(?=^transformations:)")


def compose_project(workspace: RunWorkspace, bundles_root: Path) -> Path:
    """Write the composed wrapper project to ``workspace.earthmover_config``; returns its path.

    Raises:
        FileNotFoundError: the checkout has no ``packages/student_id_wrapper`` or ``packages/student_ids``.
        ValueError: the wrapper has no ``packages:`` block followed by ``transformations:`` (a changed wrapper).
    """
    root = bundles_root.resolve()
    wrapper = root / "packages" / "student_id_wrapper" / "earthmover.yaml"
    student_ids = root / "packages" / "student_ids"
    if not wrapper.is_file() or not (student_ids / "earthmover.yaml").is_file():
        raise FileNotFoundError(f"{root} lacks packages/student_id_wrapper or packages/student_ids")
    local_packages = (
        "packages:\n"
        "  ${ASSESSMENT_BUNDLE}:\n"
        f"    local: {root}/assessments/${{ASSESSMENT_BUNDLE}}\n"
        "  student_ids:\n"
        f"    local: {student_ids}\n\n"
    )
    composed, count = _PACKAGES_BLOCK.subn(lambda _: local_packages, wrapper.read_text(encoding="utf-8"))
    if count != 1:
        raise ValueError(f"{wrapper}: its packages block was not found; cannot compose local packages")
    workspace.bundle_dir.mkdir(parents=True, exist_ok=True)
    workspace.earthmover_config.write_text(composed, encoding="utf-8")
    return workspace.earthmover_config


def earthmover_env(params: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: the caller's, minus inherited bundle parameters, plus ``params``."""
    drop = _PARAMS | set(params)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in drop and not name.startswith(("EDFI_", "INPUT_FILE"))
    }
    env.update(params)
    return env


@dataclass(frozen=True)
class EarthmoverRun:
    """One finished earthmover command."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _earthmover(config: Path, args: list[str], env: Mapping[str, str], timeout: float) -> EarthmoverRun:
    command = (EARTHMOVER, "-c", str(config), *args)
    try:
        done = subprocess.run(
            command, cwd=config.parent, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return EarthmoverRun(command, -1, "", f"{stderr}\nearthmover was stopped after {timeout:g} s")
    return EarthmoverRun(command, done.returncode, done.stdout, done.stderr)


def install_packages(workspace: RunWorkspace, params: Mapping[str, str], *, timeout: float = DEPS_TIMEOUT) -> bool:
    """Run ``earthmover deps`` once per workspace; returns False when the packages were already installed.

    The parameters must be set already: the package name is ``${ASSESSMENT_BUNDLE}``, and some bundles pick
    nested packages from parameters such as ``FORMAT`` (executor.md §4.1).

    Raises:
        ExecutorError: ``earthmover_deps`` when ``deps`` exits non-zero (cause: :class:`ToolFailed`).
    """
    bundle = params.get("ASSESSMENT_BUNDLE", "")
    if (workspace.packages_dir / bundle / "earthmover.yaml").is_file() and (
        workspace.packages_dir / "student_ids" / "earthmover.yaml"
    ).is_file():
        return False
    done = _earthmover(workspace.earthmover_config, ["deps"], earthmover_env(params), timeout)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        raise ExecutorError("earthmover_deps") from ToolFailed(
            f"earthmover deps failed (exit code {done.returncode}): {readable_message(output)}", output[-6000:]
        )
    return True


def run_earthmover(
    workspace: RunWorkspace, params: Mapping[str, str], *, timeout: float = RUN_TIMEOUT
) -> EarthmoverRun:
    """``earthmover -c <composed project> run -k --results-file <workspace>/results/em-results.json``.

    ``params`` are the earthmover parameters (all absolute paths). The output directory is emptied first so
    that only this run's files are sent.

    Raises:
        ExecutorError: ``earthmover_run`` when earthmover exits non-zero or times out; the cause is a
            :class:`ToolFailed` whose message is earthmover's logged error, e.g. a missing column when a file
            of another assessment was uploaded.
    """
    RunWorkspace.reset_dir(workspace.output_dir)
    workspace.em_results.unlink(missing_ok=True)
    args = ["run", "-k", "--results-file", str(workspace.em_results)]
    done = _earthmover(workspace.earthmover_config, args, earthmover_env(params), timeout)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        raise ExecutorError("earthmover_run") from ToolFailed(
            f"earthmover run failed (exit code {done.returncode}): {readable_message(output)}", output[-6000:]
        )
    return done
