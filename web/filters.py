"""Jinja filters for numbers, money and dates."""

from __future__ import annotations

from typing import Any

from flask import Flask, request


def number(v: Any, decimals: int = 0) -> str:
    if v is None or v == "":
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.{decimals}f}".replace(",", "\u202f")


def money(v: Any) -> str:
    """NOK in thousands or millions, e.g. 12.3 M."""
    if v is None or v == "":
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if abs(f) >= 1e9:
        return f"{f / 1e9:.1f} bn"
    if abs(f) >= 1e6:
        return f"{f / 1e6:.1f} M"
    if abs(f) >= 1e3:
        return f"{f / 1e3:.0f} k"
    return f"{f:.0f}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["money"] = money

    @app.context_processor
    def helpers():
        def with_arg(name: str, value: Any, *, toggle: bool = False, drop: tuple[str, ...] = ("page",)) -> str:
            """The current URL's query string with ``name`` set (or a value toggled in a comma list)."""
            from urllib.parse import urlencode

            args = {k: v for k, v in request.args.items() if k not in drop}
            if toggle:
                cur = [x for x in (args.get(name) or "").split(",") if x]
                cur = [x for x in cur if x != value] if value in cur else cur + [value]
                if cur:
                    args[name] = ",".join(cur)
                else:
                    args.pop(name, None)
            elif value is None:
                args.pop(name, None)
            else:
                args[name] = value
            return "?" + urlencode(args)

        from web import auth

        return {"with_arg": with_arg, "role": auth.current_role(), "persons_visible": auth.can_see_persons()}
