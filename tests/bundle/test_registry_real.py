"""The registry and metadata of the real earthmover_edfi_bundles snapshot in ../shared/bundles."""

from __future__ import annotations

import json

import pytest

from runway.bundle.registry import Bundle, InputParam, RegistryLoad, load_registry
from tests.conftest import BUNDLES_DIR, needs_shared


@pytest.fixture(scope="module")
def real() -> RegistryLoad:
    needs_shared(BUNDLES_DIR)
    return load_registry(BUNDLES_DIR)


@pytest.fixture(scope="module")
def registry_paths() -> list[str]:
    needs_shared(BUNDLES_DIR)
    document = json.loads((BUNDLES_DIR / "registry.json").read_text(encoding="utf-8"))
    return [entry["path"] for entry in document["assessments"]]


def bundle(real: RegistryLoad, key: str) -> Bundle:
    found = {b.key: b for b in real.bundles}
    assert key in found, f"{key} did not load; problems: {[str(p) for p in real.problems if p.bundle_key == key]}"
    return found[key]


def param(real: RegistryLoad, key: str, template_key: str) -> InputParam:
    found = bundle(real, key).input_param(template_key)
    assert found is not None, f"{key} has no param {template_key}"
    return found


def test_every_registry_bundle_loads_or_reports_a_clear_error(real, registry_paths):
    loaded = [b.key for b in real.bundles]
    errored = {p.bundle_key for p in real.problems if p.severity == "error"}
    for key in registry_paths:
        assert key in loaded or key in errored, key
    for problem in real.problems:
        assert problem.where
        assert problem.what
        assert problem.fix
    # Registry order is kept (the job-template listing is in registry order, runway-app.md §2.2).
    assert loaded == [key for key in registry_paths if key in loaded]


def test_the_snapshot_loads_all_42_bundles_without_errors(real, registry_paths):
    assert len(registry_paths) == 42
    assert [p for p in real.problems if p.severity == "error"] == []
    assert len(real.bundles) == 42
    assert {b.bundle_type for b in real.bundles} == {"assessments"}


def test_bundles_without_metadata_are_not_offered(real):
    keys = {b.key for b in real.bundles}
    for name in ("ACCUPLACER", "ACT_EdFi", "CMAS", "_template_bundle", "iStation"):
        assert (BUNDLES_DIR / "assessments" / name).is_dir()
        assert f"assessments/{name}" not in keys


def test_act(real):
    act = bundle(real, "assessments/ACT")
    assert (act.name, act.display_name, act.bundle_type) == ("ACT", "ACT", "assessments")
    assert act.description == "This template maps ACT file-based results to Ed-Fi."
    assert act.valid_edfi == ">=3.0"
    assert act.report_resources == ("studentAssessments",)
    [file] = act.input_files
    assert (file.template_key, file.display_name, file.is_required, file.file_types) == (
        "INPUT_FILE",
        "Assessment data",
        True,
        ("csv",),
    )
    [year] = act.input_params
    assert (year.template_key, year.is_required, year.is_free_text, year.is_app_supplied) == (
        "API_YEAR",
        True,
        True,
        True,
    )
    assert act.user_params == ()
    assert act.descriptor_mapping_files == (
        "academicSubjectDescriptors.csv",
        "assessmentCategoryDescriptors.csv",
        "gradeLevelDescriptors.csv",
    )
    assert act.directory == (BUNDLES_DIR / "assessments" / "ACT").resolve()


def test_map_growth_has_one_required_file_and_no_params(real):
    map_growth = bundle(real, "assessments/MAP_Growth")
    assert map_growth.display_name == "MAP Growth Assessment"
    assert [(f.template_key, f.is_required, f.file_types) for f in map_growth.input_files] == [
        ("INPUT_FILE", True, ("csv",))
    ]
    assert map_growth.input_params == ()  # absent in the metadata
    assert "NWEA MAP Growth" in (map_growth.description or "")


def test_star_has_one_required_and_two_optional_files(real):
    star = bundle(real, "assessments/STAR")
    assert star.display_name == "Star Assessments"
    assert [(f.template_key, f.display_name, f.is_required) for f in star.input_files] == [
        ("INPUT_FILE", "Overall assessment data", True),
        ("INPUT_FILE_DS", "Dashboard standards", False),
        ("INPUT_FILE_SA", "Skill area", False),
    ]
    assert [(p.template_key, p.is_required) for p in star.input_params] == [("API_YEAR", True)]
    assert star.input_file("INPUT_FILE_DS") is not None
    assert star.input_file("INPUT_FILE_XX") is None


def test_enumerated_free_text_and_defaulted_params(real):
    psat = param(real, "assessments/PSAT_SAT", "TEST_TYPE")
    assert psat.allowed_values == ("PSAT 8/9", "PSAT 10", "PSAT/NMSQT", "SAT")
    assert (psat.is_required, psat.is_free_text) == (True, False)

    cbm = param(real, "assessments/FastBridge_CBMmath", "TEST_TYPE")
    assert (cbm.is_required, cbm.is_free_text, cbm.allowed_values) == (True, True, None)

    # Defaults come from earthmover.yaml config.parameter_defaults, even when the file holds Jinja blocks.
    access = param(real, "assessments/ACCESS", "FORMAT")
    assert access.default == "Standard"
    assert access.allowed_values == ("Standard", "Alternate")
    assert param(real, "assessments/FastBridge_English", "API_YEAR").default == "2024"  # an int in YAML
    assert param(real, "assessments/ACT", "API_YEAR").default is None


def test_multi_format_file_types(real):
    assert bundle(real, "assessments/CogAT").input_files[0].file_types == ("csv", "txt")
    assert bundle(real, "assessments/Missouri_Assessment_Program").input_files[0].file_types == ("txt",)


def test_upstream_descriptor_mapping_typos_are_warnings(real):
    # FastBridge_CBMmath's metadata has a stray quote: 'gradeLevelDescriptors.csv"'. The bundle still loads.
    cbm = bundle(real, "assessments/FastBridge_CBMmath")
    assert 'gradeLevelDescriptors.csv"' in cbm.descriptor_mapping_files
    [warning] = [p for p in real.problems if p.bundle_key == cbm.key]
    assert warning.severity == "warning"
    assert warning.where == "assessments/FastBridge_CBMmath/_metadata.yaml"
    assert "'gradeLevelDescriptors.csv\"'" in warning.what
    # FastBridgeCAT keeps its seeds under seeds/xwalks/, where custom mappings are not written.
    cat = [p for p in real.problems if p.bundle_key == "assessments/FastBridgeCAT"]
    assert len(cat) == 2
    assert all("seeds/xwalks/" in p.what for p in cat)


def test_missing_readme_description_is_none(real):
    assert bundle(real, "assessments/EOCEP").description is None  # its README is empty
    assert bundle(real, "assessments/Iowa").description == "Achievement tests (part of “The Iowa Testing Programs.”)"
