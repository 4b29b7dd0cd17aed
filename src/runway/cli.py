"""The ``runway`` command line (see ``docs/cli.md``)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from runway.admin.cli import admin
from runway.sandbox.config import (
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    Client,
    ConfigFileError,
    SandboxConfig,
    describe_validation,
    load_config_file,
)


@click.group()
@click.version_option(package_name="runway")
def main() -> None:
    """Runway: load vendor assessment files into Ed-Fi."""


main.add_command(admin)


@main.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Where the demo keeps its files (emptied first).",
)
@click.option("--port", type=int, default=8765, show_default=True, help="Port of the demo sandbox (0: any free).")
@click.option(
    "--bundles-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="An earthmover_edfi_bundles checkout (default: $RUNWAY_BUNDLES_DIR or ../shared/bundles).",
)
@click.option(
    "--keep-serving/--no-keep-serving",
    default=None,
    help="Keep the sandbox (and the app) serving after the demo (default: when run in a terminal).",
)
@click.option("--no-bundle", is_flag=True, help="Skip the app and earthmover; load Runway's own small Ed-Fi output.")
@click.option("--app-port", type=int, default=8000, show_default=True, help="Port of the demo's app (0: any free).")
def demo(
    workdir: Path, port: int, bundles_dir: Path | None, keep_serving: bool | None, no_bundle: bool, app_port: int
) -> None:
    """Submit the ACT sample file as a job through the Runway app into the built-in Ed-Fi sandbox, and show
    the run's summary (without a bundles checkout: load Runway's own small output with lightbeam)."""
    from runway.demo import run_demo

    keep = sys.stdin.isatty() if keep_serving is None else keep_serving
    run_demo(workdir.resolve(), port, bundles_dir, keep, use_bundle=not no_bundle, app_port=app_port)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve_app(host: str, port: int, log_level: str) -> None:
    """Serve the Runway app (UI, executor callback API, signed storage URLs) until interrupted."""
    import uvicorn

    from runway.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level=log_level)


@main.group()
def sandbox() -> None:
    """The built-in Ed-Fi ODS/API sandbox."""


@sandbox.command("serve")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML/JSON file with any sandbox settings (e.g. several clients).",
)
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8765; 0 picks a free one).")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps data across restarts (default: in memory).",
)
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Directory with official resources-ds-<v>.yml and descriptors-ds-<v>.yml.",
)
@click.option("--data-standard", help="Data Standard version to load from --spec-dir, e.g. 5.0 or 4.0.")
@click.option(
    "--descriptors-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Directory of Ed-Fi descriptor XML files to seed (default: built-in set).",
)
@click.option("--prefix", help="Path prefix of the API root, e.g. /api.")
@click.option(
    "--layout",
    type=click.Choice(["single", "year", "context"]),
    help="single: data/v3/…; year: data/v3/<year>/…; context: <year>/data/v3/… (ODS/API 7.x).",
)
@click.option(
    "--school-year",
    "school_years",
    type=int,
    multiple=True,
    help="Accepted school year for year/context layouts (repeatable; default any).",
)
@click.option(
    "--profile",
    type=click.Choice(["ods7", "ods5"]),
    help="ods7: problem-details errors (default); ods5: {'message': …} errors.",
)
@click.option("--key", help=f"Client key (default {DEFAULT_CLIENT_KEY}).")
@click.option("--secret", help=f"Client secret (default {DEFAULT_CLIENT_SECRET}).")
@click.option(
    "--test-hooks/--no-test-hooks",
    default=None,
    help="Enable /_sandbox/ hooks (fault injection, request log). Off by default.",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(config_file: Path | None, log_level: str, key: str | None, secret: str | None, **options: Any) -> None:
    """Serve the Ed-Fi sandbox until interrupted."""
    import uvicorn

    from runway.sandbox.factory import build_app
    from runway.sandbox.spec import SpecError

    settings: dict[str, Any] = {}
    try:
        if config_file is not None:
            settings.update(load_config_file(config_file))
    except ConfigFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, value in options.items():
        if value is not None and value != ():
            settings[name] = list(value) if isinstance(value, tuple) else value
    if key or secret:
        if not (key and secret):
            raise click.UsageError("--key and --secret go together.")
        settings["clients"] = [Client(key=key, secret=secret)]
    try:
        config = SandboxConfig(**settings)
    except ValidationError as exc:
        raise click.ClickException(f"Invalid sandbox settings: {describe_validation(exc)}") from exc
    if config.data_standard and config.spec_dir is None:
        raise click.UsageError("--data-standard picks a version in --spec-dir; give --spec-dir too.")
    try:
        app = build_app(config)
    except (ValueError, SpecError) as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(
            f"Cannot use {config.db} as the sandbox database ({exc}). Give --db a writable path to a new "
            "file or to a database this sandbox created."
        ) from exc
    server = uvicorn.Server(
        uvicorn.Config(app.asgi, host=config.host, port=config.port, log_level=log_level, access_log=False)
    )
    _announce_when_started(server, config, app.sandbox.catalog.source, app.sandbox.warnings)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        return
    if not server.started:
        sys.exit(1)


def _announce_when_started(server: Any, config: SandboxConfig, source: str, warnings: list[str]) -> None:
    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        if not server.started:
            return
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else config.port
        root = f"http://{config.host}:{port}{config.prefix}"
        if config.layout == "context":
            root += "/<school year>"
        client = config.clients[0]
        click.echo(f"Ed-Fi sandbox ready: {root}/")
        click.echo(f"  spec: {source}; data: {config.db or 'in memory'}")
        for warning in warnings:
            click.echo(f"  warning: {warning}")
        click.echo(f"  client key: {client.key}  client secret: {client.secret}")
        if config.test_hooks:
            click.echo(f"  test hooks on: http://{config.host}:{port}/_sandbox/")
        sys.stdout.flush()

    server.startup = startup


@sandbox.command("seed")
@click.argument("seed_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default="http://127.0.0.1:8765", show_default=True, help="The Ed-Fi API root URL.")
@click.option("--key", default=DEFAULT_CLIENT_KEY, show_default=True, help="Client key.")
@click.option("--secret", default=DEFAULT_CLIENT_SECRET, show_default=True, help="Client secret.")
def seed_command(seed_file: Path, url: str, key: str, secret: str) -> None:
    """Load education organizations, students and their ID codes from SEED_FILE into an Ed-Fi API."""
    import httpx

    from runway.sandbox.seed import SeedFileError, read_seed_file, seed

    try:
        notes: list[str] = []
        payloads = read_seed_file(seed_file, notes)
        for note in notes:
            click.echo(f"note: {note}")
        report = seed(url, key, secret, payloads)
    except SeedFileError as exc:
        raise click.ClickException(str(exc)) from exc
    except PermissionError as exc:
        raise click.ClickException(str(exc)) from exc
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        raise click.ClickException(
            f"Could not talk to an Ed-Fi API at {url} ({exc}). Is the sandbox running? "
            "Start it with: runway sandbox serve"
        ) from exc
    for endpoint, counts in report.sent.items():
        parts = ", ".join(f"{n}× HTTP {status}" for status, n in sorted(counts.items()))
        click.echo(f"{endpoint}: {parts}")
    if not report.ok:
        for failure in report.failures:
            click.echo(f"  rejected {failure}", err=True)
        raise click.ClickException(f"{len(report.failures)} record(s) were rejected.")


if __name__ == "__main__":  # pragma: no cover
    main()
