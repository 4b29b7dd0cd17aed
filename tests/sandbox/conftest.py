"""Fixtures of the sandbox contract tests."""

from __future__ import annotations

import pytest

from runway.sandbox.spec import Catalog


@pytest.fixture(scope="module", params=["builtin", "ds50"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    """The built-in spec, then the official Data Standard 5.0 spec (skipped without ../shared)."""
    found: Catalog = request.getfixturevalue(f"{request.param}_catalog")
    return found
