"""Checks a payload the way an ODS/API does before it stores it.

In order (each stage stops the request when it finds something):

1. JSON Schema (Draft 4, as lightbeam validates) against the resource's schema, with ``x-nullable``
   honoured, ``format`` ignored (ODS does not enforce it) and unknown properties accepted → 400;
2. identity values with leading or trailing spaces, duplicate items in keyed collections, key
   unification (one flattened name, several paths, different values) and descriptor values that do not
   exist → 400;
3. references that do not resolve to a stored document → 409.

Messages are our own wording of the ODS/API 7.x behaviour documented in ``docs/sandbox.md``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson
from jsonschema import Draft4Validator

from runway.sandbox.problems import Problem, validation_failed
from runway.sandbox.spec import READ_ONLY_PROPERTIES, Catalog, PropertyPlan, Resource

DescriptorLookup = Callable[[Resource, str, str], str | None]
"""(descriptor resource, namespace, codeValue) → document id, or None when the value does not exist."""

ReferenceLookup = Callable[[Resource, str], str | None]
"""(target resource, natural key) → document id, or None."""


def normalize(value: object) -> object:
    """A natural-key component compared the ODS way: strings trimmed and case-insensitive."""
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def natural_key(values: list[object]) -> str:
    """The stored form of a natural key: the normalized identity values in ``Resource.identity`` order."""
    try:
        return orjson.dumps([normalize(v) for v in values]).decode()
    except TypeError:  # integers beyond 64 bits
        return json.dumps([normalize(v) for v in values], separators=(",", ":"), ensure_ascii=False)


def descriptor_key(namespace: str, code_value: str) -> str:
    """The natural key of a descriptor value (identity ``codeValue``, ``namespace``)."""
    return natural_key([code_value, namespace])


def split_descriptor(value: str) -> tuple[str, str] | None:
    """``uri://ed-fi.org/GradeLevelDescriptor#Ninth grade`` → (namespace, codeValue); None without ``#``."""
    namespace, sep, code_value = value.rpartition("#")
    if not sep or not namespace or not code_value:
        return None
    return namespace, code_value


def title(name: str) -> str:
    """``studentUniqueId`` → ``StudentUniqueId`` (ODS names properties this way in messages)."""
    return name[:1].upper() + name[1:]


def json_path(parts: list[str | int]) -> str:
    """``["scoreResults", 0, "result"]`` → ``$.scoreResults[0].result``."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def value_at(document: dict[str, Any], path: tuple[str, ...]) -> object:
    """The scalar at ``path`` in ``document``, or None when any step is missing."""
    node: object = document
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


@dataclass
class Checked:
    """A payload that passed every check: what to store and which documents it references."""

    body: dict[str, Any]
    natural_key: str
    targets: set[str] = field(default_factory=set)


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
}


class DocumentChecker:
    """Validates payloads for the resources of one ``Catalog``. Validators are compiled on first use."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._definitions = {name: _for_jsonschema(schema) for name, schema in catalog.schemas.items()}
        self._validators: dict[str, Draft4Validator] = {}
        self._fast: dict[str, Any] = {}
        self._child_cache: dict[str, dict[str, str | None]] = {}

    def _root(self, schema_name: str) -> dict[str, Any]:
        return {"$ref": f"#/definitions/{schema_name}", "definitions": self._definitions}

    def validator(self, schema_name: str) -> Draft4Validator:
        """The compiled Draft 4 validator of one schema (the ``jsonschema`` package: detailed errors)."""
        found = self._validators.get(schema_name)
        if found is None:
            found = Draft4Validator(self._root(schema_name))
            self._validators[schema_name] = found
        return found

    def _fast_validator(self, schema_name: str) -> Any:
        """A compiled ``jsonschema_rs`` Draft 4 validator: a fast yes/no before the detailed check."""
        found = self._fast.get(schema_name)
        if found is None:
            found = jsonschema_rs.Draft4Validator(self._root(schema_name))
            self._fast[schema_name] = found
        return found

    def check(
        self,
        resource: Resource,
        payload: dict[str, Any],
        descriptors: DescriptorLookup,
        references: ReferenceLookup,
    ) -> Checked:
        """Run every check on ``payload``; raise ``Problem`` (400 or 409) on the first failing stage."""
        body = {k: v for k, v in payload.items() if k not in READ_ONLY_PROPERTIES}
        self._check_schema(resource, body)
        self._prune(resource.schema_name, body)
        errors: dict[str, list[str]] = {}
        identity_values = self._identity_values(resource, body, errors)
        self._check_unification(resource, body, errors)
        walk = _Walk(self.catalog, descriptors, references, errors)
        walk.visit(resource.schema_name, body, [])
        if errors:
            raise validation_failed(errors)
        if walk.unresolved:
            target = walk.unresolved[0]
            raise Problem(
                409,
                "urn:ed-fi:api:data-conflict:unresolved-reference",
                f"The referenced '{target}' item does not exist.",
            )
        return Checked(body=body, natural_key=natural_key(identity_values), targets=walk.targets)

    def _prune(self, schema_name: str, node: dict[str, Any]) -> None:
        """Drop properties the schema does not define, at every level, as ODS/API ignores them on write."""
        children = self._children(schema_name)
        for key in [k for k in node if k not in children]:
            del node[key]
        for key, child in children.items():
            value = node.get(key)
            if child is None or value is None:
                continue
            if isinstance(value, dict):
                self._prune(child, value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self._prune(child, item)

    def _children(self, schema_name: str) -> dict[str, str | None]:
        """Property name → schema of its object or array items (None for scalars), cached per schema."""
        found = self._child_cache.get(schema_name)
        if found is None:
            found = {}
            for name, prop in (self.catalog.schemas.get(schema_name, {}).get("properties") or {}).items():
                target = prop.get("$ref") or (prop.get("items") or {}).get("$ref")
                found[name] = target.rsplit("/", 1)[-1] if isinstance(target, str) else None
            self._child_cache[schema_name] = found
        return found

    def _check_schema(self, resource: Resource, body: dict[str, Any]) -> None:
        if self._fast_validator(resource.schema_name).is_valid(body):
            return
        errors: dict[str, list[str]] = {}
        for error in self.validator(resource.schema_name).iter_errors(body):
            parts: list[str | int] = list(error.absolute_path)
            if error.validator == "required":
                present = error.instance if isinstance(error.instance, dict) else {}
                for name in error.validator_value:
                    messages = errors.setdefault(json_path([*parts, name]), [])
                    if name not in present and f"{title(name)} is required." not in messages:
                        messages.append(f"{title(name)} is required.")
                    if not messages:
                        del errors[json_path([*parts, name])]
                continue
            name = title(str(parts[-1])) if parts and isinstance(parts[-1], str) else "The value"
            errors.setdefault(json_path(parts), []).append(_message(name, error.validator, error))
        if errors:
            raise validation_failed(errors)

    def _identity_values(self, resource: Resource, body: dict[str, Any], errors: dict[str, list[str]]) -> list[object]:
        values: list[object] = []
        for name in resource.identity:
            path = resource.query_paths[name][0]
            value = value_at(body, path)
            if isinstance(value, str) and value != value.strip():
                errors.setdefault(json_path(list(path)), []).append(
                    f"{title(path[-1])} is part of the natural key and must not begin or end with spaces."
                )
            values.append(value)
        return values

    def _check_unification(self, resource: Resource, body: dict[str, Any], errors: dict[str, list[str]]) -> None:
        for name, paths in resource.query_paths.items():
            if len(paths) < 2:
                continue
            seen: dict[object, tuple[str, ...]] = {}
            for path in paths:
                value = value_at(body, path)
                if value is None:
                    continue
                seen.setdefault(normalize(value), path)
            if len(seen) > 1:
                listed = ", ".join(f"'{value_at(body, p)}' at {json_path(list(p))}" for p in seen.values())
                last = list(seen.values())[-1]
                errors.setdefault(json_path(list(last)), []).append(
                    f"All values supplied for '{name}' must match; found {listed}."
                )


class _Walk:
    """One pass over a payload checking descriptors, references and keyed collections."""

    def __init__(
        self,
        catalog: Catalog,
        descriptors: DescriptorLookup,
        references: ReferenceLookup,
        errors: dict[str, list[str]],
    ) -> None:
        self.catalog = catalog
        self.descriptors = descriptors
        self.references = references
        self.errors = errors
        self.targets: set[str] = set()
        self.unresolved: list[str] = []

    def visit(self, schema_name: str, node: dict[str, Any], parts: list[str | int]) -> None:
        for plan in self.catalog.plan(schema_name):
            value = node.get(plan.name)
            if value is None:
                continue
            if plan.kind == "descriptor" and isinstance(value, str):
                self._descriptor(plan, value, [*parts, plan.name])
            elif plan.kind == "reference" and isinstance(value, dict):
                self._reference(plan, value)
            elif plan.kind == "object" and isinstance(value, dict) and plan.child:
                self.visit(plan.child, value, [*parts, plan.name])
            elif plan.kind == "array" and isinstance(value, list) and plan.child:
                self._array(plan, value, [*parts, plan.name])

    def _descriptor(self, plan: PropertyPlan, value: str, parts: list[str | int]) -> None:
        descriptor = plan.descriptor
        if descriptor is None:
            return
        split = split_descriptor(value)
        found = self.descriptors(descriptor, *split) if split else None
        if found is None:
            self.errors.setdefault(json_path(parts), []).append(
                f"{title(descriptor.singular)} value '{value}' does not exist."
            )
        else:
            self.targets.add(found)

    def _reference(self, plan: PropertyPlan, value: dict[str, Any]) -> None:
        reference = plan.reference
        if reference is None:
            return
        targets = self.catalog.reference_targets(reference)
        if not targets:
            return  # the target is not part of the loaded spec: nothing to check against
        for target, mapping in targets:
            try:
                key_values = [value[field_name] for field_name in _fields_for(target, mapping)]
            except KeyError:
                continue
            found = self.references(target, natural_key(key_values))
            if found is not None:
                self.targets.add(found)
                value["link"] = {"rel": title(target.singular), "href": f"{target.route}/{found}"}
                return
        self.unresolved.append(title(reference.target))

    def _array(self, plan: PropertyPlan, items: list[Any], parts: list[str | int]) -> None:
        seen: set[tuple[object, ...]] = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict) or plan.child is None:
                continue
            if plan.identity_in_items:
                key = tuple(_hashable(item.get(k)) for k in plan.identity_in_items)
                if key in seen:
                    self.errors.setdefault(json_path([*parts, index]), []).append(
                        f"Item {index + 1} of {title(plan.name)} duplicates an earlier item's identifying values."
                    )
                seen.add(key)
            self.visit(plan.child, item, [*parts, index])


def _hashable(value: object) -> object:
    """A comparable form of an item's identity value (nested references become sorted tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items() if k != "link"))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return normalize(value)


def _fields_for(target: Resource, mapping: dict[str, str]) -> list[str]:
    """Reference field names in the order of the target's identity (inverse of ``mapping``)."""
    inverse = {target_name: field_name for field_name, target_name in mapping.items()}
    return [inverse[name] for name in target.identity]


def _message(name: str, validator: str, error: Any) -> str:
    if validator == "type":
        wanted = error.validator_value
        kinds = [wanted] if isinstance(wanted, str) else [w for w in wanted if w != "null"]
        return f"{name} must be {' or '.join(_TYPE_WORDS.get(k, k) for k in kinds)}."
    if validator == "maxLength":
        return f"{name} must be at most {error.validator_value} characters long."
    if validator == "minLength":
        return f"{name} must be at least {error.validator_value} characters long."
    if validator == "minimum":
        return f"{name} must be at least {error.validator_value}."
    if validator == "maximum":
        return f"{name} must be at most {error.validator_value}."
    if validator == "minItems":
        return f"{name} must have at least {error.validator_value} item(s)."
    return f"{name}: {error.message}"


# Ed-Fi ``format: int32/int64`` are the column types of the ODS database: values outside them are refused.
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _for_jsonschema(schema: dict[str, Any]) -> dict[str, Any]:
    """A spec schema made fit for Draft 4 validation: refs local, ``x-nullable`` as null, no string formats
    (ODS does not enforce them), integer formats as bounds."""
    converted = copy.deepcopy(schema)

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return {"$ref": "#/definitions/" + ref.rsplit("/", 1)[-1]}
            bounds = _INTEGER_BOUNDS.get(str(node.pop("format", "")))
            if bounds is not None and node.get("type") == "integer":
                node.setdefault("minimum", bounds[0])
                node.setdefault("maximum", bounds[1])
            node.pop("example", None)
            if node.get("x-nullable") and isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
            if "required" in node and isinstance(node["required"], list):
                node["required"] = [r for r in node["required"] if r not in READ_ONLY_PROPERTIES]
                if not node["required"]:
                    del node["required"]
            properties = node.get("properties")
            if isinstance(properties, dict):
                node["properties"] = {k: fix(v) for k, v in properties.items() if k not in READ_ONLY_PROPERTIES}
            if "items" in node:
                node["items"] = fix(node["items"])
        return node

    return fix(converted)  # type: ignore[no-any-return]
