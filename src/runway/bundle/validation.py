"""Check a job's params and files against its bundle, as job creation does (runway-app.md §4.1 step 3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from runway.bundle.registry import APP_SUPPLIED_PARAMS, Bundle

__all__ = ["JobInputError", "JobInputReason", "check_job_inputs", "supplied_params"]

JobInputReason = Literal[
    "bundle_not_found",
    "missing_required_params",
    "invalid_param_values",
    "unexpected_params",
    "unexpected_files",
    "missing_required_files",
]


@dataclass(frozen=True)
class JobInputError:
    """One failed check: a reason code and the keys it concerns.

    ``message`` is the original's 400 message, ``"<reason>: KEY1, KEY2"`` (runway-app.md §4.1 step 3).
    """

    reason: JobInputReason
    keys: tuple[str, ...]

    @property
    def message(self) -> str:
        """``"<reason>: KEY1, KEY2"``."""
        return f"{self.reason}: {', '.join(self.keys)}"

    def __str__(self) -> str:
        return self.message


def supplied_params(params: Mapping[str, str | None]) -> dict[str, str]:
    """The params that count as given: entries whose value is ``None`` are dropped (runway-app.md §4.1 step 3)."""
    return {key: value for key, value in params.items() if value is not None}


def check_job_inputs(bundle: Bundle, params: Mapping[str, str | None], file_keys: Iterable[str]) -> list[JobInputError]:
    """Every failed check, in the original's order (runway-app.md §4.1 step 3); empty when the inputs fit.

    1. ``missing_required_params``: a required param other than ``API_YEAR`` has no value. A blank or
       whitespace-only value counts as no value.
    2. ``invalid_param_values``: a given value is not one of the param's ``allowed_values`` (exact match).
    3. ``unexpected_params``: a key the bundle does not declare; ``API_YEAR`` is always accepted, since
       the app overrides it with the school year.
    4. ``unexpected_files``: a file key the bundle does not declare.
    5. ``missing_required_files``: a required file of the bundle is not given.

    The original stops at the first failing check; all of them are returned here so that a caller can
    show everything at once, and ``errors[0]`` is the original's answer. Keys are listed in the bundle's
    order for "missing" checks and in the caller's order otherwise.
    """
    given = supplied_params(params)
    files = list(dict.fromkeys(file_keys))
    declared_params = {p.template_key for p in bundle.input_params}
    declared_files = {f.template_key for f in bundle.input_files}

    missing_params = [
        p.template_key
        for p in bundle.input_params
        if p.is_required and not p.is_app_supplied and not given.get(p.template_key, "").strip()
    ]
    invalid_values = [
        key
        for key, value in given.items()
        if key not in missing_params
        and (param := bundle.input_param(key)) is not None
        and param.allowed_values is not None
        and value not in param.allowed_values
    ]
    checks: list[tuple[JobInputReason, list[str]]] = [
        ("missing_required_params", missing_params),
        ("invalid_param_values", invalid_values),
        ("unexpected_params", [k for k in given if k not in declared_params and k not in APP_SUPPLIED_PARAMS]),
        ("unexpected_files", [k for k in files if k not in declared_files]),
        (
            "missing_required_files",
            [f.template_key for f in bundle.input_files if f.is_required and f.template_key not in files],
        ),
    ]
    return [JobInputError(reason, tuple(keys)) for reason, keys in checks if keys]
