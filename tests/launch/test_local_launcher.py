"""The local launcher without a real executor: a stand-in interpreter records what it was started with."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runway.launch.local import LocalLauncher

FAKE_PYTHON = """#!/bin/sh
echo "args: $*"
echo "token: $INIT_TOKEN url: $INIT_JOB_URL timeout: $TIMEOUT_SECONDS bundles: $RUNWAY_BUNDLES_DIR"
echo "workdir: $RUNWAY_EXECUTOR_WORKDIR cwd: $(pwd) key: ${RUNWAY_ENCRYPTION_KEY:-none}"
sleep "${SLEEP:-0.5}"
"""


def fake_python(tmp_path: Path) -> str:
    script = tmp_path / "python"
    script.write_text(FAKE_PYTHON)
    script.chmod(0o755)
    return str(script)


def wait_until_exited(launcher: LocalLauncher, run_id: int) -> None:
    deadline = time.monotonic() + 10
    while (process := launcher.process(run_id)) is not None and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_runs_beyond_the_limit_wait_and_get_a_fresh_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWAY_ENCRYPTION_KEY", "must-not-leak")
    minted: list[int] = []

    def mint(run_id: int) -> str:
        minted.append(run_id)
        return f"fresh-{run_id}"

    launcher = LocalLauncher(
        tmp_path / "runs",
        max_concurrent=1,
        timeout_seconds=42,
        bundles_dir=tmp_path / "bundles",
        mint_init_token=mint,
        python=fake_python(tmp_path),
    )
    launcher.launch(1, "http://app/init/1", "token-1")
    launcher.launch(2, "http://app/init/2", "token-2")
    assert launcher.process(1) is not None
    assert launcher.process(2) is None
    assert launcher.is_queued(2)
    assert not launcher.is_queued(1)

    wait_until_exited(launcher, 1)
    launcher.poll()
    assert not launcher.is_queued(2)
    assert launcher.process(2) is not None
    wait_until_exited(launcher, 2)
    launcher.poll()
    assert minted == [2]

    first = launcher.log_file(1).read_text()
    assert "args: -m runway.executor" in first
    assert "token: token-1 url: http://app/init/1 timeout: 42" in first
    assert f"bundles: {tmp_path / 'bundles'}" in first
    assert f"workdir: {tmp_path / 'runs' / '1'} cwd: {tmp_path / 'runs' / '1'}" in first
    assert "key: none" in first, "the executor gets no app secrets"
    assert "token: fresh-2 url: http://app/init/2" in launcher.log_file(2).read_text()


def test_shutdown_kills_running_executors_and_drops_the_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLEEP", "30")
    launcher = LocalLauncher(tmp_path / "runs", max_concurrent=1, python=fake_python(tmp_path))
    launcher.extra_env["SLEEP"] = "30"
    launcher.launch(1, "u", "t")
    launcher.launch(2, "u", "t")
    process = launcher.process(1)
    assert process is not None
    launcher.shutdown(kill=True)
    assert process.wait(timeout=10) != 0
    assert not launcher.is_queued(2)
