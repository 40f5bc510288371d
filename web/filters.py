"""Jinja helpers shared by every page (the number, money and date filters are in :mod:`web.i18n`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request


def init_app(app: Flask) -> None:
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
