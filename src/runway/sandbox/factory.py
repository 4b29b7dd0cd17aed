"""Assemble a sandbox from its settings: spec, descriptor seed, store and HTTP app."""

from __future__ import annotations

from runway.sandbox.app import SandboxApp
from runway.sandbox.config import SandboxConfig
from runway.sandbox.descriptors import DescriptorValue, builtin_values, load_xml_dir
from runway.sandbox.service import Sandbox
from runway.sandbox.spec import Catalog, build_catalog, load_spec_dir
from runway.sandbox.store import Store


def load_catalog(config: SandboxConfig) -> Catalog:
    """The official spec from ``config.spec_dir`` when set, otherwise the built-in assessment-domain spec.

    Raises ``SpecError`` with the file at fault when the directory's documents cannot be used.
    """
    if config.spec_dir is not None:
        return load_spec_dir(config.spec_dir, config.data_standard)
    from runway.sandbox import builtin_spec

    return build_catalog(
        builtin_spec.resources_document(),
        builtin_spec.descriptors_document(),
        source="Runway built-in assessment spec (Data Standard 5.0 subset)",
    )


def load_descriptor_values(config: SandboxConfig) -> list[DescriptorValue]:
    """Default descriptors from ``config.descriptors_dir`` (Ed-Fi XML), else the built-in set."""
    if config.descriptors_dir is not None:
        return load_xml_dir(config.descriptors_dir)
    return builtin_values()


def build_app(config: SandboxConfig, catalog: Catalog | None = None) -> SandboxApp:
    """A ready sandbox app. ``catalog`` may be passed in to share one parsed spec between instances."""
    catalog = catalog or load_catalog(config)
    store = Store(config.db if config.db is not None else ":memory:")
    sandbox = Sandbox(
        catalog,
        store,
        load_descriptor_values(config),
        strict_params=config.strict_params,
        descriptor_source=str(config.descriptors_dir) if config.descriptors_dir else "built-in",
    )
    return SandboxApp(config, sandbox)
