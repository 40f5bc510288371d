"""`klynge demo`: store up, schema, reference data, synthetic Norway, one measures run.

Each step is idempotent: a second `make demo` reuses the generated files and
reloads them (loads are idempotent), so it is quick and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from klynge.config import Settings


def _describe(obj: object) -> str:
    fn = getattr(obj, "describe", None)
    return fn() if callable(fn) else str(obj)


def prepare(settings: Settings, *, units: int, seed: int, fresh: bool = False,
            echo: Callable[[str], None] = print) -> None:
    import gds_jobs
    import loaders
    from cypher import open_store
    from loaders.synth import generate

    store = open_store(settings)
    h = store.health()
    echo(f"store: {h['backend']} {h['version']}")
    if fresh:
        store.wipe()
        echo("graph wiped")
    created = store.init_schema()
    echo(f"schema ready ({len(created)} objects created)")
    echo(_describe(loaders.load("reference", None, store)))
    data_dir = settings.data_dir.parent / "demo" if settings.backend == "falkordb" else Path("var/demo")
    manifest = data_dir / "manifest.json"
    need = fresh or not manifest.exists()
    if not need:
        from loaders.synth.generate import FILES

        m = json.loads(manifest.read_text())
        need = m.get("units") != units or m.get("seed") != seed
        need = need or not set(m.get("files") or {}) >= set(FILES) - {"accounts_dir"}  # an older generator's folder
    if need:
        echo(f"generating a synthetic Norway of {units} units (seed {seed}) in {data_dir} …")
        generate(data_dir, units=units, seed=seed)
    summary = loaders.load("synthetic", data_dir, store)
    echo(_describe(summary))
    run = gds_jobs.run_jobs(store, engine="auto")
    echo(_describe(run))
    store.close()
    _account_hint(settings, echo)


def _account_hint(settings: Settings, echo: Callable[[str], None]) -> None:
    """No account is ever created with a known password: say how to add one when none exists."""
    from web.users import UserStore

    users = UserStore(settings.state_dir)
    if len(users) == 0:
        echo(f"no web accounts yet ({users.path}): person names and advisors' assessments need an advisor, "
             "the console an analyst. "
             "Add one with: klynge users add NAME --role analyst   (asks for the password)")
