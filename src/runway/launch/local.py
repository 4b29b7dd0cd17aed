"""Run executors as local subprocesses (runway-app.md §7 "local-python", without its one-run-at-a-time limit).

Each run gets ``python -m runway.executor`` with ``INIT_TOKEN``, ``INIT_JOB_URL`` and ``TIMEOUT_SECONDS``
(executor.md §1.2), its own directory ``<data_dir>/runs/<runId>/`` (the cwd, holding the workspace) and its
output in ``executor.log`` there. At most ``max_concurrent`` run at once; further launches wait in a FIFO
queue and start as running ones exit. A queued run's init token is minted again when it starts, since
init tokens live 5 minutes.

The child gets a small environment (no database URL, no keys): ``PATH``, locale and the variables above,
plus ``RUNWAY_BUNDLES_DIR`` and ``RUNWAY_EXECUTOR_WORKDIR``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runway.settings import Settings

__all__ = ["LocalLauncher"]

logger = logging.getLogger(__name__)

#: Variables of the app's environment the executor keeps (locale, temp dirs, proxies for the bundle fetch).
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


@dataclass
class _Pending:
    run_id: int
    init_url: str
    init_token: str


class LocalLauncher:
    """A :class:`runway.launch.Launcher` starting ``python -m runway.executor`` subprocesses.

    Args:
        runs_dir: Parent of the per-run directories (``<data_dir>/runs``).
        max_concurrent: Executors running at once.
        timeout_seconds: ``TIMEOUT_SECONDS`` of each executor.
        bundles_dir: The bundles checkout the executor reads (``RUNWAY_BUNDLES_DIR``).
        mint_init_token: Mints a fresh init token for a run; used when a queued run finally starts.
        python: The interpreter (default: this one).
        extra_env: More variables for the executor (e.g. ``DEPLOYMENT_MODE``).
    """

    def __init__(
        self,
        runs_dir: Path,
        *,
        max_concurrent: int = 2,
        timeout_seconds: int = 3600,
        bundles_dir: Path | None = None,
        mint_init_token: Callable[[int], str] | None = None,
        python: str = sys.executable,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.runs_dir = runs_dir
        self.max_concurrent = max(1, max_concurrent)
        self.timeout_seconds = timeout_seconds
        self.bundles_dir = bundles_dir
        self.mint_init_token = mint_init_token
        self.python = python
        self.extra_env = dict(extra_env or {})
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.queue: deque[_Pending] = deque()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, mint_init_token: Callable[[int], str] | None = None) -> LocalLauncher:
        """A launcher for ``settings`` (``max_concurrent_runs``, ``executor_timeout_seconds``, ``bundles_dir``)."""
        return cls(
            settings.data_dir / "runs",
            max_concurrent=settings.max_concurrent_runs,
            timeout_seconds=settings.executor_timeout_seconds,
            bundles_dir=settings.bundles_dir,
            mint_init_token=mint_init_token,
        )

    def launch(self, run_id: int, init_url: str, init_token: str) -> None:
        """Start the executor of ``run_id`` now, or queue it when ``max_concurrent`` are running.

        Raises:
            OSError: the process could not be started (the run then fails to start).
        """
        with self._lock:
            self._reap_exited()
            if len(self.processes) < self.max_concurrent:
                self._start(_Pending(run_id, init_url, init_token), fresh_token=False)
            else:
                logger.info("Run %s queued: %d executors running", run_id, len(self.processes))
                self.queue.append(_Pending(run_id, init_url, init_token))

    def is_queued(self, run_id: int) -> bool:
        """True while the run waits for a free slot (the reaper leaves it alone)."""
        with self._lock:
            return any(pending.run_id == run_id for pending in self.queue)

    def poll(self) -> None:
        """Forget exited executors and start queued runs in the free slots."""
        with self._lock:
            self._reap_exited()

    def process(self, run_id: int) -> subprocess.Popen[bytes] | None:
        """The running executor of ``run_id``, if any."""
        with self._lock:
            return self.processes.get(run_id)

    def log_file(self, run_id: int) -> Path:
        """Where the executor of ``run_id`` writes its output."""
        return self.runs_dir / str(run_id) / "executor.log"

    def shutdown(self, *, kill: bool = False) -> None:
        """Drop the queue; with ``kill``, stop running executors (their runs are then reaped)."""
        with self._lock:
            self.queue.clear()
            if kill:
                for process in self.processes.values():
                    process.kill()

    def _reap_exited(self) -> None:
        for run_id, process in list(self.processes.items()):
            code = process.poll()
            if code is not None:
                logger.info("Executor of run %s exited with code %s", run_id, code)
                del self.processes[run_id]
        while self.queue and len(self.processes) < self.max_concurrent:
            pending = self.queue.popleft()
            try:
                self._start(pending, fresh_token=True)
            except Exception:
                logger.exception("Could not start the queued executor of run %s (the reaper fails it)", pending.run_id)

    def _start(self, pending: _Pending, *, fresh_token: bool) -> None:
        token = pending.init_token
        if fresh_token and self.mint_init_token is not None:
            token = self.mint_init_token(pending.run_id)
        run_dir = self.runs_dir / str(pending.run_id)
        run_dir.mkdir(parents=True, exist_ok=True)
        env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
        env.update(
            {
                "INIT_TOKEN": token,
                "INIT_JOB_URL": pending.init_url,
                "TIMEOUT_SECONDS": str(self.timeout_seconds),
                "RUNWAY_EXECUTOR_WORKDIR": str(run_dir),
                "PYTHONUNBUFFERED": "1",
                **self.extra_env,
            }
        )
        if self.bundles_dir is not None:
            env["RUNWAY_BUNDLES_DIR"] = str(self.bundles_dir)
        with self.log_file(pending.run_id).open("ab") as log:
            process = subprocess.Popen(
                [self.python, "-m", "runway.executor"],
                cwd=run_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[pending.run_id] = process
        logger.info("Executor of run %s started (pid %s)", pending.run_id, process.pid)
