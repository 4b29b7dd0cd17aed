"""What one executor run needs to know: the bundle, the input files and parameters, the Ed-Fi API.

This is the part of the job payload (executor.md §1.4) that the steps use, already unpacked: the HTTP
handshake that fetches the payload and downloads the inputs is the caller's business, so here inputs are
local files and the ODS credentials are plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["DEFAULT_MATCH_THRESHOLD", "LightbeamMode", "OdsConnection", "RunSpec"]

#: ``REQUIRED_ID_MATCH_RATE`` of the first pass (executor.md §1.2).
DEFAULT_MATCH_THRESHOLD = 0.5

#: lightbeam's ``edfi_api.mode`` values (executor.md §3.2).
LightbeamMode = Literal["shared_instance", "sandbox", "district_specific", "year_specific", "instance_year_specific"]


@dataclass(frozen=True)
class OdsConnection:
    """The district's Ed-Fi API (``assessmentDatastore`` of the job payload, executor.md §1.4).

    ``base_url`` is the API root serving the discovery document. The bundles' lightbeam.yaml uses
    ``district_specific``, where ``api_year`` is ignored (executor.md §7); ``year_specific`` appends it.
    """

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    api_year: int
    mode: LightbeamMode = "district_specific"
    verify_ssl: bool = True


@dataclass(frozen=True)
class RunSpec:
    """One run's job, unpacked.

    Attributes:
        bundles_root: The earthmover_edfi_bundles checkout (holds ``assessments/`` and ``packages/``); only read.
        bundle_path: The bundle's registry path, e.g. ``"assessments/ACT"``.
        input_files: ``templateKey`` → the file as uploaded, e.g. ``{"INPUT_FILE": Path("/x/scores.csv")}``.
        input_params: The bundle's parameters (``API_YEAR``, ``FORMAT``, ...), passed to earthmover as env vars.
        ods: The Ed-Fi API to fetch the roster from and send to.
        match_threshold: ``REQUIRED_ID_MATCH_RATE``.
    """

    bundles_root: Path
    bundle_path: str
    input_files: Mapping[str, Path]
    ods: OdsConnection
    input_params: Mapping[str, str] = field(default_factory=dict)
    match_threshold: float = DEFAULT_MATCH_THRESHOLD

    @property
    def bundle_name(self) -> str:
        """``ASSESSMENT_BUNDLE``: the last segment of ``bundle_path`` (executor.md §1.5 step 2)."""
        return Path(self.bundle_path).name

    @property
    def bundle_dir(self) -> Path:
        """The bundle in the checkout, absolute."""
        return (self.bundles_root / self.bundle_path).resolve()
