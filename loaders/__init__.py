"""Loaders: Norway's business registers, grants, patents and clusters into the Triple Helix graph.

Public API::

    from loaders import load
    summary = load("units", "enheter_alle.json.gz", store)
    print(summary.line()); sys.exit(summary.exit_code)

``kind`` is one of :data:`KINDS`. Each kind is a module in :mod:`loaders.sources`
with a ``SOURCE`` declaration and a ``load(ctx, path)`` function; the shared
machinery (batching, counting, rejects, progress, ``LoadRun``) is in
:mod:`loaders.core`. Formats are documented in ``loaders/README.md``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klynge.errors import LoadError
from loaders.core import BATCH_SIZE, LoadContext, LoadSummary, Source, graph_fingerprint, run_loader

if TYPE_CHECKING:
    from cypher.store import GraphStore

KINDS: dict[str, str] = {
    "units": "loaders.sources.units",
    "subunits": "loaders.sources.subunits",
    "roles": "loaders.sources.roles",
    "accounts": "loaders.sources.accounts",
    "grants": "loaders.sources.grants",
    "patents": "loaders.sources.patents",
    "clusters": "loaders.sources.clusters",
    "reference": "loaders.sources.reference",
    "synthetic": "loaders.sources.synthetic",
    "assessments": "loaders.sources.assessments",
}

__all__ = ["KINDS", "LoadSummary", "Source", "graph_fingerprint", "load", "source_of"]


def source_of(kind: str) -> Source:
    """The :class:`Source` declaration of a kind (for ``klynge load --help`` listings)."""
    return _module(kind).SOURCE


def _module(kind: str) -> Any:
    if kind not in KINDS:
        raise LoadError(f"unknown load kind {kind!r}; expected one of {', '.join(KINDS)}")
    return importlib.import_module(KINDS[kind])


def load(kind: str, path: str | Path | None, store: GraphStore, *, dry_run: bool = False, source: str | None = None,
         review_out: str | Path | None = None, confirmations: str | Path | None = None,
         progress: bool | None = None, batch_size: int | None = None, **opts: Any) -> LoadSummary:
    """Load one source file (or directory) into the graph.

    Parameters
    ----------
    kind : units, subunits, roles, accounts, grants, patents, clusters, reference, synthetic or assessments.
    path : the input file or directory (``reference`` takes None for the packaged data).
    store : a GraphStore from :func:`cypher.open_store` (unused when ``dry_run``).
    dry_run : parse and validate everything, write nothing.
    source : for ``grants``: ``forskningsradet`` or ``innovasjon_norge`` (detected from the header
        when None); elsewhere a name for the ``source`` property.
    review_out : clusters/grants/patents: where to write the name-matching review file.
    confirmations : clusters/grants/patents: a ``name,orgnr`` CSV of confirmed matches.
    progress : show a progress bar (None: only when stderr is a terminal).
    batch_size : rows per write batch (default ``settings.write_batch_size``, 5,000).
    **opts : loader options: ``as_of`` (ISO date; default the file's modification date),
        ``nace_version``, ``reject_dir``, ``synthetic``.

    Returns
    -------
    LoadSummary
        ``exit_code`` is 3 when rows were rejected.

    Raises
    ------
    LoadError
        When the file cannot be read (truncated, invalid JSON/CSV, wrong encoding); the
        message names the file and position. Batches written before the error are kept.
    """
    mod = _module(kind)
    if path is None:
        if kind != "reference":
            raise LoadError(f"`load {kind}` needs an input path")
        from klynge.reference import DATA_DIR

        p = Path(DATA_DIR)
    else:
        p = Path(path)
        if not p.exists():
            raise LoadError(f"input {p} for `load {kind}` does not exist; check the path")
    options = dict(opts)
    options.update({"source": source, "review_out": review_out, "confirmations": confirmations,
                    "path_given": path is not None})
    if kind != "grants" and source:
        options["source_name"] = source
    settings = getattr(store, "settings", None)
    bs = batch_size or (settings.write_batch_size if settings is not None else BATCH_SIZE)
    ctx = LoadContext(store, mod.SOURCE, p, dry_run=dry_run, batch_size=bs, progress=progress, options=options)
    return run_loader(ctx, mod.load)
