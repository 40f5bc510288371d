"""The OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify

from web import openapi

bp = Blueprint("api", __name__)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of every JSON endpoint."""
    return jsonify(openapi.document())
