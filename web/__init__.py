"""The Flask web app: ``create_app(config)`` builds it; blueprints are registered in one list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from klynge.config import load_settings

#: Content-Security-Policy: no inline script, nothing from other hosts. Cytoscape adds one <style>
#: element and sets element styles, hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    Configuration comes from defaults, then ``KLYNGE_*``/``NEO4J_*`` environment
    variables, then ``config`` (tests). Keys of ``config`` that are Klynge settings
    (``data_dir``, ``graph_name`` …) go to the store; the rest are Flask config.
    """
    from klynge.config import ENV

    config = dict(config or {})
    settings = load_settings({k: v for k, v in config.items() if k in ENV})
    app = Flask(__name__)
    app.config.update({k: v for k, v in config.items() if k not in ENV})
    app.extensions["klynge_settings"] = settings
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from web import errors, filters, stores, synthetic
    from web.views import api, core, org, path, places, search

    stores.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    synthetic.init_app(app)
    for bp in (core.bp, search.bp, org.bp, path.bp, places.bp, api.bp):
        app.register_blueprint(bp)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    return app
