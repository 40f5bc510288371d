"""The Flask web app: ``create_app(config)`` builds it; blueprints are registered in one list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from klynge.config import load_settings


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

    from web import errors, stores
    from web.views import core

    stores.init_app(app)
    errors.init_app(app)
    for bp in (core.bp,):
        app.register_blueprint(bp)
    return app
