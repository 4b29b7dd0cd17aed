"""Run the real lightbeam CLI (``lightbeam==0.1.12``, a subprocess) against an Ed-Fi API.

Config facts this relies on (lightbeam 0.1.12): ``connection.verify_ssl`` must be present even for http
URLs; ``count`` writes tab-separated ``Records<TAB>Endpoint`` rows to its results file, every other command a
JSON document with per-resource ``successes``/``failures``; ``delete`` and ``truncate`` ask for "yes" on
standard input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LIGHTBEAM = str(Path(sys.executable).with_name("lightbeam"))


@dataclass
class LightbeamRun:
    """The outcome of one lightbeam command."""

    returncode: int
    output: str
    results: dict[str, Any] | None
    results_text: str

    def resource(self, endpoint: str) -> dict[str, Any]:
        """The results-file entry of one endpoint."""
        assert self.results is not None, self.output
        return dict(self.results["resources"][endpoint])

    def counts(self) -> dict[str, str]:
        """Endpoint → count (or error text) from the results file of ``count``."""
        rows = [line.split("\t", 1) for line in self.results_text.splitlines()[1:] if "\t" in line]
        return {endpoint: records for records, endpoint in rows}

    def successes(self, endpoint: str) -> dict[int, int]:
        """Status code → count of successful POSTs for one endpoint."""
        return {s["status_code"]: s["count"] for s in self.resource(endpoint).get("successes", [])}


def write_config(
    workdir: Path,
    base_url: str,
    *,
    key: str,
    secret: str,
    data_dir: Path | None = None,
    mode: str = "district_specific",
    year: int = 2026,
    pool_size: int = 8,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a lightbeam.yaml for ``base_url`` into ``workdir`` (state and data dirs inside it)."""
    data = data_dir or workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    (workdir / "state").mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "state_dir": str(workdir / "state"),
        "data_dir": str(data),
        "namespace": "ed-fi",
        "edfi_api": {
            "base_url": base_url,
            "version": 3,
            "mode": mode,
            "year": year,
            "client_id": key,
            "client_secret": secret,
        },
        "connection": {
            "pool_size": pool_size,
            "timeout": 60,
            "num_retries": 2,
            "backoff_factor": 1.5,
            "retry_statuses": [500, 502, 503, 504],
            "verify_ssl": False,
        },
        "log_level": "INFO",
        "show_stacktrace": True,
    }
    config.update(extra or {})
    path = workdir / "lightbeam.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run(config: Path, command: str, *args: str, answer: str | None = None, timeout: float = 600) -> LightbeamRun:
    """Run ``lightbeam -c config <command> <args>`` with a results file; ``answer`` goes to its prompt.

    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds and ``FileNotFoundError`` when lightbeam is
    not installed beside this Python (install ``runway[executor]``).
    """
    results = config.parent / f"results-{command}.json"
    results.unlink(missing_ok=True)
    completed = subprocess.run(
        [LIGHTBEAM, "-c", str(config), command, *args, "--results-file", str(results)],
        input=answer if answer is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=config.parent,
        check=False,
    )
    text = results.read_text() if results.exists() else ""
    try:
        loaded = json.loads(text) if text.strip() else None
    except ValueError:  # `count` writes "Records,Endpoint" rows, not JSON
        loaded = None
    return LightbeamRun(completed.returncode, completed.stdout + completed.stderr, loaded, text)
