"""Fixtures of the sandbox contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import ensure_descriptors
from tests.support.sandbox_server import RunningSandbox, serve_sandbox


@pytest.fixture(scope="module", params=["builtin", "ds50"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    """The built-in spec, then the official Data Standard 5.0 spec (skipped without ../shared)."""
    found: Catalog = request.getfixturevalue(f"{request.param}_catalog")
    return found


@pytest.fixture(scope="module")
def sandbox(catalog: Catalog) -> Iterator[RunningSandbox]:
    """A default sandbox per module and catalog, holding the ``DESCRIPTORS`` values the payloads use.

    Modules that need another configuration define their own ``sandbox``.
    """
    with serve_sandbox(SandboxConfig(), catalog) as running:
        with running.client() as client:
            ensure_descriptors(client)
        yield running


@pytest.fixture(scope="module")
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """A data-API client of ``sandbox``, shared by the module's tests."""
    with sandbox.client() as http:
        yield http
