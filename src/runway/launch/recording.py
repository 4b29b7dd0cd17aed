"""An in-memory launcher that records launches instead of starting anything (tests; a named stand-in)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Launch:
    """One recorded ``launch`` call."""

    run_id: int
    init_url: str
    init_token: str


@dataclass
class RecordingLauncher:
    """``Launcher`` that appends each call to ``launches``; raises ``fail_with`` instead when it is set."""

    launches: list[Launch] = field(default_factory=list)
    fail_with: Exception | None = None

    def launch(self, run_id: int, init_url: str, init_token: str) -> None:
        """Record the launch, or raise ``fail_with``."""
        if self.fail_with is not None:
            raise self.fail_with
        self.launches.append(Launch(run_id, init_url, init_token))
