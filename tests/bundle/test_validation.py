"""Job-creation checks of params and files against a bundle, in the order and wording of runway-app.md §4.1."""

from __future__ import annotations

import pytest

from runway.bundle.registry import Bundle, load_registry
from runway.bundle.validation import JobInputError, check_job_inputs, supplied_params
from tests.bundle.helpers import make_checkout, metadata
from tests.conftest import BUNDLES_DIR, needs_shared


@pytest.fixture(scope="module")
def real() -> dict[str, Bundle]:
    needs_shared(BUNDLES_DIR)
    return {b.key: b for b in load_registry(BUNDLES_DIR).bundles}


@pytest.fixture
def psat_like(tmp_path) -> Bundle:
    """INPUT_FILE* + EXTRA_FILE; API_YEAR*, TEST_TYPE*{A, B}, NOTE (free text), LEVEL{x, y}."""
    files = [
        {"display_name": "Data", "env_var": "INPUT_FILE", "is_required": True, "file_type": ["csv"]},
        {"display_name": "Extra", "env_var": "EXTRA_FILE", "is_required": False, "file_type": ["csv"]},
    ]
    params = [
        {"display_name": "Year", "env_var": "API_YEAR", "is_required": True},
        {"display_name": "Type", "env_var": "TEST_TYPE", "is_required": True, "allowed_values": ["A", "B"]},
        {"display_name": "Note", "env_var": "NOTE", "is_required": False},
        {"display_name": "Level", "env_var": "LEVEL", "is_required": False, "allowed_values": ["x", "y"]},
    ]
    [bundle] = load_registry(make_checkout(tmp_path, metadata("Alpha", input_files=files, input_params=params))).bundles
    return bundle


def messages(errors: list[JobInputError]) -> list[str]:
    return [error.message for error in errors]


def test_valid_inputs_pass(psat_like):
    assert check_job_inputs(psat_like, {"TEST_TYPE": "A"}, ["INPUT_FILE"]) == []
    assert (
        check_job_inputs(psat_like, {"TEST_TYPE": "B", "NOTE": "anything", "LEVEL": "y"}, ["INPUT_FILE", "EXTRA_FILE"])
        == []
    )


def test_api_year_is_neither_required_nor_unexpected(psat_like, real):
    assert check_job_inputs(psat_like, {"TEST_TYPE": "A"}, ["INPUT_FILE"]) == []
    assert check_job_inputs(psat_like, {"TEST_TYPE": "A", "API_YEAR": "2025"}, ["INPUT_FILE"]) == []
    # MAP_Growth declares no params at all, and API_YEAR is still accepted.
    assert check_job_inputs(real["assessments/MAP_Growth"], {"API_YEAR": "2025"}, ["INPUT_FILE"]) == []


def test_every_check_in_the_original_order(psat_like):
    errors = check_job_inputs(
        psat_like,
        {"LEVEL": "z", "COLOR": "red", "SHAPE": "round"},
        ["STRAY_FILE", "EXTRA_FILE"],
    )
    assert messages(errors) == [
        "missing_required_params: TEST_TYPE",
        "invalid_param_values: LEVEL",
        "unexpected_params: COLOR, SHAPE",
        "unexpected_files: STRAY_FILE",
        "missing_required_files: INPUT_FILE",
    ]
    assert (errors[0].reason, errors[0].keys) == ("missing_required_params", ("TEST_TYPE",))
    assert str(errors[0]) == "missing_required_params: TEST_TYPE"


def test_null_values_are_dropped_before_checking(psat_like):
    # A null value for a required param is a missing param; a null unexpected param is ignored.
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": None, "COLOR": None}, ["INPUT_FILE"])) == [
        "missing_required_params: TEST_TYPE"
    ]
    assert supplied_params({"A": "1", "B": None, "C": ""}) == {"A": "1", "C": ""}


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_required_value_is_missing_not_invalid(psat_like, blank):
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": blank}, ["INPUT_FILE"])) == [
        "missing_required_params: TEST_TYPE"
    ]


def test_allowed_values_match_exactly(psat_like):
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": "a"}, ["INPUT_FILE"])) == [
        "invalid_param_values: TEST_TYPE"
    ]
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": "A "}, ["INPUT_FILE"])) == [
        "invalid_param_values: TEST_TYPE"
    ]
    # An optional enumerated param that is given must still be one of its values.
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": "A", "LEVEL": ""}, ["INPUT_FILE"])) == [
        "invalid_param_values: LEVEL"
    ]


def test_duplicate_file_keys_are_listed_once(psat_like):
    assert messages(check_job_inputs(psat_like, {"TEST_TYPE": "A"}, ["INPUT_FILE", "X", "X"])) == [
        "unexpected_files: X"
    ]


def test_real_star_files(real):
    star = real["assessments/STAR"]
    assert check_job_inputs(star, {}, ["INPUT_FILE"]) == []
    assert check_job_inputs(star, {}, ["INPUT_FILE", "INPUT_FILE_DS", "INPUT_FILE_SA"]) == []
    assert messages(check_job_inputs(star, {}, ["INPUT_FILE_DS"])) == ["missing_required_files: INPUT_FILE"]
    assert messages(check_job_inputs(star, {"FORMAT": "Standard"}, [])) == [
        "unexpected_params: FORMAT",
        "missing_required_files: INPUT_FILE",
    ]


def test_real_enumerated_and_free_text_params(real):
    psat = real["assessments/PSAT_SAT"]
    assert check_job_inputs(psat, {"API_YEAR": "2025", "TEST_TYPE": "PSAT/NMSQT"}, ["INPUT_FILE"]) == []
    assert messages(check_job_inputs(psat, {"TEST_TYPE": "ACT"}, ["INPUT_FILE"])) == ["invalid_param_values: TEST_TYPE"]
    cbm = real["assessments/FastBridge_CBMmath"]
    assert check_job_inputs(cbm, {"TEST_TYPE": "whatever the vendor calls it"}, ["INPUT_FILE"]) == []
    assert messages(check_job_inputs(cbm, {}, ["INPUT_FILE"])) == ["missing_required_params: TEST_TYPE"]
    # ACCESS defaults FORMAT in earthmover.yaml, but the registry marks it required, so it must be given.
    assert messages(check_job_inputs(real["assessments/ACCESS"], {}, ["INPUT_FILE"])) == [
        "missing_required_params: FORMAT"
    ]
