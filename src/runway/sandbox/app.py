"""The sandbox's HTTP surface: an ASGI app that answers like an Ed-Fi ODS/API.

URL layout (``docs/sandbox.md``), with ``P`` the optional prefix (``/api``):

* ``P/`` discovery; ``P/oauth/token``, ``P/oauth/token_info``;
* ``P/metadata/`` index, ``P/metadata/data/v3[/{year}]/{resources|descriptors}/swagger.json``,
  ``P/metadata/data/v3[/{year}]/dependencies``;
* ``P/data/v3/{namespace}/{resource}[/{id}]`` (``layout=single``), ``P/data/v3/{year}/…`` (``layout=year``),
  or every URL under ``P/{year}/…`` (``layout=context``, ODS/API 7.x context routing);
* ``/_sandbox/…`` test hooks when enabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from runway import __version__
from runway.sandbox.auth import TokenIssuer, basic_credentials
from runway.sandbox.config import SandboxConfig
from runway.sandbox.dependencies import as_graphml, dependency_graph, dependency_order
from runway.sandbox.hooks import Fault, Hooks
from runway.sandbox.problems import (
    Problem,
    bad_request,
    method_not_allowed,
    not_found,
    unauthorized,
)
from runway.sandbox.service import SCHOOL_YEARS, Sandbox

log = logging.getLogger("runway.sandbox")

JSON = "application/json"
MAX_JSON_DEPTH = 64


@dataclass
class Target:
    """What a request path asks for. ``scope`` is the school year for year/context layouts, else ``""``."""

    kind: str
    scope: str = ""
    base: str = ""  # path of the API root including prefix and context, e.g. "/api/2026"
    namespace: str = ""
    endpoint: str = ""
    document_id: str | None = None
    extra: str = ""


class SandboxApp:
    """Holds one sandbox's state and serves it. ``asgi`` is the Starlette application."""

    def __init__(self, config: SandboxConfig, sandbox: Sandbox) -> None:
        self.config = config
        self.sandbox = sandbox
        self.tokens = TokenIssuer(config.clients, config.token_lifetime)
        self.hooks = Hooks(log_size=config.request_log_size)
        self._order = dependency_order(sandbox.catalog)
        self._graph = dependency_graph(sandbox.catalog)
        self._spec_cache: dict[tuple[str, str], bytes] = {}
        # A mount, not a route: every HTTP method (TRACE, made-up ones) reaches ``handle`` and gets a JSON answer.
        self.asgi = Starlette(routes=[Mount("", app=self._serve)], lifespan=self._lifespan)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handle(Request(scope, receive))
        await response(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        yield
        self.sandbox.store.close()  # checkpoints the WAL so the database file is complete on its own

    # --- entry ---------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """Serve one request; every error becomes a JSON body in the configured profile."""
        path = request.url.path
        try:
            if self.config.test_hooks and path.startswith("/_sandbox/"):
                return await self._hook(request, path)
            if self.hooks.latency_seconds:
                await asyncio.sleep(self.hooks.latency_seconds)
            fault = self.hooks.take_fault(path) if self.hooks.faults else None
            if fault is not None:
                raise Problem(
                    fault.status,
                    "urn:ed-fi:api:service-unavailable"
                    if fault.status == 503
                    else "urn:ed-fi:api:too-many-requests"
                    if fault.status == 429
                    else "urn:ed-fi:api:system-failure",
                    f"Injected failure (sandbox test hook): answering {fault.status}.",
                )
            response = await self._route(request, self._parse(path))
        except Problem as problem:
            response = self._problem(problem)
        except Exception:
            log.exception("Unexpected error serving %s %s", request.method, path)
            response = self._problem(
                Problem(500, "urn:ed-fi:api:system-failure", "An unexpected error occurred in the sandbox.")
            )
        self.hooks.record(request.method, path, request.url.query, response.status_code)
        return response

    def _problem(self, problem: Problem) -> Response:
        return Response(problem.body(self.config.profile), problem.status, headers=problem.headers, media_type=JSON)

    # --- paths ---------------------------------------------------------------------------------------

    def _parse(self, path: str) -> Target:
        prefix = self.config.prefix
        if prefix:
            if path != prefix and not path.startswith(prefix + "/"):
                raise not_found(f"Nothing is served at '{path}'. The API root is '{prefix}/'.")
            rest = path[len(prefix) :]
        else:
            rest = path
        parts = [p for p in rest.split("/") if p]
        base = prefix
        scope = ""
        if self.config.layout == "context":
            if not parts or not self._is_year(parts[0]):
                raise not_found(
                    f"Nothing is served at '{path}'. This API routes by school year: use "
                    f"'{prefix}/<year>/' such as '{prefix}/{self._example_year()}/'."
                )
            scope = parts[0]
            base = f"{prefix}/{scope}"
            parts = parts[1:]
        if not parts:
            return Target("discovery", scope, base)
        head = parts[0]
        if head == "oauth" and len(parts) == 2 and parts[1] in ("token", "token_info"):
            return Target(parts[1], scope, base)
        if head == "metadata":
            return self._parse_metadata(parts[1:], scope, base, path)
        if head == "data" and len(parts) >= 2 and parts[1] == "v3":
            rest_parts = parts[2:]
            if self.config.layout == "year":
                if not rest_parts or not self._is_year(rest_parts[0]):
                    raise not_found(
                        f"Nothing is served at '{path}'. This API is year-specific: use "
                        f"'{base}/data/v3/<year>/<namespace>/<resource>'."
                    )
                scope = rest_parts[0]
                rest_parts = rest_parts[1:]
            if len(rest_parts) in (2, 3):
                return Target(
                    "data",
                    scope,
                    base,
                    namespace=rest_parts[0],
                    endpoint=rest_parts[1],
                    document_id=rest_parts[2] if len(rest_parts) == 3 else None,
                )
        raise not_found(f"Nothing is served at '{path}'. Resources are under '{base}/data/v3/'.")

    def _parse_metadata(self, parts: list[str], scope: str, base: str, path: str) -> Target:
        if not parts:
            return Target("metadata", scope, base)
        if parts[:2] == ["data", "v3"]:
            rest = parts[2:]
            if rest and self._is_year(rest[0]):
                if self.config.layout == "year":
                    scope = rest[0]
                rest = rest[1:]
            if rest == ["dependencies"]:
                return Target("dependencies", scope, base)
            if len(rest) == 2 and rest[0] in ("resources", "descriptors") and rest[1] == "swagger.json":
                return Target("spec", scope, base, extra=rest[0])
        raise not_found(f"No metadata at '{path}'. The metadata index is at '{base}/metadata/'.")

    def _is_year(self, text: str) -> bool:
        if not (len(text) == 4 and text.isascii() and text.isdigit()) or int(text) not in SCHOOL_YEARS:
            return False
        return not self.config.school_years or int(text) in self.config.school_years

    def _example_year(self) -> int:
        return self.config.school_years[0] if self.config.school_years else 2026

    # --- dispatch ------------------------------------------------------------------------------------

    async def _route(self, request: Request, target: Target) -> Response:
        method = request.method
        if target.kind == "data":
            return await self._data(request, target)
        if target.kind in ("token", "token_info"):
            if method != "POST":
                raise method_not_allowed("The token endpoint accepts POST only.", "POST")
            return await (self._token(request) if target.kind == "token" else self._token_info(request))
        if method not in ("GET", "HEAD"):
            raise method_not_allowed(f"'{request.url.path}' accepts GET only.", "GET")
        root = f"{request.url.scheme}://{request.url.netloc}{target.base}"
        if target.kind == "discovery":
            return self._json(self._discovery(root))
        if target.kind == "metadata":
            return self._json(
                [
                    {
                        "name": "Resources",
                        "endpointUri": f"{root}/metadata/data/v3/resources/swagger.json",
                        "prefix": "",
                    },
                    {
                        "name": "Descriptors",
                        "endpointUri": f"{root}/metadata/data/v3/descriptors/swagger.json",
                        "prefix": "",
                    },
                ]
            )
        if target.kind == "dependencies":
            if "application/graphml" in request.headers.get("accept", ""):
                return Response(as_graphml(self._order, self._graph), media_type="application/graphml")
            return self._json(self._order)
        kind = target.extra
        server = f"{root}/data/v3" + (f"/{target.scope}" if self.config.layout == "year" and target.scope else "")
        cached = self._spec_cache.get((kind, server))
        if cached is None:
            cached = self.sandbox.catalog.dumps("resources" if kind == "resources" else "descriptors", server)
            self._spec_cache[(kind, server)] = cached
        return Response(cached, media_type=JSON)

    def _discovery(self, root: str) -> dict[str, Any]:
        ods5 = self.config.profile == "ods5"
        data_model = self.sandbox.catalog.resources_document.get("info", {}).get("version", "5.0")
        document: dict[str, Any] = {
            "version": "5.3" if ods5 else "7.3",
            "informationalVersion": f"Runway Ed-Fi sandbox {__version__}",
            "suite": "Runway Ed-Fi sandbox",
            "build": __version__,
            "dataModels": [
                {
                    "name": "Ed-Fi",
                    "version": _three_part(str(data_model)),
                    "informationalVersion": self.sandbox.catalog.source,
                }
            ],
            "urls": {
                "dependencies": f"{root}/metadata/data/v3/dependencies",
                "openApiMetadata": f"{root}/metadata/",
                "oauth": f"{root}/oauth/token",
                "dataManagementApi": f"{root}/data/v3/",
            },
        }
        if ods5:
            document["apiMode"] = {
                "single": "Sandbox",
                "year": "Year Specific",
                "context": "District Specific",
            }[self.config.layout]
        return document

    # --- oauth -----------------------------------------------------------------------------------------

    async def _form_or_json(self, request: Request) -> dict[str, str]:
        raw = await self._read_body(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not raw:
            return {}
        if content_type.endswith("json"):
            try:
                parsed = json.loads(raw)
            except ValueError:
                raise bad_request("The token request body is not valid JSON.") from None
            if not isinstance(parsed, dict):
                raise bad_request("The token request body must be a JSON object.")
            return {str(k): str(v) for k, v in parsed.items() if v is not None}
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise bad_request("The token request body is not UTF-8 form data.") from None

    async def _token(self, request: Request) -> Response:
        fields = await self._form_or_json(request)
        grant = fields.get("grant_type")
        if grant != "client_credentials":
            return self._oauth_error(
                400,
                "unsupported_grant_type" if grant else "invalid_request",
                "grant_type must be 'client_credentials'.",
            )
        basic = basic_credentials(request.headers.get("authorization"))
        key, secret = basic if basic else (fields.get("client_id"), fields.get("client_secret"))
        if not self.tokens.authenticate(key, secret):
            return self._oauth_error(401, "invalid_client", "The client key or secret is not valid.")
        token = self.tokens.issue(str(key))
        return self._json(
            {"access_token": token.value, "expires_in": self.tokens.lifetime, "token_type": "bearer"},
            headers={"Cache-Control": "no-store"},
        )

    async def _token_info(self, request: Request) -> Response:
        self._authorize(request)
        fields = await self._form_or_json(request)
        token = self.tokens.verify(fields.get("token", ""))
        if token is None:
            return self._json({"active": False})
        return self._json(
            {
                "active": True,
                "client_id": token.client_key,
                "namespace_prefixes": [],
                "education_organizations": [],
                "assigned_profiles": [],
                "claim_set": {"name": "SIS Vendor"},
            }
        )

    def _oauth_error(self, status: int, error: str, description: str) -> Response:
        return self._json({"error": error, "error_description": description}, status=status)

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise unauthorized("Authorization header with a bearer token is required; get one from oauth/token.")
        if self.tokens.verify(header[7:].strip()) is None:
            raise unauthorized("The bearer token is invalid or expired; request a new one from oauth/token.")

    # --- data -------------------------------------------------------------------------------------------

    async def _data(self, request: Request, target: Target) -> Response:
        self._authorize(request)
        resource = self.sandbox.catalog.resource(target.namespace, target.endpoint)
        if resource is None:
            raise not_found(
                f"The resource '/{target.namespace}/{target.endpoint}' is not part of this API "
                f"({self.sandbox.catalog.source}). Check the namespace and the plural resource name."
            )
        method = request.method
        scope = target.scope
        data_root = f"{request.url.scheme}://{request.url.netloc}{target.base}/data/v3" + (
            f"/{scope}" if self.config.layout == "year" else ""
        )
        if target.document_id is None:
            if method == "GET":
                params = dict(parse_qsl(request.url.query, keep_blank_values=True))
                result = self.sandbox.query(scope, resource, params)
                body = "[" + ",".join(d.to_json() for d in result.documents) + "]"
                headers = {"Total-Count": str(result.total)} if result.total is not None else {}
                return Response(body, media_type=JSON, headers=headers)
            if method == "POST":
                payload = await self._payload(request)
                created, document = self.sandbox.upsert(scope, resource, payload)
                headers = {"ETag": f'"{document.etag}"'}
                if created:
                    headers["Location"] = f"{data_root}{resource.route}/{document.id}"
                return Response(status_code=201 if created else 200, headers=headers)
            raise method_not_allowed(
                f"{method} needs a resource id in the URL: '{resource.route}/{{id}}'.", "GET, POST"
            )
        if method == "GET":
            document = self.sandbox.get(scope, resource, target.document_id)
            etag = f'"{document.etag}"'
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
            return Response(document.to_json(), media_type=JSON, headers={"ETag": etag})
        if method == "DELETE":
            self.sandbox.delete(scope, resource, target.document_id)
            return Response(status_code=204)
        if method == "PUT":
            payload = await self._payload(request)
            document = self.sandbox.replace(
                scope, resource, target.document_id, payload, request.headers.get("if-match")
            )
            return Response(status_code=204, headers={"ETag": f'"{document.etag}"'})
        raise method_not_allowed(
            f"{method} is not supported on a single item; POST goes to '{resource.route}'.",
            "GET, PUT, DELETE",
        )

    async def _read_body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _payload(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON and not content_type.endswith("+json"):
            raise Problem(
                415,
                "urn:ed-fi:api:unsupported-media-type",
                f"The request body must be sent with Content-Type 'application/json' (got '{content_type or 'none'}').",
            )
        raw = (await self._read_body(request)).removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            raise bad_request("A non-empty request body is required.")
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            payload = _strict_json(raw)  # the standard library says where it breaks and takes huge integers
        if not isinstance(payload, dict):
            raise bad_request("The request body must be a JSON object describing one resource item.")
        _inspect(payload)
        return payload

    def _json(self, value: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(value), status, headers=headers, media_type=JSON)

    # --- hooks -------------------------------------------------------------------------------------------

    async def _hook(self, request: Request, path: str) -> Response:
        action = path.removeprefix("/_sandbox/").strip("/")
        method = request.method
        body: dict[str, Any] = {}
        if method == "POST":
            raw = await self._read_body(request)
            if raw.strip():
                try:
                    loaded = json.loads(raw)
                except ValueError:
                    raise bad_request("Hook bodies must be JSON objects.") from None
                if not isinstance(loaded, dict):
                    raise bad_request("Hook bodies must be JSON objects.")
                body = loaded
        if action == "requests" and method == "GET":
            return self._json([r.as_dict() for r in self.hooks.log])
        if action == "requests" and method == "DELETE":
            self.hooks.log.clear()
            return Response(status_code=204)
        if action == "faults" and method == "POST":
            status = _hook_int(body, "status", 503, 400, 599)
            count = _hook_int(body, "count", 1, 1, 1_000_000)
            self.hooks.faults.append(Fault(status, count, str(body.get("pathContains", ""))))
            return Response(status_code=204)
        if action == "faults" and method == "DELETE":
            self.hooks.faults.clear()
            return Response(status_code=204)
        if action == "latency" and method == "POST":
            seconds = body.get("seconds", 0)
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 60:
                raise bad_request("'seconds' must be a number from 0 to 60.")
            self.hooks.latency_seconds = float(seconds)
            return Response(status_code=204)
        if action == "tokens/revoke" and method == "POST":
            return self._json({"revoked": self.tokens.revoke_all()})
        if action == "token-lifetime" and method == "POST":
            self.tokens.lifetime = _hook_int(body, "seconds", 1800, 1, 86_400)
            return Response(status_code=204)
        if action == "reset" and method == "POST":
            self.sandbox.reset()
            self.tokens.revoke_all()
            self.hooks.faults.clear()
            self.hooks.latency_seconds = 0.0
            return Response(status_code=204)
        raise not_found(f"No sandbox hook '{method} {path}'.")


def _hook_int(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_request(f"'{name}' must be a whole number from {low} to {high}.")
    return value


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "urn:ed-fi:api:payload-too-large",
        f"The request body is larger than the limit of {limit} bytes.",
    )


def _strict_json(raw: bytes) -> object:
    """Parse with the standard library (NaN/Infinity refused) and turn every failure into a 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The request body is not valid UTF-8.") from None
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        return parsed
    except UnicodeEncodeError:
        raise bad_request(
            "The request body holds an invalid Unicode escape (a lone surrogate such as \\ud800)."
        ) from None
    except RecursionError:
        raise bad_request("The request body is nested too deeply.") from None
    except UnicodeDecodeError:
        raise bad_request("The request body is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}.") from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"'{name}' is not a JSON number")


def _inspect(value: object, level: int = 0) -> None:
    """Refuse bodies nested deeper than ``MAX_JSON_DEPTH`` and numbers that are not finite (``1e400``)."""
    if level > MAX_JSON_DEPTH:
        raise bad_request("The request body is nested too deeply.")
    if isinstance(value, dict):
        for item in value.values():
            _inspect(item, level + 1)
    elif isinstance(value, list):
        for item in value:
            _inspect(item, level + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise bad_request("The request body holds a number too large to store (such as 1e400).")


def _three_part(version: str) -> str:
    parts = version.split(".")
    while len(parts) < 3:
        parts.append("0")
    return ".".join(parts[:3])
