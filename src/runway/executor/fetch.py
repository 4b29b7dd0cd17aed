"""Fetch the district's student roster from its Ed-Fi API with the real ``lightbeam fetch``.

executor.md §1.6 case 1: ``lightbeam fetch -s studentEducationOrganizationAssociations
-k studentIdentificationCodes,educationOrganizationReference,studentReference`` writes one association per
line into its data_dir. Differences from the original: the lightbeam config is generated per run from the
ODS connection (the original used the bundle's lightbeam.yaml plus env vars), and its state_dir is inside
the run's workspace rather than a literal ``${STATE_DIR}`` in the cwd (executor.md §7).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from runway.executor import lightbeam
from runway.executor.errors import ExecutorError
from runway.executor.roster import Roster, read_roster
from runway.executor.runspec import OdsConnection
from runway.executor.tooloutput import ToolFailed, readable_message
from runway.executor.workspace import RunWorkspace

__all__ = ["FETCH_KEYS", "ROSTER_RESOURCE", "fetch_roster", "write_lightbeam_config"]

ROSTER_RESOURCE = "studentEducationOrganizationAssociations"
#: The top-level keys kept, as the original (``-k``).
FETCH_KEYS = "studentIdentificationCodes,educationOrganizationReference,studentReference"
#: Seconds before a fetch is abandoned.
FETCH_TIMEOUT = 600.0


def write_lightbeam_config(workspace: RunWorkspace, ods: OdsConnection, *, data_dir: Path) -> Path:
    """Write ``<workspace>/lightbeam/lightbeam.yaml`` for ``ods`` with ``data_dir``; returns its path.

    State (hashlog, swagger cache) goes to the workspace's lightbeam state dir. The file holds the client
    secret, so it is readable by its owner only.
    """
    config = lightbeam.write_config(
        workspace.lightbeam_dir,
        ods.base_url,
        key=ods.client_id,
        secret=ods.client_secret,
        data_dir=data_dir,
        mode=ods.mode,
        year=ods.api_year,
        extra={"state_dir": str(workspace.lightbeam_state_dir)},
    )
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["connection"]["verify_ssl"] = ods.verify_ssl
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    config.chmod(0o600)
    return config


def fetch_roster(workspace: RunWorkspace, ods: OdsConnection) -> Roster:
    """Fetch the roster into ``workspace.roster_file`` (the directory is emptied first) and read it.

    Returns:
        The parsed roster (:func:`runway.executor.roster.read_roster`).

    Raises:
        ExecutorError: ``lightbeam_fetch`` (``resource`` = studentEducationOrganizationAssociations) when
            lightbeam exits non-zero, e.g. the API is unreachable or refuses the credentials; the cause is a
            :class:`ToolFailed` with lightbeam's message. ``missing_ods_roster`` when the API has no
            associations (lightbeam then writes no file) or none has a studentUniqueId.
    """
    RunWorkspace.reset_dir(workspace.roster_dir)
    config = write_lightbeam_config(workspace, ods, data_dir=workspace.roster_dir)
    fetched = lightbeam.run(config, "fetch", "-s", ROSTER_RESOURCE, "-k", FETCH_KEYS, timeout=FETCH_TIMEOUT)
    if fetched.returncode != 0:
        message = readable_message(fetched.output, default=f"lightbeam fetch exited with code {fetched.returncode}")
        raise ExecutorError("lightbeam_fetch", resource=ROSTER_RESOURCE) from ToolFailed(
            f"lightbeam fetch of {ROSTER_RESOURCE} failed (exit code {fetched.returncode}): {message}",
            fetched.output[-6000:],
        )
    return read_roster(workspace.roster_file)
