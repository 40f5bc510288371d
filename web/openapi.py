"""The OpenAPI 3.1 document of the JSON API, generated from the page registry (:mod:`web.routes`)."""

from __future__ import annotations

import re
from typing import Any

from web.routes import ROUTES, Param, RouteDoc, json_rule

_VAR = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")

ERROR_TEXT = {400: "Bad parameter (the message names it and the accepted values)",
              401: "Needs a logged-in user with the role the description names (log in at /login)",
              403: "Not allowed for the current role", 404: "Not found (the message says what to try)",
              500: "The server failed (a generic message with an error id, which the server log has too)",
              503: "The graph store is unavailable (with an error id)", 504: "The query ran too long"}


def _schema(p: Param) -> dict[str, Any]:
    if p.many:
        items: dict[str, Any] = {"type": p.type}
        if p.enum:
            items["enum"] = list(p.enum)
        s: dict[str, Any] = {"type": "array", "items": items}
        if p.default is not None:
            s["default"] = [v for v in str(p.default).split(",") if v]
        return s
    s = {"type": p.type}
    if p.enum:
        s["enum"] = list(p.enum)
    if p.default is not None:
        s["default"] = p.default
    if p.minimum is not None:
        s["minimum"] = p.minimum
    if p.maximum is not None:
        s["maximum"] = p.maximum
    if p.min_length is not None:
        s["minLength"] = p.min_length
    if p.pattern is not None:
        s["pattern"] = p.pattern
    return s


def _operation(r: RouteDoc) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": v, "in": "path", "required": True, "schema": {"type": "string"}} for v in _VAR.findall(r.rule)
    ]
    for p in r.params:
        q: dict[str, Any] = {"name": p.name, "in": "query", "required": False, "description": p.description,
                             "schema": _schema(p)}
        if p.many:
            q.update({"style": "form", "explode": False})
        params.append(q)
    description = r.description
    if r.twin:
        html = _VAR.sub(r"{\1}", r.rule)
        description += f" The same page as HTML: `{html}` (or send `Accept: application/json` to it)."
    if r.result:
        description += " Result fields: " + "; ".join(f"`{k}`: {v}" for k, v in r.result.items()) + "."
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ok"}}}},
    }
    for code in sorted({*r.errors, 400, 500}):  # any request can be malformed (a NUL character) or fail
        responses[str(code)] = {"description": ERROR_TEXT.get(code, "Error"), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses["503"] = {"description": ERROR_TEXT[503], "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op = {"operationId": r.endpoint.replace(".", "_"), "summary": r.summary, "description": description,
          "tags": [r.tag], "responses": responses}
    if params:
        op["parameters"] = params
    return op


def document(version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 document: every JSON twin, the JSON-only endpoints and /healthz."""
    paths: dict[str, Any] = {}
    for r in ROUTES:
        path = json_rule(r.rule) if r.twin else r.rule
        paths[_VAR.sub(r"{\1}", path)] = {"get": _operation(r)}
    health = {"type": "object", "required": ["ok", "backend", "counts"],
              "properties": {"ok": {"type": "boolean"}, "backend": {"enum": ["falkordb", "neo4j"]},
                             "nodes": {"type": "integer"}, "relationships": {"type": "integer"},
                             "counts": {"type": "object"}},
              "description": "ok, backend, node and relationship totals and counts per label and relationship "
                             "type; analysts and admins also get version, address and latency"}
    paths["/healthz"] = {"get": {"operationId": "healthz", "summary": "Store health and counts", "tags": ["meta"],
                                 "responses": {"200": {"description": "The store answers", "content": {
                                     "application/json": {"schema": health}}},
                                     "503": {"description": ERROR_TEXT[503], "content": {"application/json": {
                                         "schema": {"$ref": "#/components/schemas/Error"}}}}}}}
    paths["/openapi.json"] = {"get": {"operationId": "openapi", "summary": "This document", "tags": ["meta"],
                                      "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                                          "application/json": {"schema": {"type": "object"}}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Klynge", "version": version,
                 "description": "JSON twins of every Klynge page: organisations, persons (advisors only), clusters, "
                                "regions, ego networks and paths in the Norwegian Triple Helix graph. Keys are "
                                "business keys (orgnr, person_key, cluster_id, region_id). Errors share one "
                                "envelope."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {
            "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}},
                   "additionalProperties": True},
            "Error": {"type": "object", "required": ["ok", "error", "status"],
                      "properties": {"ok": {"const": False}, "error": {"type": "string"},
                                     "status": {"type": "integer"}, "hint": {"type": "string"},
                                     "error_id": {"type": "string"}}},
        }},
    }
