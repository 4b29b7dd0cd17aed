"""Template conversion (runway-app.md §6) on the real bundles and on edge cases."""

from __future__ import annotations

import json

import pytest

from runway.bundle.registry import RegistryLoad, load_registry
from runway.bundle.template import bundle_to_template
from tests.bundle.helpers import make_checkout, metadata
from tests.conftest import BUNDLES_DIR, needs_shared


@pytest.fixture(scope="module")
def real() -> RegistryLoad:
    needs_shared(BUNDLES_DIR)
    return load_registry(BUNDLES_DIR)


def template_of(real: RegistryLoad, key: str) -> dict[str, object]:
    [bundle] = [b for b in real.bundles if b.key == key]
    return dict(bundle_to_template(bundle))


def test_act(real):
    assert template_of(real, "assessments/ACT") == {
        "name": "ACT",
        "path": "assessments/ACT",
        "reportResources": ["studentAssessments"],
        "files": [{"name": "Assessment data", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["csv"]}],
        "params": [{"name": "School Year", "templateKey": "API_YEAR", "isRequired": True}],
    }


def test_star_keeps_file_order_and_optional_files(real):
    template = template_of(real, "assessments/STAR")
    assert template["files"] == [
        {"name": "Overall assessment data", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["csv"]},
        {"name": "Dashboard standards", "templateKey": "INPUT_FILE_DS", "isRequired": False, "fileType": ["csv"]},
        {"name": "Skill area", "templateKey": "INPUT_FILE_SA", "isRequired": False, "fileType": ["csv"]},
    ]


def test_map_growth_has_empty_params(real):
    assert template_of(real, "assessments/MAP_Growth")["params"] == []


def test_allowed_values_only_where_defined(real):
    assert template_of(real, "assessments/PSAT_SAT")["params"] == [
        {"name": "School Year", "templateKey": "API_YEAR", "isRequired": True},
        {
            "name": "Test Type",
            "templateKey": "TEST_TYPE",
            "isRequired": True,
            "allowedValues": ["PSAT 8/9", "PSAT 10", "PSAT/NMSQT", "SAT"],
        },
    ]
    assert template_of(real, "assessments/STAAR_Summative")["files"] == [
        {"name": "Assessment data", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["csv", "txt"]}
    ]


def test_every_real_bundle_converts_to_json_that_round_trips(real):
    for bundle in real.bundles:
        template = bundle_to_template(bundle)
        assert json.loads(json.dumps(template)) == template
        assert set(template) == {"name", "path", "reportResources", "files", "params"}
        assert template["path"] == bundle.key
        assert template["files"][0]["templateKey"] == "INPUT_FILE"


def test_template_omits_directory_defaults_and_description(tmp_path):
    params = [{"display_name": "Format", "env_var": "FORMAT", "is_required": False, "allowed_values": [1, "b"]}]
    [bundle] = load_registry(make_checkout(tmp_path, metadata("Alpha", input_params=params))).bundles
    assert bundle_to_template(bundle) == {
        "name": "Alpha Assessment",
        "path": "assessments/Alpha",
        "reportResources": ["studentAssessments"],
        "files": [{"name": "Assessment data", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["csv"]}],
        "params": [{"name": "Format", "templateKey": "FORMAT", "isRequired": False, "allowedValues": ["1", "b"]}],
    }
