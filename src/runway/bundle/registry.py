"""Read an earthmover_edfi_bundles checkout into typed, frozen bundle models.

The checkout's layout (executor.md §4.1)::

    registry.json                  {"assessments": [<_metadata.yaml as JSON>, ...]}
    assessments/<Bundle>/          _metadata.yaml  earthmover.yaml  README.md  seeds/*.csv ...

``registry.json`` is generated from the ``_metadata.yaml`` files (``create-registry.py``, checked in CI), so
the two normally agree. Here the registry decides **which** bundles are offered and in what order (the
original lists templates "in registry order", runway-app.md §2.2), and each bundle's ``_metadata.yaml``,
the file that ships beside the code a run executes, supplies its metadata. When they disagree, the
disagreement is reported as a warning and ``_metadata.yaml`` wins.

Loading never raises. Every problem becomes a :class:`CatalogProblem` that says what is wrong, where, and
what to do. A bundle that cannot run (no directory, no or unreadable ``_metadata.yaml``, no
``earthmover.yaml``, no ``INPUT_FILE``) is left out with an error; everything else is still served.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

__all__ = [
    "API_YEAR",
    "APP_SUPPLIED_PARAMS",
    "MAIN_INPUT_FILE",
    "REGISTRY_FILE",
    "Bundle",
    "CatalogProblem",
    "InputFile",
    "InputParam",
    "RegistryLoad",
    "load_registry",
]

REGISTRY_FILE = "registry.json"
METADATA_FILE = "_metadata.yaml"
EARTHMOVER_FILE = "earthmover.yaml"

API_YEAR = "API_YEAR"
#: Parameters the app fills in itself, never the user: ``API_YEAR`` is always set from the job's school year,
#: is not shown in the UI and not required from API callers (runway-app.md §6, §4.1 step 3).
APP_SUPPLIED_PARAMS = frozenset({API_YEAR})

#: The input file every run needs: the executor rejects a job without it (executor.md §1.5 step 2), and
#: every bundle's ``earthmover.yaml`` reads its main source from ``${INPUT_FILE}`` (executor.md §4.1).
MAIN_INPUT_FILE = "INPUT_FILE"

#: Sections scanned when ``registry.json`` is unusable; the original registry has only ``assessments``
#: (runway-app.md §6).
KNOWN_SECTIONS = ("assessments",)

Severity = Literal["error", "warning"]


# --------------------------------------------------------------------------------------------- public models


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputFile(_Frozen):
    """One input file a bundle reads (a registry ``input_files[]`` entry, runway-app.md §6)."""

    #: The ``env_var`` the executor sets to the downloaded file's path, e.g. ``INPUT_FILE``; also the key
    #: of the job's file and of its upload URL.
    template_key: str
    display_name: str
    is_required: bool
    #: Allowed extensions, lower case without the dot (``("csv", "txt")``); the UI builds ``accept`` from them.
    file_types: tuple[str, ...]


class InputParam(_Frozen):
    """One parameter a bundle reads (a registry ``input_params[]`` entry, runway-app.md §6)."""

    #: The ``env_var`` passed to earthmover, e.g. ``FORMAT``.
    template_key: str
    display_name: str
    is_required: bool
    #: The only values accepted, when the bundle defines them; ``None`` means free text (runway-app.md §4.1).
    allowed_values: tuple[str, ...] | None
    #: The bundle's own default from ``earthmover.yaml`` ``config.parameter_defaults`` (not part of the
    #: registry; informational only: job validation still requires required params, as the original does).
    default: str | None = None

    @property
    def is_free_text(self) -> bool:
        """True when any value is accepted (no ``allowed_values``)."""
        return self.allowed_values is None

    @property
    def is_app_supplied(self) -> bool:
        """True for ``API_YEAR``, which the app sets from the school year (runway-app.md §6)."""
        return self.template_key in APP_SUPPLIED_PARAMS


class Bundle(_Frozen):
    """A bundle as the catalog serves it: registry metadata plus facts read from its directory."""

    #: The registry ``path``, e.g. ``assessments/ACT``: the bundle's identity everywhere (runway-app.md §1.3).
    key: str
    #: The registry section it is listed under, e.g. ``assessments`` (the ``/job-templates/:type``).
    bundle_type: str
    #: The directory name, e.g. ``ACT``: what runs export as ``ASSESSMENT_BUNDLE`` (executor.md §1.5 step 2).
    name: str
    display_name: str
    #: The ``Description`` line of the bundle's README, when it has one.
    description: str | None
    #: Ed-Fi versions the bundle supports, e.g. ``>=3.0``.
    valid_edfi: str | None
    #: Resources whose failures make a run "complete with errors" (runway-app.md §4.5).
    report_resources: tuple[str, ...]
    input_files: tuple[InputFile, ...]
    input_params: tuple[InputParam, ...]
    #: Seed CSVs that custom descriptor mappings may replace (runway-app.md §5.5).
    descriptor_mapping_files: tuple[str, ...]
    #: The bundle's directory in the checkout.
    directory: Path

    def input_file(self, template_key: str) -> InputFile | None:
        """The input file with this template key, if the bundle declares it."""
        return next((f for f in self.input_files if f.template_key == template_key), None)

    def input_param(self, template_key: str) -> InputParam | None:
        """The parameter with this template key, if the bundle declares it."""
        return next((p for p in self.input_params if p.template_key == template_key), None)

    @property
    def user_params(self) -> tuple[InputParam, ...]:
        """The parameters a user fills in: all but ``API_YEAR`` (runway-app.md §6, §8.2 wizard step 3)."""
        return tuple(p for p in self.input_params if not p.is_app_supplied)


@dataclass(frozen=True)
class CatalogProblem:
    """Something wrong in the bundles checkout: what, where, and what to do about it.

    ``error`` means something is not served (a bundle, or the whole registry); ``warning`` means it is
    served but something is off.
    """

    severity: Severity
    #: A path inside the checkout (``assessments/ACT/_metadata.yaml``) or the git URL.
    where: str
    what: str
    fix: str
    #: The bundle concerned, when there is one.
    bundle_key: str | None = None

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.what}. {self.fix}"


@dataclass(frozen=True)
class RegistryLoad:
    """The result of reading a checkout: the bundles that loaded, in registry order, and every problem."""

    bundles: tuple[Bundle, ...]
    problems: tuple[CatalogProblem, ...]


# ------------------------------------------------------------------------------------ file format (raw models)

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: Keys become environment variables and ``${NAME}`` references in earthmover (executor.md §1.7).
_EnvVar = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def _number_to_text(value: object) -> object:
    # YAML reads `allowed_values: [2024, 2025]` as numbers; params travel as text (env vars).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


class _Raw(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _RawInputFile(_Raw):
    display_name: _Text
    env_var: _EnvVar
    is_required: bool
    file_type: list[_Text]


class _RawInputParam(_Raw):
    display_name: _Text
    env_var: _EnvVar
    is_required: bool
    allowed_values: list[Annotated[str, BeforeValidator(_number_to_text)]] | None = None


class _RawMetadata(_Raw):
    """A registry entry, which is a ``_metadata.yaml`` as JSON (runway-app.md §6, executor.md §4.1).

    ``input_params`` may be absent or ``null`` (the app treats ``null`` as ``[]``); legacy shapes such as
    ``input_files`` as an object or ``params`` as a JSON schema do not validate, so those entries are
    skipped with an error, as runway-app.md §6 asks.
    """

    display_name: _Text
    path: _Text
    valid_edfi: str | None = None
    report_resources: list[_Text] = []
    input_files: list[_RawInputFile]
    input_params: list[_RawInputParam] | None = None
    descriptor_mapping_files: list[_Text] | None = None


def _field_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        parts.append(f"{location or 'document'}: {error['msg']}")
    return "; ".join(parts)


def _one_line_yaml(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


# ------------------------------------------------------------------------------------------------ loading

_REGENERATE = "Regenerate registry.json from the _metadata.yaml files (python create-registry.py assessments)."
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class _Problems(list[CatalogProblem]):
    def error(self, where: str, what: str, fix: str, key: str | None = None) -> None:
        self.append(CatalogProblem("error", where, what, fix, key))

    def warning(self, where: str, what: str, fix: str, key: str | None = None) -> None:
        self.append(CatalogProblem("warning", where, what, fix, key))


@dataclass(frozen=True)
class _Listing:
    """A bundle the registry (or, without a usable registry, the directory scan) offers."""

    section: str
    key: str
    where: str
    entry: Mapping[str, Any] | None  # the registry entry; None when found by scanning


def load_registry(root: Path) -> RegistryLoad:
    """Read the checkout at ``root``: ``registry.json`` plus each listed bundle's directory. Never raises.

    Without a readable ``registry.json`` (absent, invalid JSON, wrong shape) the bundles are found by
    scanning ``assessments/*/_metadata.yaml``, the files the registry is generated from, so the catalog
    keeps serving what it can; the registry problem is still reported as an error.
    """
    problems = _Problems()
    if not root.is_dir():
        problems.error(
            str(root),
            "the bundles directory does not exist",
            "Point the catalog at an earthmover_edfi_bundles checkout (the directory holding registry.json).",
        )
        return RegistryLoad((), tuple(problems))

    listings = _read_registry(root, problems)
    if listings is None:
        listings = _scan(root)
    else:
        _report_unlisted(root, listings, problems)

    bundles = []
    for listing in listings:
        bundle = _load_bundle(root, listing, problems)
        if bundle is not None:
            bundles.append(bundle)
    return RegistryLoad(tuple(bundles), tuple(problems))


def _read_registry(root: Path, problems: _Problems) -> list[_Listing] | None:
    """The registry's bundles in order, or None when the file itself is unusable (reported as an error)."""
    path = root / REGISTRY_FILE
    fallback = "Until then the catalog serves the bundles found in assessments/*/_metadata.yaml."
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.error(REGISTRY_FILE, "the registry file is missing", f"{_REGENERATE} {fallback}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(REGISTRY_FILE, f"the registry file cannot be read ({exc})", f"Check the file. {fallback}")
        return None
    except json.JSONDecodeError as exc:
        problems.error(
            REGISTRY_FILE,
            f"the registry is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            f"{_REGENERATE} {fallback}",
        )
        return None
    if not isinstance(document, dict):
        problems.error(
            REGISTRY_FILE,
            f'the registry must be a JSON object such as {{"assessments": [...]}}, not {_json_type(document)}',
            f"{_REGENERATE} {fallback}",
        )
        return None

    listings: list[_Listing] = []
    seen: set[str] = set()
    for section, entries in document.items():
        if not isinstance(entries, list):
            problems.error(
                f"{REGISTRY_FILE} {section}",
                f"the section must be a list of bundles, not {_json_type(entries)}",
                f"{_REGENERATE} Its bundles are not offered until then.",
            )
            continue
        for index, entry in enumerate(entries):
            where = f"{REGISTRY_FILE} {section}[{index}]"
            path_value = entry.get("path") if isinstance(entry, dict) else None
            if not isinstance(path_value, str) or not path_value.strip():
                problems.error(
                    where,
                    'the entry has no "path" (such as "assessments/ACT")',
                    f"{_REGENERATE} The entry is skipped until then.",
                )
                continue
            key = path_value.strip()
            if key in seen:
                problems.error(
                    where,
                    f"bundle {key} is listed more than once",
                    f"{_REGENERATE} Only its first entry is used.",
                    key,
                )
                continue
            seen.add(key)
            listings.append(_Listing(section, key, where, entry))
    if not listings and not any(p.where.startswith(REGISTRY_FILE) for p in problems):
        problems.warning(REGISTRY_FILE, "the registry lists no bundles", _REGENERATE)
    return listings


def _scan(root: Path) -> list[_Listing]:
    """Every ``<section>/<Bundle>/_metadata.yaml``, ordered by name as the generated registry is."""
    listings = []
    for section in KNOWN_SECTIONS:
        directory = root / section
        if not directory.is_dir():
            continue
        names = sorted((p.parent.name for p in directory.glob(f"*/{METADATA_FILE}")), key=str.lower)
        listings += [_Listing(section, f"{section}/{n}", f"{section}/{n}/{METADATA_FILE}", None) for n in names]
    return listings


def _report_unlisted(root: Path, listings: list[_Listing], problems: _Problems) -> None:
    listed = {listing.key for listing in listings}
    for section in sorted({*KNOWN_SECTIONS, *(listing.section for listing in listings)}):
        directory = root / section
        if not directory.is_dir():
            continue
        for metadata in sorted(directory.glob(f"*/{METADATA_FILE}")):
            key = f"{section}/{metadata.parent.name}"
            if key not in listed:
                problems.warning(
                    f"{key}/{METADATA_FILE}",
                    f"bundle {key} has metadata but is not in registry.json, so it is not offered",
                    _REGENERATE,
                    key,
                )


def _load_bundle(root: Path, listing: _Listing, problems: _Problems) -> Bundle | None:
    key, section = listing.key, listing.section
    if not _key_is_valid(key, section):
        problems.error(
            listing.where,
            f'the bundle path "{key}" is not of the form "{section}/<BundleDirectory>"',
            "Fix the path in the bundle's _metadata.yaml and regenerate registry.json. The bundle is skipped.",
            key,
        )
        return None
    directory = root / key
    if not directory.is_dir():
        problems.error(
            key,
            "the registry lists this bundle but its directory is missing",
            "Restore the directory or remove the entry from registry.json. The bundle is skipped.",
            key,
        )
        return None
    if not directory.resolve().is_relative_to(root.resolve()):
        # Runs use the bundle's directory as a local package; it must be part of the checkout.
        problems.error(
            key,
            "the bundle directory is a link to somewhere outside the checkout",
            "Replace the link with the bundle's files. The bundle is skipped.",
            key,
        )
        return None

    metadata = _read_metadata(directory, key, problems)
    if metadata is None:
        return None
    if metadata.path != key:
        problems.error(
            f"{key}/{METADATA_FILE}",
            f'its path is "{metadata.path}", but the bundle lives in {key}',
            f'Set path: "{key}" in the file and regenerate registry.json. The bundle is skipped.',
            key,
        )
        return None
    errors = _semantic_errors(metadata)
    if errors:
        problems.error(
            f"{key}/{METADATA_FILE}",
            "; ".join(errors),
            "Fix the file and regenerate registry.json. The bundle is skipped.",
            key,
        )
        return None
    if not (directory / EARTHMOVER_FILE).is_file():
        problems.error(
            f"{key}/{EARTHMOVER_FILE}",
            "the bundle has no earthmover.yaml, so it cannot run",
            "Restore the file from the bundles repository. The bundle is skipped.",
            key,
        )
        return None

    if listing.entry is not None:
        _compare_with_registry(listing, metadata, problems)
    _check_mapping_seeds(metadata, directory, key, problems)
    defaults = _parameter_defaults(directory, key, problems)
    return _to_bundle(metadata, section, directory, defaults)


def _check_mapping_seeds(metadata: _RawMetadata, directory: Path, key: str, problems: _Problems) -> None:
    """Each ``descriptor_mapping_files`` entry must be a CSV directly in ``seeds/``: that is the file a run
    overwrites with the partner's custom mappings (executor.md §1.5 step 8, runway-app.md §5.5)."""
    seeds = directory / "seeds"
    for seed in metadata.descriptor_mapping_files or []:
        if (seeds / seed).is_file():
            continue
        name = Path(seed).name
        elsewhere = sorted(p.relative_to(directory).as_posix() for p in seeds.rglob("*") if p.name == name)
        hint = f" (the bundle has {', '.join(elsewhere)})" if elsewhere else ""
        problems.warning(
            f"{key}/{METADATA_FILE}",
            f"descriptor_mapping_files names {seed!r}, but seeds/{seed} does not exist{hint}; custom descriptor "
            "mappings are written to seeds/<name>, so they would not reach this bundle",
            "Correct the name in descriptor_mapping_files, or keep the seed directly in seeds/.",
            key,
        )


def _key_is_valid(key: str, section: str) -> bool:
    """``<section>/<Bundle>`` exactly: runs derive ``ASSESSMENT_BUNDLE`` from its last segment and compose
    ``assessments/${ASSESSMENT_BUNDLE}`` (executor.md §1.5 step 2, §4.3), so anything else cannot run."""
    head, _, name = key.partition("/")
    return head == section and bool(_NAME.match(name)) and name not in {".", ".."}


def _read_metadata(directory: Path, key: str, problems: _Problems) -> _RawMetadata | None:
    where = f"{key}/{METADATA_FILE}"
    skipped = "The bundle is skipped until then."
    try:
        document = yaml.safe_load((directory / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.error(
            where,
            "the bundle has no _metadata.yaml",
            f"Restore the file from the bundles repository (registry.json is generated from it). {skipped}",
            key,
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(where, f"the file cannot be read ({exc})", f"Check the file. {skipped}", key)
        return None
    except yaml.YAMLError as exc:
        problems.error(where, f"the file is not valid YAML: {_one_line_yaml(exc)}", f"Fix the file. {skipped}", key)
        return None
    if not isinstance(document, dict):
        problems.error(
            where,
            f"the file must be a mapping with display_name, path, input_files..., not {_json_type(document)}",
            f"Fix the file. {skipped}",
            key,
        )
        return None
    try:
        return _RawMetadata.model_validate(document)
    except ValidationError as exc:
        problems.error(
            where,
            f"the metadata does not have the registry shape: {_field_errors(exc)}",
            f"Fix the file (see runway-app.md §6 for the shape). {skipped}",
            key,
        )
        return None


def _semantic_errors(metadata: _RawMetadata) -> list[str]:
    """Rules a well-formed entry must also meet for a run to work: file and param keys are distinct, since
    all of them become environment variables of one earthmover run (executor.md §1.7), and ``INPUT_FILE``
    is declared, since the executor refuses a job without it (executor.md §1.5 step 2)."""
    errors = []
    keys = [f.env_var for f in metadata.input_files] + [p.env_var for p in metadata.input_params or []]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        errors.append(f"env_var declared more than once across input_files and input_params: {', '.join(duplicates)}")
    if MAIN_INPUT_FILE not in {f.env_var for f in metadata.input_files}:
        errors.append(f"input_files must declare {MAIN_INPUT_FILE}, the file every run reads (executor.md §1.5)")
    return errors


def _compare_with_registry(listing: _Listing, metadata: _RawMetadata, problems: _Problems) -> None:
    where = f"{listing.key}/{METADATA_FILE}"
    try:
        entry = _RawMetadata.model_validate(listing.entry)
    except ValidationError as exc:
        problems.warning(
            listing.where,
            f"the registry entry is malformed ({_field_errors(exc)}); _metadata.yaml is used instead",
            _REGENERATE,
            listing.key,
        )
        return
    ours, theirs = metadata.model_dump(), entry.model_dump()
    differing = [name for name in ours if ours[name] != theirs[name]]
    if differing:
        problems.warning(
            where,
            f"registry.json disagrees with this file on {', '.join(differing)}; this file is used",
            _REGENERATE,
            listing.key,
        )


_DESCRIPTION = re.compile(r"^\s*[*-]\s*\*\*Description:?\*\*:?\s*(?P<text>.+?)\s*$", re.MULTILINE)


def _description(directory: Path) -> str | None:
    """The ``* **Description**: ...`` line of the bundle's README (the Ed-Fi Data Import Tool summary)."""
    try:
        match = _DESCRIPTION.search((directory / "README.md").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return match.group("text") if match else None


def _parameter_defaults(directory: Path, key: str, problems: _Problems) -> dict[str, str]:
    """``config.parameter_defaults`` of ``earthmover.yaml``.

    Many bundle configs hold Jinja outside YAML values (``{% if %}`` blocks), so when the whole file is
    not YAML, only its top-level ``config:`` block is parsed.
    """
    try:
        text = (directory / EARTHMOVER_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        block = _top_level_block(text, "config")
        if block is None:
            return {}
        try:
            document = yaml.safe_load(block)
        except yaml.YAMLError as exc:
            problems.warning(
                f"{key}/{EARTHMOVER_FILE}",
                f"its config block is not valid YAML ({_one_line_yaml(exc)}), so parameter defaults are unknown",
                "Fix the config block; earthmover itself will fail on it too.",
                key,
            )
            return {}
    config = document.get("config") if isinstance(document, dict) else None
    defaults = config.get("parameter_defaults") if isinstance(config, dict) else None
    if not isinstance(defaults, dict):
        return {}
    # Scalars only (a null default means "no default"); values reach earthmover as text.
    return {str(name): str(value) for name, value in defaults.items() if isinstance(value, str | int | float)}


def _top_level_block(text: str, name: str) -> str | None:
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.rstrip() == f"{name}:":
            end = start + 1
            while end < len(lines) and (not lines[end].strip() or lines[end][:1] in {" ", "\t", "#"}):
                end += 1
            return "\n".join(lines[start:end])
    return None


def _to_bundle(metadata: _RawMetadata, section: str, directory: Path, defaults: Mapping[str, str]) -> Bundle:
    return Bundle(
        key=metadata.path,
        bundle_type=section,
        name=directory.name,
        display_name=metadata.display_name,
        description=_description(directory),
        valid_edfi=metadata.valid_edfi,
        report_resources=tuple(metadata.report_resources),
        input_files=tuple(
            InputFile(
                template_key=f.env_var,
                display_name=f.display_name,
                is_required=f.is_required,
                file_types=_unique(t.lower().lstrip(".") for t in f.file_type),
            )
            for f in metadata.input_files
        ),
        input_params=tuple(
            InputParam(
                template_key=p.env_var,
                display_name=p.display_name,
                is_required=p.is_required,
                # An empty list would reject every value; treat it as "not defined" (free text).
                allowed_values=tuple(p.allowed_values) if p.allowed_values else None,
                default=defaults.get(p.env_var),
            )
            for p in metadata.input_params or []
        ),
        descriptor_mapping_files=tuple(metadata.descriptor_mapping_files or ()),
        directory=directory.resolve(),
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
