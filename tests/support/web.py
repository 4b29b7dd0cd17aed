"""A seeded world for the UI JSON API tests: two tenants of partner ``ea`` with one user each, school years
(2526 sends to ODS and has an ODS config, 2425 is a no-ODS year, 2324 is not enabled), STAAR_Summative
enabled for the partner, the bundles checkout of ../shared as the catalog and a recording launcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from runway.app import create_app
from runway.bundle.catalog import BundleCatalog
from runway.bundle.enablement import enable_bundle
from runway.launch import RecordingLauncher
from runway.ods.models import OdsConfig
from runway.school_year.service import set_year_config
from runway.settings import Settings
from runway.user.service import add_to_tenant
from tests.support import factories as f
from tests.support.app import BASE_URL

BUNDLES_DIR = Path(__file__).resolve().parents[3] / "shared" / "bundles"
BUNDLE = "assessments/STAAR_Summative"


@dataclass
class World:
    """Ids of the seeded rows."""

    partner_id: str
    tenant: str
    other_tenant: str
    user_email: str
    other_email: str
    user_id: int
    ods_id: int
    other_ods_id: int


def seed(session: Session) -> World:
    """Create the rows of the module docstring and commit."""
    partner = f.make_partner(session)
    tenant = f.make_tenant(session, partner=partner, code="255901")
    other = f.make_tenant(session, partner=partner, code="255902")
    alice = f.make_user(session, email="alice@example.org", given_name="Alice")
    bob = f.make_user(session, email="bob@example.org", given_name="Bob")
    add_to_tenant(session, user=alice, tenant=tenant)
    add_to_tenant(session, user=bob, tenant=other)
    years = {start: f.make_school_year(session, start_year=start) for start in (2023, 2024, 2025)}
    set_year_config(session, partner_id=partner.id, school_year_id=years[2025].id, is_enabled=True, send_to_ods=True)
    set_year_config(session, partner_id=partner.id, school_year_id=years[2024].id, is_enabled=True, send_to_ods=False)
    set_year_config(session, partner_id=partner.id, school_year_id=years[2023].id, is_enabled=False)
    ods: OdsConfig = f.make_ods_config(session, tenant=tenant, year=years[2025])
    other_ods: OdsConfig = f.make_ods_config(session, tenant=other, year=years[2025], secret="other-s3cret")
    enable_bundle(session, partner_id=partner.id, bundle_key=BUNDLE)
    session.commit()
    return World(
        partner.id, tenant.code, other.code, "alice@example.org", "bob@example.org", alice.id, ods.id, other_ods.id
    )


@pytest.fixture
def catalog() -> BundleCatalog:
    """The bundles checkout of ../shared; the test is skipped when it is absent."""
    if not (BUNDLES_DIR / "registry.json").is_file():
        pytest.skip(f"{BUNDLES_DIR} is not available (third-party bundles live in ../shared)")
    return BundleCatalog.from_directory(BUNDLES_DIR, max_age=None)


@pytest.fixture
def launcher() -> RecordingLauncher:
    return RecordingLauncher()


@pytest.fixture
def web_app(settings: Settings, catalog: BundleCatalog, launcher: RecordingLauncher) -> FastAPI:
    """The real app with the shared catalog and the recording launcher."""
    app = create_app(settings)
    app.state.catalog = catalog
    app.state.launcher = launcher
    return app


@pytest.fixture
def world(session: Session) -> World:
    return seed(session)


def login(client: TestClient, world: World, *, other: bool = False) -> TestClient:
    """Sign ``client`` in as Alice (tenant 255901) or, with ``other``, Bob (tenant 255902)."""
    body = {
        "email": world.other_email if other else world.user_email,
        "partnerId": world.partner_id,
        "tenantCode": world.other_tenant if other else world.tenant,
    }
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def alice(web_app: FastAPI, world: World) -> Iterator[TestClient]:
    """A client signed in as Alice."""
    with TestClient(web_app, base_url=BASE_URL) as client:
        yield login(client, world)


@pytest.fixture
def bob(web_app: FastAPI, world: World) -> Iterator[TestClient]:
    """A client signed in as Bob, of the other tenant."""
    with TestClient(web_app, base_url=BASE_URL) as client:
        yield login(client, world, other=True)


@pytest.fixture
def anonymous(web_app: FastAPI, world: World) -> Iterator[TestClient]:  # noqa: ARG001 (the world must exist)
    """A client without a session (after the world is seeded)."""
    with TestClient(web_app, base_url=BASE_URL) as client:
        yield client
