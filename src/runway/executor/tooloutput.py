"""Turn the output of the earthmover and lightbeam CLIs into a short message a person can read.

Both tools log ``<timestamp> <tool> <LEVEL> <message>`` lines and exit 255 on the first ERROR or CRITICAL
(executor.md §2.2, §3.1); earthmover prints a Python traceback before the final
``(near line N of <yaml> in $<node>) ...`` line. The message kept is the logged ERROR/CRITICAL text, or
else the last non-empty line (the exception line of a traceback).
"""

from __future__ import annotations

import re

__all__ = ["ToolFailed", "readable_message"]

_LOG_LINE = re.compile(r"^\S+ \S+ (?:earthmover|lightbeam)\s+(?:ERROR|CRITICAL)\s+(?P<message>.*)$")
#: A message longer than this is cut (the full output stays in the log and the exception chain).
MAX_MESSAGE_CHARS = 2000


class ToolFailed(RuntimeError):
    """A CLI run failed. ``str()`` is the readable message; ``output`` the tail of what the tool printed.

    Raised as the ``__cause__`` of the :class:`~runway.executor.errors.ExecutorError` a step raises, so the
    error's stack trace (executor.md §1.11 ``payload.stacktrace``) carries the tool's own words.
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def readable_message(output: str, *, default: str = "the tool failed without a message") -> str:
    """The error the tool logged (several ERROR lines are joined with "; "), else its last non-empty line."""
    logged = [m.group("message").strip() for line in output.splitlines() if (m := _LOG_LINE.match(line.strip()))]
    if logged:
        text = "; ".join(dict.fromkeys(logged))
    else:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        text = lines[-1] if lines else default
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
