"""Request bodies of the executor callbacks (runway-app.md §2.3, §10.4 validation limits)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class StatusBody(BaseModel):
    """``{action, status}``: both non-empty strings."""

    action: str = Field(min_length=1, max_length=64)
    status: str = Field(min_length=1, max_length=64)


class ErrorBody(BaseModel):
    """``{code, payload}``: ``payload`` is kept as sent."""

    code: str = Field(min_length=1, max_length=255)
    payload: Any = None


class UnmatchedIdsBody(BaseModel):
    """``{name, type, count?}``: the input column holding the ID, the ID system, how many did not match."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    count: int | float | None = None


class OutputFilesBody(BaseModel):
    """``{path, sentToOds}``: a storage prefix under the job's folder and whether its files went to the ODS."""

    path: str = Field(min_length=1)
    sentToOds: StrictBool


class UploadUrlBody(BaseModel):
    """``{path, contentType?}``: a path relative to the run's output folder, e.g. ``ods/x.jsonl``."""

    path: str = Field(min_length=1)
    contentType: str | None = None
