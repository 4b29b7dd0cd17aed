"""The sandbox's Ed-Fi semantics over the store: upsert by natural key, reads, queries, deletes.

Rules (ODS/API behaviour, see ``docs/sandbox.md``):

* POST upserts by natural key: a new key creates a document (201), an existing key replaces its payload
  and keeps its ``id`` (200). An ``id`` in a POST body is refused (400).
* PUT replaces the payload of the document with that ``id``; changing its natural key is refused (400
  ``key-change-not-supported``); a stale ``If-Match`` gives 412.
* DELETE refuses (409) while another document references the target.
* Every new scope (school year or context) is seeded with the default descriptors and school years.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from runway.sandbox.descriptors import DescriptorValue
from runway.sandbox.problems import Problem, not_found, parameter_failed, validation_failed
from runway.sandbox.spec import Catalog, Resource
from runway.sandbox.store import Filter, Store, StoredDocument
from runway.sandbox.validation import DocumentChecker, descriptor_key, natural_key, title

MAX_LIMIT = 500
MAX_OFFSET = 2**62  # SQLite integers are 64-bit
DEFAULT_LIMIT = 25
PAGING_PARAMETERS = frozenset({"offset", "limit", "totalCount", "minChangeVersion", "maxChangeVersion"})
SCHOOL_YEARS = range(1991, 2051)  # the school years an ODS database is created with


def dumps(value: object) -> str:
    """Compact JSON text of a payload (orjson; the standard library for integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def etag_of(body: str) -> str:
    """A stable version tag of a stored payload (decimal, like ODS ``_etag`` values)."""
    return str(int.from_bytes(hashlib.blake2b(body.encode(), digest_size=8).digest(), "big") >> 1)


def now_iso() -> str:
    """The current UTC time as ODS writes ``_lastModifiedDate``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def current_school_year(today: datetime | None = None) -> int:
    """The spring year of the school year in progress (July starts a new one)."""
    today = today or datetime.now(UTC)
    return today.year + 1 if today.month >= 7 else today.year


@dataclass(frozen=True)
class QueryResult:
    """One page of a collection GET; ``total`` is set when ``totalCount=true`` was asked for."""

    documents: list[StoredDocument]
    total: int | None


class Sandbox:
    """Ed-Fi resource semantics for one catalog and one store."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        descriptor_values: Sequence[DescriptorValue],
        *,
        strict_params: bool = False,
        descriptor_source: str = "built-in",
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.warnings = self._check_origin(descriptor_source)
        self.checker = DocumentChecker(catalog)
        self.strict_params = strict_params
        self.descriptor_values = [v for v in descriptor_values if catalog.resource("ed-fi", v.endpoint) is not None]
        self._seeded: set[str] = set()
        self._descriptor_ids: dict[tuple[str, str, str], str | None] = {}

    def _check_origin(self, descriptor_source: str) -> list[str]:
        """Record which spec and descriptor set a database was created with; explain a mismatch on reuse."""
        warnings = []
        for key, now, consequence in (
            ("spec", self.catalog.source, "documents stored earlier follow the other spec"),
            ("descriptors", descriptor_source, "default descriptors are seeded only into new databases"),
        ):
            before = self.store.get_meta(key)
            if before is None:
                self.store.set_meta(key, now)
            elif before != now:
                warnings.append(f"this database was created with {key} '{before}', not '{now}': {consequence}.")
        return warnings

    # --- scopes and seeding -----------------------------------------------------------------------

    def ensure_scope(self, scope: str) -> None:
        """Seed default descriptors and school years the first time a scope is used (kept in the store)."""
        if scope in self._seeded:
            return
        marker = f"seeded:{scope}"
        if self.store.get_meta(marker) is None:
            self._seed(scope)
            self.store.set_meta(marker, now_iso())
        self._seeded.add(scope)

    def _seed(self, scope: str) -> None:
        stamp = now_iso()
        documents: list[StoredDocument] = []
        for value in self.descriptor_values:
            resource = self.catalog.resource("ed-fi", value.endpoint)
            if resource is None:
                continue
            body = json.dumps(
                {
                    "codeValue": value.code_value,
                    "description": value.description,
                    "namespace": value.namespace,
                    "shortDescription": value.short_description,
                },
                separators=(",", ":"),
            )
            documents.append(
                StoredDocument(
                    uuid.uuid4().hex,
                    resource.route,
                    descriptor_key(value.namespace, value.code_value),
                    body,
                    etag_of(body),
                    stamp,
                )
            )
        school_years = self.catalog.resource("ed-fi", "schoolYearTypes")
        if school_years is not None:
            current = current_school_year()
            for year in SCHOOL_YEARS:
                body = json.dumps(
                    {
                        "schoolYear": year,
                        "currentSchoolYear": year == current,
                        "schoolYearDescription": f"{year - 1}-{year}",
                    },
                    separators=(",", ":"),
                )
                documents.append(
                    StoredDocument(
                        uuid.uuid4().hex, school_years.route, natural_key([year]), body, etag_of(body), stamp
                    )
                )
        self.store.bulk_insert(scope, documents)

    def reset(self) -> None:
        """Remove all data; scopes are seeded again on next use."""
        spec, descriptors = self.store.get_meta("spec"), self.store.get_meta("descriptors")
        self.store.clear()
        for key, value in (("spec", spec), ("descriptors", descriptors)):
            if value is not None:
                self.store.set_meta(key, value)
        self._seeded.clear()
        self._descriptor_ids.clear()

    # --- lookups used by the checker ---------------------------------------------------------------

    def _lookups(self, scope: str):  # type: ignore[no-untyped-def]
        def descriptor(resource: Resource, namespace: str, code_value: str) -> str | None:
            cache_key = (scope, resource.route, f"{namespace}#{code_value}")
            try:
                return self._descriptor_ids[cache_key]
            except KeyError:
                found = self.store.find_id(scope, resource.route, descriptor_key(namespace, code_value))
                self._descriptor_ids[cache_key] = found
                return found

        def reference(target: Resource, key: str) -> str | None:
            return self.store.find_id(scope, target.route, key)

        return descriptor, reference

    # --- operations -------------------------------------------------------------------------------

    def upsert(self, scope: str, resource: Resource, payload: dict[str, Any]) -> tuple[bool, StoredDocument]:
        """POST semantics. Returns (created, stored document). Raises ``Problem`` (400/409)."""
        if "id" in payload:
            raise validation_failed(
                {
                    "$.id": [
                        "Resource identifiers are assigned by the API; leave 'id' out of a POST body "
                        "(use PUT to the resource's URL to update by id)."
                    ]
                }
            )
        self.ensure_scope(scope)
        checked = self.checker.check(resource, payload, *self._lookups(scope))
        body = dumps(checked.body)
        existing = self.store.find(scope, resource.route, checked.natural_key)
        if existing is not None:
            etag = etag_of(body)
            document = StoredDocument(
                existing.id,
                resource.route,
                existing.natural_key,
                body,
                etag,
                now_iso() if etag != existing.etag else existing.last_modified,
            )
            self.store.replace(document, checked.targets)
            self._forget_descriptor(resource)
            return False, document
        document = StoredDocument(uuid.uuid4().hex, resource.route, checked.natural_key, body, etag_of(body), now_iso())
        self.store.insert(scope, document, checked.targets)
        self._forget_descriptor(resource)
        return True, document

    def replace(
        self, scope: str, resource: Resource, document_id: str, payload: dict[str, Any], if_match: str | None
    ) -> StoredDocument:
        """PUT semantics. Raises ``Problem`` 404/400/409/412."""
        existing = self.get(scope, resource, document_id)
        if "id" in payload and str(payload["id"]).lower() != document_id.lower():
            raise validation_failed({"$.id": ["The 'id' in the body does not match the id in the URL."]})
        if if_match is not None and if_match.strip('"') != existing.etag:
            raise Problem(
                412,
                "urn:ed-fi:api:optimistic-lock-failed",
                "The resource has been modified since the If-Match ETag was read; GET it again and retry.",
            )
        checked = self.checker.check(resource, payload, *self._lookups(scope))
        if checked.natural_key != existing.natural_key:
            raise Problem(
                400,
                "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported",
                f"Identifying values of the {title(resource.singular)} resource cannot be changed. "
                "Delete and recreate the resource item instead.",
            )
        body = dumps(checked.body)
        document = StoredDocument(existing.id, resource.route, existing.natural_key, body, etag_of(body), now_iso())
        self.store.replace(document, checked.targets)
        self._forget_descriptor(resource)
        return document

    def get(self, scope: str, resource: Resource, document_id: str) -> StoredDocument:
        """GET by id. Raises ``Problem`` 404 when missing (or of another resource or scope)."""
        document = self.store.get(document_id)
        if document is None or document.resource != resource.route or self.store.scope_of(document_id) != scope:
            raise not_found(f"No {title(resource.singular)} item has id '{document_id}'.")
        return document

    def delete(self, scope: str, resource: Resource, document_id: str) -> None:
        """DELETE by id. Raises ``Problem`` 404, or 409 while other documents reference it."""
        self.get(scope, resource, document_id)
        referencing = self.store.referencing_resources(document_id)
        if referencing:
            names = ", ".join(title(r.rsplit("/", 1)[-1]) for r in referencing)
            raise Problem(
                409,
                "urn:ed-fi:api:data-conflict:dependent-item-exists",
                f"The requested action cannot be performed because this item is referenced by existing "
                f"items of: {names}.",
            )
        self.store.delete(document_id)
        self._forget_descriptor(resource)

    def query(self, scope: str, resource: Resource, params: Mapping[str, str]) -> QueryResult:
        """Collection GET with ``offset``/``limit``/``totalCount`` and flattened property filters.

        Raises ``Problem`` 400 for a bad paging value, a filter value of the wrong type, or (in strict mode)
        an unknown parameter.
        """
        self.ensure_scope(scope)
        offset = _int_param(params, "offset", 0, minimum=0, maximum=MAX_OFFSET)
        limit = _int_param(params, "limit", DEFAULT_LIMIT, minimum=0, maximum=MAX_LIMIT)
        want_total = params.get("totalCount", "false").lower() == "true"
        filters: list[Filter] = []
        values: dict[str, object] = {}
        for name, raw in params.items():
            if name in PAGING_PARAMETERS:
                continue
            paths = resource.query_paths.get(name)
            if paths is None:
                if self.strict_params:
                    raise parameter_failed(name, f"'{name}' is not a property of {title(resource.singular)}.")
                continue
            value = _typed(name, raw, resource.query_types.get(name, "string"))
            values[name] = value
            filters.append(("$." + ".".join(paths[0]), value, isinstance(value, str)))
        key = None
        if resource.identity and all(n in values for n in resource.identity):
            key = natural_key([values[n] for n in resource.identity])
        if limit == 0:
            documents: list[StoredDocument] = []
        else:
            documents = self.store.query(scope, resource.route, filters, natural_key=key, offset=offset, limit=limit)
        total = self.store.count(scope, resource.route, filters, natural_key=key) if want_total else None
        return QueryResult(documents, total)

    def _forget_descriptor(self, resource: Resource) -> None:
        if resource.is_descriptor:
            self._descriptor_ids.clear()


def _int_param(params: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if raw.isascii() and raw.lstrip("-").isdigit() else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"{minimum} or more"
        raise parameter_failed(name, f"'{name}' must be omitted or a whole number {bounds}; got '{raw}'.")
    return value


def _typed(name: str, raw: str, kind: str) -> object:
    if kind == "integer":
        if not (raw.isascii() and raw.lstrip("-").isdigit()):
            raise parameter_failed(name, f"'{name}' must be a whole number; got '{raw}'.")
        value = int(raw)
        if not -(2**63) <= value < 2**63:
            raise parameter_failed(name, f"'{name}' is out of range; got '{raw}'.")
        return value
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise parameter_failed(name, f"'{name}' must be a number; got '{raw}'.") from None
        if not math.isfinite(number):
            raise parameter_failed(name, f"'{name}' must be a finite number; got '{raw}'.")
        return number
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise parameter_failed(name, f"'{name}' must be true or false; got '{raw}'.")
        return 1 if lowered == "true" else 0
    return raw
