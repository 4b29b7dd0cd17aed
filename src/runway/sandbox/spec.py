"""Ed-Fi OpenAPI documents turned into resource models the sandbox can enforce.

The sandbox takes everything it knows about resources from ODS-format OpenAPI documents (OpenAPI 3 with
``components.schemas`` as served by ODS/API 7.x, or Swagger 2.0 with ``definitions`` as served by 5.x/6.x).
The conventions relied on are those of ODS-generated specs (see ``docs/sandbox.md``):

* paths ``/{namespace}/{endpoint}`` with a ``post`` whose body is ``$ref`` to ``{prefix}_{singular}``;
* reference properties ``…Reference`` pointing at ``{prefix}_{target}Reference`` schemas whose fields are the
  target's identity, named as the target's flattened query parameters;
* ``x-Ed-Fi-isIdentity`` on the natural-key query parameters of the collection ``get`` (the best source of
  the natural key: reference properties carry no identity flag in DS 5.0 specs);
* descriptor properties are strings whose names end in ``Descriptor``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

JsonPath = tuple[str, ...]
"""Keys from the document root to a scalar, e.g. ``("studentReference", "studentUniqueId")``."""

Schema = dict[str, Any]

# Education organization subclasses and the name of each one's own identifier. Ed-Fi's abstract
# ``EducationOrganization`` has no endpoint; a reference to it resolves against any of these
# (Ed-Fi Data Standard, EducationOrganization domain).
EDUCATION_ORGANIZATION_MEMBERS: dict[str, str] = {
    "schools": "schoolId",
    "localEducationAgencies": "localEducationAgencyId",
    "stateEducationAgencies": "stateEducationAgencyId",
    "educationServiceCenters": "educationServiceCenterId",
    "communityOrganizations": "communityOrganizationId",
    "communityProviders": "communityProviderId",
    "postSecondaryInstitutions": "postSecondaryInstitutionId",
    "organizationDepartments": "organizationDepartmentId",
    "educationOrganizationNetworks": "educationOrganizationNetworkId",
}

# Other abstract Ed-Fi entities: a reference to one resolves against every resource with the same identity.
ABSTRACT_TYPES = frozenset({"generalStudentProgramAssociation"})

DESCRIPTOR_IDENTITY: tuple[str, ...] = ("codeValue", "namespace")
READ_ONLY_PROPERTIES = frozenset({"id", "_etag", "_lastModifiedDate", "link"})


class SpecError(ValueError):
    """An OpenAPI document that cannot be used: unreadable, not ODS-shaped, or with broken ``$ref``s."""


@dataclass(frozen=True)
class Reference:
    """A reference property of a schema.

    ``target`` is the referenced resource's singular name (``school``, ``educationOrganization``),
    ``prefix`` its schema prefix (``edFi``), ``fields`` the reference's fields (the target's identity names).
    """

    property: str
    prefix: str
    target: str
    fields: tuple[str, ...]


PropertyKind = Literal["scalar", "descriptor", "reference", "object", "array"]


@dataclass(frozen=True)
class PropertyPlan:
    """How one schema property is checked beyond JSON Schema: descriptor, reference or nested schema."""

    name: str
    kind: PropertyKind
    descriptor: Resource | None = None  # the descriptor resource, e.g. gradeLevelDescriptors
    reference: Reference | None = None
    child: str | None = None  # schema name of a nested object or of array items
    identity_in_items: tuple[str, ...] = ()  # identity fields of array items (uniqueness within the array)


@dataclass
class Resource:
    """One Ed-Fi resource (or descriptor) endpoint.

    ``query_paths`` maps each flattened query-parameter name to the document paths it reads; a name with
    more than one path is *key-unified*: all present values must agree. ``identity`` is the natural key as
    flattened names, sorted.
    """

    namespace: str
    endpoint: str
    prefix: str
    singular: str
    schema_name: str
    is_descriptor: bool
    identity: tuple[str, ...]
    query_paths: dict[str, tuple[JsonPath, ...]]
    query_types: dict[str, str]

    @property
    def route(self) -> str:
        """The resource's path below the data base, e.g. ``/ed-fi/students``."""
        return f"/{self.namespace}/{self.endpoint}"


@dataclass
class Catalog:
    """Every resource of the loaded Resources and Descriptors documents, with the schemas they use."""

    resources_document: dict[str, Any]
    descriptors_document: dict[str, Any]
    schemas: dict[str, Schema]
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    source: str = "built-in"

    @cached_property
    def by_singular(self) -> dict[tuple[str, str], Resource]:
        """Resources keyed by (schema prefix, singular name), e.g. ``("edFi", "school")``."""
        return {(r.prefix, r.singular): r for r in self.resources.values()}

    @cached_property
    def descriptor_names(self) -> dict[str, Resource]:
        """Descriptor resources keyed by lower-case singular name (``gradeleveldescriptor``)."""
        return {r.singular.lower(): r for r in self.resources.values() if r.is_descriptor}

    def resource(self, namespace: str, endpoint: str) -> Resource | None:
        """The resource at ``/{namespace}/{endpoint}``; endpoint names compare case-insensitively as in ODS."""
        found = self.resources.get((namespace, endpoint))
        if found is not None:
            return found
        return self._lower_index.get((namespace.lower(), endpoint.lower()))

    @cached_property
    def _lower_index(self) -> dict[tuple[str, str], Resource]:
        return {(ns.lower(), ep.lower()): r for (ns, ep), r in self.resources.items()}

    def descriptor_for_property(self, name: str) -> Resource | None:
        """The descriptor resource a property such as ``whenAssessedGradeLevelDescriptor`` holds values of.

        Role-named properties end with the descriptor's name, so the longest matching suffix wins.
        """
        return self._descriptor_suffix_cache(name)

    def _descriptor_suffix_cache(self, name: str) -> Resource | None:
        cache = self.__dict__.setdefault("_descriptor_cache", {})
        if name in cache:
            return cache[name]  # type: ignore[no-any-return]
        lowered = name.lower()
        best: Resource | None = None
        for singular, resource in self.descriptor_names.items():
            if lowered.endswith(singular) and (best is None or len(singular) > len(best.singular)):
                best = resource
        cache[name] = best
        return best

    def reference_targets(self, reference: Reference) -> list[tuple[Resource, dict[str, str]]]:
        """Resources a reference may point at, each with a map from reference field to target identity name.

        A concrete target maps fields to themselves. ``educationOrganization`` maps ``educationOrganizationId``
        to each member's own id field. Another abstract target (``ABSTRACT_TYPES``) resolves to every resource
        whose identity names equal the reference's fields. A target the spec has no endpoint for is not
        checked (an empty list).
        """
        cache = self.__dict__.setdefault("_target_cache", {})
        key = (reference.prefix, reference.target, reference.fields)
        if key in cache:
            return cache[key]  # type: ignore[no-any-return]
        concrete = self.by_singular.get((reference.prefix, reference.target))
        targets: list[tuple[Resource, dict[str, str]]] = []
        if concrete is not None:
            targets.append((concrete, {f: f for f in reference.fields}))
        elif reference.target == "educationOrganization":
            for endpoint, id_field in EDUCATION_ORGANIZATION_MEMBERS.items():
                for member in self.resources.values():
                    if member.endpoint == endpoint:
                        targets.append((member, {"educationOrganizationId": id_field}))
        elif reference.target in ABSTRACT_TYPES:
            wanted = set(reference.fields)
            for candidate in self.resources.values():
                if set(candidate.identity) == wanted:
                    targets.append((candidate, {f: f for f in reference.fields}))
        cache[key] = targets
        return targets

    def plan(self, schema_name: str) -> tuple[PropertyPlan, ...]:
        """The checks to run on each property of ``schema_name`` (cached)."""
        cache: dict[str, tuple[PropertyPlan, ...]] = self.__dict__.setdefault("_plan_cache", {})
        found = cache.get(schema_name)
        if found is None:
            found = tuple(self._plan(schema_name))
            cache[schema_name] = found
        return found

    def _plan(self, schema_name: str) -> Iterable[PropertyPlan]:
        schema = self.schemas.get(schema_name, {})
        for name, prop in (schema.get("properties") or {}).items():
            if name in READ_ONLY_PROPERTIES:
                continue
            ref = _ref_name(prop)
            if ref is not None:
                if ref.endswith("Reference") and ref != schema_name:
                    yield PropertyPlan(name, "reference", reference=self._reference(name, ref))
                else:
                    yield PropertyPlan(name, "object", child=ref)
            elif prop.get("type") == "array":
                item_ref = _ref_name(prop.get("items") or {})
                if item_ref is not None:
                    item_identity = tuple(
                        k
                        for k, v in (self.schemas.get(item_ref, {}).get("properties") or {}).items()
                        if v.get("x-Ed-Fi-isIdentity") or (_ref_name(v) or "").endswith("Reference")
                    )
                    yield PropertyPlan(name, "array", child=item_ref, identity_in_items=item_identity)
            elif prop.get("type") == "string" and name.endswith("Descriptor"):
                descriptor = self.descriptor_for_property(name)
                if descriptor is not None:
                    yield PropertyPlan(name, "descriptor", descriptor=descriptor)

    def _reference(self, prop_name: str, schema_name: str) -> Reference:
        prefix, _, rest = schema_name.partition("_")
        target = rest[: -len("Reference")]
        fields = tuple(k for k in (self.schemas.get(schema_name, {}).get("properties") or {}) if k != "link")
        return Reference(property=prop_name, prefix=prefix, target=target, fields=fields)

    def dumps(self, kind: Literal["resources", "descriptors"], server_url: str) -> bytes:
        """The Resources or Descriptors document as JSON with its server URL pointing at this sandbox.

        ``json.dumps`` keeps the literal ``"x-Ed-Fi-isIdentity":`` that lightbeam looks for.
        """
        source = self.resources_document if kind == "resources" else self.descriptors_document
        document = dict(source)
        if "swagger" in document:
            from urllib.parse import urlsplit

            parts = urlsplit(server_url)
            document["host"] = parts.netloc
            document["basePath"] = parts.path or "/"
            document["schemes"] = [parts.scheme]
        else:
            document["servers"] = [{"url": server_url}]
        return json.dumps(document).encode()


def _ref_name(prop: Mapping[str, Any]) -> str | None:
    ref = prop.get("$ref")
    if not isinstance(ref, str):
        return None
    return ref.rsplit("/", 1)[-1]


def _schemas_of(document: Mapping[str, Any]) -> dict[str, Schema]:
    if "swagger" in document:
        return dict(document.get("definitions") or {})
    return dict((document.get("components") or {}).get("schemas") or {})


def _post_schema(operation: Mapping[str, Any]) -> str | None:
    body = operation.get("requestBody")
    if isinstance(body, Mapping):
        content = body.get("content") or {}
        for media in content.values():
            name = _ref_name(media.get("schema") or {})
            if name:
                return name
    for parameter in operation.get("parameters") or []:
        if isinstance(parameter, Mapping) and parameter.get("in") == "body":
            return _ref_name(parameter.get("schema") or {})
    return None


def _query_parameters(operation: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Inline query parameters of a collection GET (``$ref``s to shared paging parameters are skipped)."""
    found: dict[str, dict[str, Any]] = {}
    for parameter in operation.get("parameters") or []:
        if isinstance(parameter, Mapping) and parameter.get("in") == "query" and "name" in parameter:
            found[str(parameter["name"])] = dict(parameter)
    return found


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _scalar_type(prop: Mapping[str, Any]) -> str:
    return str(prop.get("type") or (prop.get("schema") or {}).get("type") or "string")


def build_resource(
    catalog: Catalog, namespace: str, endpoint: str, schema_name: str, get_op: Mapping[str, Any]
) -> Resource:
    """Derive one resource's flattened query names, document paths and natural key from its schema.

    Flattened names follow ODS: a reference field keeps its name when the property's role is the target
    itself (``studentReference.studentUniqueId`` → ``studentUniqueId``) and takes the role prefix otherwise
    (``reportedSchoolReference.schoolId`` → ``reportedSchoolId``). When the prefixed name is not a query
    parameter but the plain one is, the field is unified with it (key unification).
    """
    prefix, _, singular = schema_name.partition("_")
    schema = catalog.schemas.get(schema_name)
    if schema is None:
        raise SpecError(f"{namespace}/{endpoint}: the POST body refers to missing schema '{schema_name}'.")
    params = _query_parameters(get_op)
    paths: dict[str, list[JsonPath]] = {}
    types: dict[str, str] = {}
    flagged_scalars: list[str] = []
    required_ref_fields: list[str] = []
    required = set(schema.get("required") or [])
    for prop_name, prop in (schema.get("properties") or {}).items():
        if prop_name in READ_ONLY_PROPERTIES:
            continue
        ref = _ref_name(prop)
        if ref is not None and ref.endswith("Reference"):
            reference = catalog._reference(prop_name, ref)
            role = prop_name[: -len("Reference")]
            ref_props = catalog.schemas.get(ref, {}).get("properties") or {}
            for ref_field in reference.fields:
                if role == reference.target:
                    name = ref_field
                elif role.lower().endswith(reference.target.lower()):
                    name = role[: len(role) - len(reference.target)] + _upper_first(ref_field)
                else:
                    name = role + _upper_first(ref_field)
                if name not in params and ref_field in params and name != ref_field:
                    name = ref_field
                paths.setdefault(name, []).append((prop_name, ref_field))
                types.setdefault(name, _scalar_type(ref_props.get(ref_field, {})))
                if prop_name in required:
                    required_ref_fields.append(name)
        elif ref is None and prop.get("type") not in ("array", "object"):
            paths.setdefault(prop_name, []).append((prop_name,))
            types.setdefault(prop_name, _scalar_type(prop))
            if prop.get("x-Ed-Fi-isIdentity"):
                flagged_scalars.append(prop_name)
    is_descriptor = endpoint.endswith("Descriptors")
    if is_descriptor:
        identity = DESCRIPTOR_IDENTITY
    else:
        flagged_params = [name for name, p in params.items() if p.get("x-Ed-Fi-isIdentity") and name in paths]
        identity = tuple(sorted(set(flagged_params or (flagged_scalars + required_ref_fields))))
    if not identity:
        raise SpecError(f"{namespace}/{endpoint}: no natural key could be derived from schema '{schema_name}'.")
    return Resource(
        namespace=namespace,
        endpoint=endpoint,
        prefix=prefix,
        singular=singular,
        schema_name=schema_name,
        is_descriptor=is_descriptor,
        identity=identity,
        query_paths={k: tuple(v) for k, v in paths.items()},
        query_types=types,
    )


def build_catalog(resources_document: dict[str, Any], descriptors_document: dict[str, Any], source: str) -> Catalog:
    """Build the catalog from a Resources and a Descriptors document (OpenAPI 3 or Swagger 2.0).

    Raises ``SpecError`` when a document has no usable paths.
    """
    try:
        return _build_catalog(resources_document, descriptors_document, source)
    except SpecError:
        raise
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise SpecError(
            f"{source}: not an ODS-shaped OpenAPI document ({type(exc).__name__}: {exc}). "
            "Use the Resources and Descriptors documents an Ed-Fi ODS/API serves."
        ) from exc


def _build_catalog(resources_document: dict[str, Any], descriptors_document: dict[str, Any], source: str) -> Catalog:
    schemas = {**_schemas_of(descriptors_document), **_schemas_of(resources_document)}
    catalog = Catalog(resources_document, descriptors_document, schemas, source=source)
    for document in (descriptors_document, resources_document):
        for route, item in (document.get("paths") or {}).items():
            parts = route.strip("/").split("/")
            if len(parts) != 2 or not isinstance(item, Mapping) or "post" not in item:
                continue
            schema_name = _post_schema(item["post"])
            if schema_name is None:
                continue
            namespace, endpoint = parts
            catalog.resources[(namespace, endpoint)] = build_resource(
                catalog, namespace, endpoint, schema_name, item.get("get") or {}
            )
    if not catalog.resources:
        raise SpecError(f"{source}: no resource paths with a POST operation were found.")
    return catalog


def read_document(path: Path) -> dict[str, Any]:
    """Parse one OpenAPI document (YAML or JSON). Raises ``SpecError`` with the file name on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not UTF-8 text.") from None
    try:
        if path.suffix == ".json":
            loaded = json.loads(text)
        else:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            loaded = yaml.load(text, Loader=loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{path} is not valid YAML/JSON: {' '.join(str(exc).split())}") from exc
    if not isinstance(loaded, dict) or not ("openapi" in loaded or "swagger" in loaded):
        raise SpecError(f"{path} is not an OpenAPI 3 or Swagger 2.0 document.")
    return loaded


def load_spec_dir(spec_dir: Path, data_standard: str | None = None) -> Catalog:
    """Load ``resources-ds-<v>.yml`` and ``descriptors-ds-<v>.yml`` (or ``.json``) from ``spec_dir``.

    ``data_standard`` picks the version (``"5.0"``, ``"4.0"``); without it the newest present is used.
    Raises ``SpecError`` naming the directory when the pair is missing.
    """
    if not spec_dir.is_dir():
        raise SpecError(f"The spec directory {spec_dir} does not exist.")
    candidates = sorted(
        (p for p in spec_dir.glob("resources-ds-*") if p.suffix in (".yml", ".yaml", ".json")),
        key=lambda p: _version_key(p.stem.removeprefix("resources-ds-")),
    )
    if data_standard is not None:
        candidates = [p for p in candidates if p.stem == f"resources-ds-{data_standard}"]
    if not candidates:
        wanted = f"resources-ds-{data_standard}.yml" if data_standard else "resources-ds-<version>.yml"
        raise SpecError(f"No {wanted} found in {spec_dir}.")
    resources_path = candidates[-1]
    version = resources_path.stem.removeprefix("resources-ds-")
    descriptors_path = next(
        (p for p in spec_dir.glob(f"descriptors-ds-{version}.*") if p.suffix in (".yml", ".yaml", ".json")),
        None,
    )
    if descriptors_path is None:
        raise SpecError(f"{spec_dir} has {resources_path.name} but no descriptors-ds-{version}.yml beside it.")
    return build_catalog(
        read_document(resources_path), read_document(descriptors_path), source=f"Data Standard {version}"
    )


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))
