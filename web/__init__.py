"""The Flask web app: ``create_app(config)`` builds it; blueprints are registered in one list."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from klynge.config import load_settings

#: Content-Security-Policy: no inline script, nothing from other hosts. Cytoscape adds one <style>
#: element and sets element styles, hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

#: Sent with every response (pages, JSON, errors, static files).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Added when session cookies are Secure (the site is served over HTTPS): one year, subdomains not included.
HSTS = "max-age=31536000"

#: View modules registered only when their file is present (the console and status pages).
OPTIONAL_VIEWS = ("console", "queries", "audit", "status")


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
    if settings.trusted_proxies:
        # behind n reverse proxies: the client address and scheme from their X-Forwarded-* headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    from web import auth, errors, filters, i18n, stores, synthetic
    from web.views import account, api, assessments, core, org, path, places, search

    stores.init_app(app)
    errors.init_app(app)
    auth.init_app(app, settings)
    filters.init_app(app)
    i18n.init_app(app)
    synthetic.init_app(app)
    blueprints = [core.bp, search.bp, org.bp, path.bp, places.bp, api.bp, account.bp, assessments.bp]
    views_dir = Path(__file__).parent / "views"
    for name in OPTIONAL_VIEWS:
        if (views_dir / f"{name}.py").exists():
            blueprints.append(importlib.import_module(f"web.views.{name}").bp)
    for bp in blueprints:
        app.register_blueprint(bp)

    @app.after_request
    def security_headers(resp):
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if app.config["KLYNGE_SECURE_COOKIES"]:
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.path.startswith("/static/") and auth.current_user() is not None:
            resp.headers["Cache-Control"] = "private, no-store"  # pages with person names stay out of shared caches
        return resp

    return app
