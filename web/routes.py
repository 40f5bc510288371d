"""One registry of the app's pages: each page is served as HTML and as its JSON twin.

``page(bp, rule, ...)`` registers ``rule`` and ``rule + ".json"`` on a blueprint
and records a :class:`RouteDoc`; :mod:`web.openapi` turns the records into the
OpenAPI 3.1 document served at ``/openapi.json``. A view returns a plain dict;
:func:`respond` renders it with the page's template, or as JSON when the path
ends in ``.json`` or the client prefers ``application/json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, jsonify, render_template

from web.errors import wants_json


@dataclass(frozen=True)
class Param:
    """A documented query parameter."""

    name: str
    type: str = "string"  # string | integer | boolean
    description: str = ""
    default: Any = None
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    many: bool = False  # a comma-separated list of values
    min_length: int | None = None  # strings: an empty value is refused (params.not_empty)
    pattern: str | None = None  # strings: the regular expression a value must match in full


@dataclass(frozen=True)
class RouteDoc:
    """What the OpenAPI document says about one page."""

    rule: str
    endpoint: str
    summary: str
    description: str
    tag: str
    params: tuple[Param, ...] = ()
    twin: bool = True
    json_only: bool = False
    errors: tuple[int, ...] = (404,)
    result: Mapping[str, Any] = field(default_factory=dict)


ROUTES: list[RouteDoc] = []


def json_rule(rule: str) -> str:
    return "/index.json" if rule == "/" else rule + ".json"


def page(bp: Blueprint, rule: str, *, summary: str, tag: str, params: tuple[Param, ...] = (),
         json_only: bool = False, errors: tuple[int, ...] = (404,),
         result: Mapping[str, Any] | None = None) -> Callable:
    """Register a GET page (and its ``.json`` twin unless ``json_only``) and document it."""

    def deco(view: Callable) -> Callable:
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=["GET"])
        if not json_only:
            bp.add_url_rule(json_rule(rule), endpoint=view.__name__ + "_json", view_func=view, methods=["GET"])
        doc = (view.__doc__ or summary).strip()
        ROUTES.append(RouteDoc(rule=rule, endpoint=f"{bp.name}.{view.__name__}", summary=summary,
                               description=re.sub(r"\s+", " ", doc), tag=tag, params=params,
                               twin=not json_only, json_only=json_only, errors=errors,
                               result=dict(result or {})))
        return view

    return deco


def respond(template: str, data: Mapping[str, Any], status: int = 200):
    """HTML from ``template`` or the JSON twin ``{"ok": true, ...data}``."""
    if wants_json():
        return jsonify({"ok": True, **data}), status
    return render_template(template, **data), status
