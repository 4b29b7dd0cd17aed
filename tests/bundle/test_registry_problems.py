"""Broken checkouts: every problem is reported (what, where, what to do) and the rest still loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runway.bundle.registry import CatalogProblem, RegistryLoad, load_registry
from tests.bundle.helpers import make_checkout, metadata, write_bundle, write_registry


def keys(load: RegistryLoad) -> list[str]:
    return [b.key for b in load.bundles]


def only(load: RegistryLoad, severity: str = "error") -> CatalogProblem:
    found = [p for p in load.problems if p.severity == severity]
    assert len(found) == 1, [str(p) for p in load.problems]
    return found[0]


def test_a_consistent_checkout_has_no_problems(tmp_path):
    load = load_registry(make_checkout(tmp_path, metadata("Alpha"), metadata("Beta")))
    assert keys(load) == ["assessments/Alpha", "assessments/Beta"]
    assert load.problems == ()


def test_missing_directory(tmp_path):
    load = load_registry(tmp_path / "nowhere")
    assert load.bundles == ()
    problem = only(load)
    assert problem.where == str(tmp_path / "nowhere")
    assert "does not exist" in problem.what
    assert "registry.json" in problem.fix


def test_missing_registry_falls_back_to_the_metadata_files(tmp_path):
    write_bundle(tmp_path, metadata("beta"))
    write_bundle(tmp_path, metadata("Alpha"))
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha", "assessments/beta"]  # case-insensitive, as the registry
    problem = only(load)
    assert (problem.where, problem.what) == ("registry.json", "the registry file is missing")
    assert "create-registry.py" in problem.fix
    assert "assessments/*/_metadata.yaml" in problem.fix
    assert str(problem).startswith("error: registry.json: the registry file is missing. Regenerate")


def test_invalid_json_names_line_and_column(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, '{"assessments": [\n  {"path": "assessments/Alpha",}\n]}')
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    problem = only(load)
    assert problem.what.startswith("the registry is not valid JSON: ")
    assert "line 2, column" in problem.what


@pytest.mark.parametrize(("text", "kind"), [("[]", "a list"), ('"x"', "a string"), ("null", "null")])
def test_registry_that_is_not_an_object(tmp_path, text, kind):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, text)
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    assert only(load).what.endswith(f"not {kind}")


def test_registry_that_is_not_utf8(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    (tmp_path / "registry.json").write_bytes(b'{"assessments": ["\xff"]}')
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    assert "cannot be read" in only(load).what


def test_section_that_is_not_a_list(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, json.dumps({"assessments": {"path": "assessments/Alpha"}}))
    load = load_registry(tmp_path)
    assert load.bundles == ()
    problem = only(load)
    assert problem.where == "registry.json assessments"
    assert problem.what == "the section must be a list of bundles, not an object"


def test_empty_registry_is_a_warning(tmp_path):
    write_registry(tmp_path, [])
    load = load_registry(tmp_path)
    assert load.bundles == ()
    assert only(load, "warning").what == "the registry lists no bundles"


def test_entries_without_a_path_are_skipped(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, ["not an entry", {"display_name": "No path"}, metadata("Alpha")])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    assert [p.where for p in load.problems] == ["registry.json assessments[0]", "registry.json assessments[1]"]
    assert all('no "path"' in p.what for p in load.problems)


def test_duplicate_entries_keep_the_first(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [metadata("Alpha"), metadata("Alpha")])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    problem = only(load)
    assert (problem.where, problem.bundle_key) == ("registry.json assessments[1]", "assessments/Alpha")
    assert "more than once" in problem.what


@pytest.mark.parametrize("path", ["../escape", "assessments/../x", "/etc/passwd", "assessments/a/b", "other/Alpha"])
def test_unsafe_or_misplaced_paths_are_refused(tmp_path, path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [{**metadata("Alpha"), "path": path}, metadata("Alpha")])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    problem = only(load)
    assert problem.bundle_key == path
    assert 'is not of the form "assessments/<BundleDirectory>"' in problem.what


def test_bundle_directory_linking_outside_the_checkout(tmp_path):
    outside = write_bundle(tmp_path / "elsewhere", metadata("Alpha"))
    root = make_checkout(tmp_path / "checkout", metadata("Beta"))
    (root / "assessments" / "Alpha").symlink_to(outside, target_is_directory=True)
    write_registry(root, [metadata("Alpha"), metadata("Beta")])
    load = load_registry(root)
    assert keys(load) == ["assessments/Beta"]
    assert only(load).what == "the bundle directory is a link to somewhere outside the checkout"


def test_unlisted_bundles_are_reported_even_when_the_registry_is_empty(tmp_path):
    write_bundle(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [])
    load = load_registry(tmp_path)
    assert load.bundles == ()
    assert [p.where for p in load.problems] == ["registry.json", "assessments/Alpha/_metadata.yaml"]


def test_listed_bundle_without_a_directory(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [metadata("Ghost"), metadata("Alpha")])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    problem = only(load)
    assert (problem.where, problem.bundle_key) == ("assessments/Ghost", "assessments/Ghost")
    assert "directory is missing" in problem.what


def test_missing_metadata_file(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"), metadata("Beta"))
    (tmp_path / "assessments" / "Alpha" / "_metadata.yaml").unlink()
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Beta"]
    problem = only(load)
    assert problem.where == "assessments/Alpha/_metadata.yaml"
    assert problem.what == "the bundle has no _metadata.yaml"
    assert "Restore the file" in problem.fix


def test_metadata_that_is_not_yaml(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"), metadata("Beta"))
    write_bundle(tmp_path, metadata("Alpha"), metadata_text='display_name: "ACT\npath: [unclosed\n')
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Beta"]
    problem = only(load)
    assert problem.what.startswith("the file is not valid YAML: ")
    assert "at line" in problem.what


def test_metadata_that_is_not_a_mapping(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_bundle(tmp_path, metadata("Alpha"), metadata_text="- just\n- a list\n")
    load = load_registry(tmp_path)
    assert load.bundles == ()
    assert only(load).what.endswith("not a list")


def test_legacy_shapes_name_the_offending_fields(tmp_path):
    legacy = metadata(
        "Alpha",
        input_files={"INPUT_FILE": {"is_required": True}},  # an object, as some legacy entries have
        input_params=[{"display_name": "Year", "env_var": "API YEAR", "is_required": "yes"}],
    )
    make_checkout(tmp_path, metadata("Beta"))
    write_bundle(tmp_path, legacy)
    write_registry(tmp_path, [metadata("Alpha"), metadata("Beta")])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Beta"]
    problem = only(load)
    assert problem.where == "assessments/Alpha/_metadata.yaml"
    assert "input_files: Input should be a valid list" in problem.what
    assert "input_params[0].env_var: String should match pattern" in problem.what
    assert "input_params[0].is_required: Input should be a valid boolean" in problem.what


def test_metadata_path_must_match_its_directory(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_bundle(tmp_path, metadata("Alpha"), metadata_text=json.dumps(metadata("Alpha", path="assessments/Other")))
    load = load_registry(tmp_path)
    assert load.bundles == ()
    problem = only(load)
    assert problem.what == 'its path is "assessments/Other", but the bundle lives in assessments/Alpha'


def test_bundle_must_declare_input_file(tmp_path):
    files = [{"display_name": "Data", "env_var": "DATA_FILE", "is_required": True, "file_type": ["csv"]}]
    make_checkout(tmp_path, metadata("Alpha", input_files=files))
    load = load_registry(tmp_path)
    assert load.bundles == ()
    assert "input_files must declare INPUT_FILE" in only(load).what


def test_env_vars_must_be_unique_across_files_and_params(tmp_path):
    params = [{"display_name": "Clash", "env_var": "INPUT_FILE", "is_required": False}]
    make_checkout(tmp_path, metadata("Alpha", input_params=params))
    load = load_registry(tmp_path)
    assert load.bundles == ()
    assert "env_var declared more than once across input_files and input_params: INPUT_FILE" in only(load).what


def test_bundle_without_earthmover_config_cannot_run(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"), metadata("Beta"))
    (tmp_path / "assessments" / "Beta" / "earthmover.yaml").unlink()
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    problem = only(load)
    assert (problem.where, problem.what) == (
        "assessments/Beta/earthmover.yaml",
        "the bundle has no earthmover.yaml, so it cannot run",
    )


def test_registry_disagreeing_with_metadata_warns_and_metadata_wins(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [metadata("Alpha", display_name="Stale name", input_params=None)])
    load = load_registry(tmp_path)
    [alpha] = load.bundles
    assert alpha.display_name == "Alpha Assessment"
    assert [p.template_key for p in alpha.input_params] == ["API_YEAR"]
    warning = only(load, "warning")
    assert warning.where == "assessments/Alpha/_metadata.yaml"
    assert warning.what == "registry.json disagrees with this file on display_name, input_params; this file is used"


def test_malformed_registry_entry_with_good_metadata_warns(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_registry(tmp_path, [{"path": "assessments/Alpha", "params": {"type": "object"}}])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    warning = only(load, "warning")
    assert warning.where == "registry.json assessments[0]"
    assert "the registry entry is malformed (display_name: Field required; input_files: Field required)" in (
        warning.what
    )


def test_unlisted_bundles_are_reported_but_not_offered(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    write_bundle(tmp_path, metadata("Extra"))
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    warning = only(load, "warning")
    assert (warning.where, warning.bundle_key) == ("assessments/Extra/_metadata.yaml", "assessments/Extra")
    assert "not in registry.json" in warning.what


def test_optional_parts_have_lenient_defaults(tmp_path):
    document = metadata("Alpha", input_params=None)
    del document["valid_edfi"], document["report_resources"]
    document["input_files"][0]["file_type"] = [".CSV", "csv", "Txt"]
    make_checkout(tmp_path, document)
    load = load_registry(tmp_path)
    [alpha] = load.bundles
    assert (alpha.valid_edfi, alpha.report_resources, alpha.input_params) == (None, (), ())
    assert alpha.input_files[0].file_types == ("csv", "txt")
    assert alpha.description is None  # no README
    assert load.problems == ()


def test_allowed_values_numbers_become_text_and_empty_means_free_text(tmp_path):
    params = [
        {"display_name": "Grade", "env_var": "GRADE", "is_required": True, "allowed_values": [3, 4, "K"]},
        {"display_name": "Note", "env_var": "NOTE", "is_required": False, "allowed_values": []},
    ]
    make_checkout(tmp_path, metadata("Alpha", input_params=params))
    [alpha] = load_registry(tmp_path).bundles
    assert [p.allowed_values for p in alpha.input_params] == [("3", "4", "K"), None]


def test_defaults_and_description_from_the_bundle_directory(tmp_path):
    earthmover = (
        "version: 2\nconfig:\n  parameter_defaults:\n    FORMAT: Standard\n    API_YEAR: 2025\n"
        "sources:\n  input:\n    columns:\n      {% if true %}\n      - a\n      {% endif %}\n"
    )
    params = [
        {"display_name": "Year", "env_var": "API_YEAR", "is_required": True},
        {"display_name": "Format", "env_var": "FORMAT", "is_required": True, "allowed_values": ["Standard"]},
    ]
    write_bundle(
        tmp_path,
        metadata("Alpha", input_params=params),
        earthmover=earthmover,
        readme="Intro\n* **Title:** Alpha\n* **Description:** Alpha results, all grades.  \n",
    )
    write_registry(tmp_path, [metadata("Alpha", input_params=params)])
    load = load_registry(tmp_path)
    [alpha] = load.bundles
    assert [p.default for p in alpha.input_params] == ["2025", "Standard"]
    assert alpha.description == "Alpha results, all grades."
    assert load.problems == ()


def test_unparseable_config_block_warns_and_leaves_defaults_unknown(tmp_path):
    write_bundle(tmp_path, metadata("Alpha"), earthmover="config:\n  parameter_defaults: [unclosed\n{% x %}\n")
    write_registry(tmp_path, [metadata("Alpha")])
    load = load_registry(tmp_path)
    [alpha] = load.bundles
    assert alpha.input_params[0].default is None
    warning = only(load, "warning")
    assert warning.where == "assessments/Alpha/earthmover.yaml"
    assert "parameter defaults are unknown" in warning.what


def test_descriptor_mapping_file_missing_from_seeds_warns(tmp_path):
    directory = write_bundle(tmp_path, metadata("Alpha", descriptor_mapping_files=["a.csv", "b.csv"]))
    (directory / "seeds" / "xwalks").mkdir(parents=True)
    (directory / "seeds" / "a.csv").write_text("x\n", encoding="utf-8")
    (directory / "seeds" / "xwalks" / "b.csv").write_text("x\n", encoding="utf-8")
    write_registry(tmp_path, [metadata("Alpha", descriptor_mapping_files=["a.csv", "b.csv"])])
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Alpha"]
    warning = only(load, "warning")
    assert "'b.csv', but seeds/b.csv does not exist (the bundle has seeds/xwalks/b.csv)" in warning.what


def test_many_problems_at_once_never_raise(tmp_path: Path):
    make_checkout(tmp_path, metadata("Good"), metadata("NoMeta"), metadata("BadYaml"), metadata("NoEm"))
    (tmp_path / "assessments" / "NoMeta" / "_metadata.yaml").unlink()
    (tmp_path / "assessments" / "BadYaml" / "_metadata.yaml").write_text(": : :\n\t-", encoding="utf-8")
    (tmp_path / "assessments" / "NoEm" / "earthmover.yaml").unlink()
    load = load_registry(tmp_path)
    assert keys(load) == ["assessments/Good"]
    assert sorted(p.bundle_key or "" for p in load.problems if p.severity == "error") == [
        "assessments/BadYaml",
        "assessments/NoEm",
        "assessments/NoMeta",
    ]
