"""The "template" form of a bundle: what job-template listings return and what a job stores.

The shape is the original's template DTO (runway-app.md §6), camelCase keys included, because it is
stored as JSON on each job (``job.template``, runway-app.md §1.3) and read back by the job pages, the
executor payload (``bundle.path``) and the derived status (``reportResources``, runway-app.md §4.5).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from runway.bundle.registry import Bundle

__all__ = ["Template", "TemplateFile", "TemplateParam", "bundle_to_template"]


class TemplateFile(TypedDict):
    """One input file: ``{name, templateKey, isRequired, fileType[]}``."""

    name: str
    templateKey: str
    isRequired: bool
    fileType: list[str]


class TemplateParam(TypedDict):
    """One parameter: ``{name, templateKey, isRequired, allowedValues?}``; no ``allowedValues`` means free text."""

    name: str
    templateKey: str
    isRequired: bool
    allowedValues: NotRequired[list[str]]


class Template(TypedDict):
    """A bundle template: ``{name, path, reportResources, files, params}``; ``path`` is its identity."""

    name: str
    path: str
    reportResources: list[str]
    files: list[TemplateFile]
    params: list[TemplateParam]


def bundle_to_template(bundle: Bundle) -> Template:
    """Convert a bundle to its template, a JSON-ready dict (runway-app.md §6).

    Files and params keep the bundle's order. ``API_YEAR`` stays in ``params``: the original's template
    carries it, and it is the UI that hides it (runway-app.md §8.2); a bundle without params gets
    ``params: []`` (the registry's ``null``, runway-app.md §6).
    """
    params: list[TemplateParam] = []
    for param in bundle.input_params:
        entry: TemplateParam = {
            "name": param.display_name,
            "templateKey": param.template_key,
            "isRequired": param.is_required,
        }
        if param.allowed_values is not None:
            entry["allowedValues"] = list(param.allowed_values)
        params.append(entry)
    return {
        "name": bundle.display_name,
        "path": bundle.key,
        "reportResources": list(bundle.report_resources),
        "files": [
            {
                "name": file.display_name,
                "templateKey": file.template_key,
                "isRequired": file.is_required,
                "fileType": list(file.file_types),
            }
            for file in bundle.input_files
        ],
        "params": params,
    }
