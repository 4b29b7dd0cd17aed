"""The launcher protocol (executor.md §1.2: the executor gets ``INIT_JOB_URL`` and ``INIT_TOKEN``)."""

from __future__ import annotations

from typing import Protocol


class Launcher(Protocol):
    """Starts the executor of a run; raising means it could not be started (``failed_to_start_executor``)."""

    def launch(self, run_id: int, init_url: str, init_token: str) -> None:
        """Start the executor for ``run_id``, handing it ``init_url`` and ``init_token``; return once started."""
        ...
