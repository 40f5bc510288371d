"""Parsing of request arguments: every bad value is a 400 naming the parameter and the accepted range."""

from __future__ import annotations

import re

from flask import abort, request
from werkzeug.exceptions import NotFound

ORGNR = re.compile(r"^\d{9}$")


def orgnr(value: str, name: str = "orgnr") -> str:
    """A nine-digit organisation number (spaces allowed), else 400."""
    v = value.replace(" ", "").strip()
    if not ORGNR.match(v):
        abort(400, description=f"{name} {value!r} is not an organisation number; it must be 9 digits, "
                               f"e.g. 923609016. Search by name at /search?q=…")
    return v


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        abort(400, description=f"parameter {name} must be a whole number from {lo} to {hi}, got {raw!r}")
    if not lo <= v <= hi:
        abort(400, description=f"parameter {name} must be from {lo} to {hi}, got {v}")
    return v


def list_arg(name: str, allowed: tuple[str, ...] | None = None) -> list[str] | None:
    """Comma-separated or repeated values; None when absent."""
    values: list[str] = []
    for raw in request.args.getlist(name):
        values += [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        return None
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        if bad:
            abort(400, description=f"parameter {name} has unknown value {', '.join(bad)}; "
                                   f"use one or more of {', '.join(allowed)}")
    return values


def choice_arg(name: str, default: str, allowed: tuple[str, ...]) -> str:
    v = request.args.get(name) or default
    if v not in allowed:
        abort(400, description=f"parameter {name} must be one of {', '.join(allowed)}, got {v!r}")
    return v


def bool_arg(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    abort(400, description=f"parameter {name} must be true or false, got {raw!r}")


def not_empty(names: tuple[str, ...]) -> None:
    """400 when one of ``names`` is given without a value (``?population=``): a page whose parameters all have
    defaults says so rather than silently using the default for a value the client meant to send."""
    for name in names:
        if name in request.args and not request.args.get(name, "").strip():
            abort(400, description=f"parameter {name} is empty; leave it out for the default or give a value")


def not_found(message: str, hint: str | None = None) -> NotFound:
    """A 404 whose page and JSON carry a hint of what to try instead."""
    exc = NotFound(description=message)
    exc.klynge_hint = hint  # type: ignore[attr-defined]
    return exc
