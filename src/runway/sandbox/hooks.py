"""Test hooks: injected failures, added latency and a request log. Off unless ``test_hooks`` is set.

The request log is always kept (bounded) so that in-process tests can read it; the HTTP routes that
expose and change these settings exist only when hooks are on.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoggedRequest:
    """One request as the sandbox saw it."""

    method: str
    path: str
    query: str
    status: int

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"method": self.method, "path": self.path, "query": self.query, "status": self.status}


@dataclass
class Fault:
    """Answer the next ``remaining`` matching requests with ``status`` instead of serving them."""

    status: int
    remaining: int
    path_contains: str = ""


@dataclass
class Hooks:
    """Mutable test settings of one sandbox."""

    log_size: int = 10_000
    latency_seconds: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    log: deque[LoggedRequest] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.log = deque(maxlen=self.log_size or None)

    def record(self, method: str, path: str, query: str, status: int) -> None:
        """Append to the request log."""
        if self.log_size:
            self.log.append(LoggedRequest(method, path, query, status))

    def take_fault(self, path: str) -> Fault | None:
        """The fault to apply to a request for ``path``, counting it down."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.path_contains in path:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None
