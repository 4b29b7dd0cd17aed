"""Build small earthmover_edfi_bundles checkouts in temporary directories (and git repos of them)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

EARTHMOVER_YAML = """\
version: 2
config:
  output_dir: ${OUTPUT_DIR}
  parameter_defaults:
    STUDENT_ID_NAME: edFi_studentUniqueID
sources:
  input:
    file: ${INPUT_FILE}
"""


def metadata(name: str, **overrides: Any) -> dict[str, Any]:
    """A valid ``_metadata.yaml`` document for ``assessments/<name>``: one required INPUT_FILE, API_YEAR."""
    document: dict[str, Any] = {
        "display_name": f"{name} Assessment",
        "path": f"assessments/{name}",
        "valid_edfi": ">=3.0",
        "report_resources": ["studentAssessments"],
        "input_files": [
            {"display_name": "Assessment data", "env_var": "INPUT_FILE", "is_required": True, "file_type": ["csv"]}
        ],
        "input_params": [{"display_name": "School Year", "env_var": "API_YEAR", "is_required": True}],
    }
    document.update(overrides)
    return document


def write_bundle(
    root: Path,
    document: dict[str, Any],
    *,
    metadata_text: str | None = None,
    earthmover: str | None = EARTHMOVER_YAML,
    readme: str | None = None,
) -> Path:
    """Write ``<root>/<document path>/`` with ``_metadata.yaml`` (``metadata_text`` verbatim, if given)."""
    directory = root / str(document["path"])
    directory.mkdir(parents=True, exist_ok=True)
    text = metadata_text if metadata_text is not None else yaml.safe_dump(document, sort_keys=False)
    (directory / "_metadata.yaml").write_text(text, encoding="utf-8")
    if earthmover is not None:
        (directory / "earthmover.yaml").write_text(earthmover, encoding="utf-8")
    if readme is not None:
        (directory / "README.md").write_text(readme, encoding="utf-8")
    return directory


def write_registry(root: Path, entries: list[Any] | str) -> None:
    """Write ``registry.json``: ``{"assessments": entries}``, or ``entries`` verbatim when it is text."""
    root.mkdir(parents=True, exist_ok=True)
    text = entries if isinstance(entries, str) else json.dumps({"assessments": entries}, indent=2)
    (root / "registry.json").write_text(text, encoding="utf-8")


def make_checkout(root: Path, *documents: dict[str, Any]) -> Path:
    """A consistent checkout: each document as a bundle, and a registry listing them in order."""
    for document in documents:
        write_bundle(root, document)
    write_registry(root, list(documents))
    return root


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return its stdout."""
    command = ["git", "-c", "user.name=Runway Tests", "-c", "user.email=tests@runway.invalid", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def make_git_repo(root: Path, *documents: dict[str, Any], branch: str = "main") -> Path:
    """A git repository holding a checkout of ``documents``, committed on ``branch``."""
    make_checkout(root, *documents)
    git(root, "init", "--quiet", "--initial-branch", branch)
    commit_all(root, "initial bundles")
    return root


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo``; return the new commit."""
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", message)
    return git(repo, "rev-parse", "HEAD")
