"""Which firms fit which clusters (the study's phase 2): ranked candidates, their explanations, and the
model behind them, computed once per measures run.

The score
---------
``score(c, K) = Σ_p w_p · part_p(c, K)`` — the named parts of :mod:`gds_jobs.analysis.fitparts`
(industry: NACE codes, value chain, related industries; network: board ties, reach and
personalised PageRank on the firm–firm interlock network; geography: county, municipality, host
county) with non-negative weights from a logistic regression fitted on leave-members-out splits of
the Innovasjon Norge clusters (:mod:`gds_jobs.analysis.fitmodel`). The choice of parts and weights
is the one the evaluation of :mod:`gds_jobs.analysis.fiteval` supports; every row shows each part,
its weight and its contribution, which add up to the score.

Candidates are the population's firms (active industry firms that file accounts, at least
``min_employees`` employees; :func:`gds_jobs.analysis.frame.population_mask`), never a cluster's
own members. A member asked about (the profile panel) is scored against the *other* members.

Explanations
------------
For a candidate and a cluster: the parts with weights and contributions; the members it is most
like (deepest shared NACE level, then the same municipality, a shared board member, the same value
chain, the same county); and the board chains to the nearest members on the interlock network
(organisation — person — organisation …, at most ``max_hops`` ties; every direct tie, else one
shortest chain). Persons are named only for callers allowed to see names (``show_names``);
everyone else sees "board member 1", "board member 2", … — never a person key.

Precomputed per measures run
----------------------------
:func:`model_for` reads the graph once (:func:`gds_jobs.analysis.data.load_data`), fits the weights
and scores every candidate against every cluster. The model is kept per graph, data version
(:func:`gds_jobs.analysis.data.data_version`: the measures run id, the newest load and the counts of
organisations, memberships and roles) and options, so a profile panel or a cluster page is a few
array look-ups plus small reads of names. It is kept in the process and, once the graph has a
measures run, saved under ``<state_dir>/fit/`` (one file per graph: the newest replaces the older
ones); :func:`precompute`, a step of every measures run (:mod:`gds_jobs.jobs`), builds and saves it, so
the first page after a run or a restart (and every worker of a web server sharing the state folder)
reads the saved model instead of building it. A saved model is used only for the same graph, data
version, options and code of the analysis modules; an unreadable one is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cypher import library
from gds_jobs.analysis.data import (data_version, load_data, region_units, resolve_region,
                                    synthetic_member_rule)
from gds_jobs.analysis.fitmodel import (
    FitContext,
    context,
)
from gds_jobs.analysis.fitscore import FitModel, build_model
from gds_jobs.analysis.fittables import cluster_table, finish_table, firm_table
from gds_jobs.analysis.options import AnalysisOptions
from klynge.reference.valueareas import ValueAreaRules
from klynge.errors import ConfigError

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)

_MODELS: OrderedDict[tuple, FitModel] = OrderedDict()

_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple, threading.Lock] = {}
MODEL_CACHE_SIZE = 4


def model_for(store: GraphStore, options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None) -> FitModel:
    """The fit model of the graph as it is now, built once per data version and options and kept (in the
    process, and saved for other processes once the graph has a measures run: module docstring).

    Concurrent callers asking for the same model wait for one build. At most
    :data:`MODEL_CACHE_SIZE` models are kept in the process (least recently used dropped).
    """
    opts = options or AnalysisOptions()
    key = (store.graph_key, data_version(store), repr(sorted(opts.as_dict().items())),
           None if rules is None else id(rules))
    with _LOCK:
        hit = _MODELS.get(key)
        if hit is not None:
            _MODELS.move_to_end(key)
            return hit
        lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with lock:
        try:
            with _LOCK:
                hit = _MODELS.get(key)
                if hit is not None:
                    return hit
            path = saved_path(store, key)
            model = _read_saved(path, key[1]) if path is not None else None
            if model is None:
                data = load_data(store, None, opts)
                munis = {str(r["code"]): str(r["name"]) for r in library.run(store, "analysis/municipalities")
                         if r.get("code") and r.get("name")}
                model = build_model(data, opts, rules if rules is not None else _reference_rules(),
                                    municipalities=munis, version=key[1])
                if path is not None:
                    _save(path, model)
            with _LOCK:
                _MODELS[key] = model
                _MODELS.move_to_end(key)
                while len(_MODELS) > MODEL_CACHE_SIZE:
                    _MODELS.popitem(last=False)
            return model
        finally:
            with _LOCK:
                _BUILD_LOCKS.pop(key, None)


def clear_cache() -> None:
    """Forget every model kept in the process (saved models stay)."""
    with _LOCK:
        _MODELS.clear()


#: Folder of the saved models, under the state folder (``KLYNGE_STATE_DIR``).
SAVED_DIR = "fit"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the analysis modules' source: a saved model is used only by the code that made it."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def saved_path(store: GraphStore, key: tuple) -> Path | None:
    """Where the model of ``key`` (see :func:`model_for`) is saved: ``<state_dir>/fit/<graph>-<version>.pickle``;
    None when it is not saved (no measures run yet, or value-area rules other than the reference ones)."""
    state_dir = getattr(getattr(store, "settings", None), "state_dir", None)
    if state_dir is None or key[3] is not None or not dict(key[1]).get("measures_run"):
        return None
    graph = hashlib.sha256(repr(key[0]).encode()).hexdigest()[:16]
    version = hashlib.sha256(repr((key[1], key[2], _code_digest())).encode()).hexdigest()[:24]
    return Path(state_dir) / SAVED_DIR / f"{graph}-{version}.pickle"


def _read_saved(path: Path, version: tuple) -> FitModel | None:
    """The model saved at ``path`` (written by this program into the state folder), or None when there is none
    or it cannot be read (it is then rebuilt)."""
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)  # noqa: S301 - our own file in the state folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged or outdated file is rebuilt
        log.warning("saved cluster-fit model %s cannot be read (%s); building it again", path, exc)
        return None
    if not isinstance(model, FitModel) or model.version != version:
        log.warning("saved cluster-fit model %s is not the graph's current model; building it again", path)
        return None
    return model


def _save(path: Path, model: FitModel) -> bool:
    """Save ``model`` at ``path`` (atomically) and remove the graph's older saved models; False (logged) when
    the state folder cannot be written."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        graph = path.name.split("-", 1)[0]
        for old in path.parent.glob(f"{graph}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        return True
    except OSError as exc:
        log.warning("cluster-fit model not saved at %s: %s", path, exc)
        tmp.unlink(missing_ok=True)
        return False


def precompute(store: GraphStore) -> dict[str, Any]:
    """Build (or read) the fit model of the graph's current measures run and save it for every process
    (a step of each measures run).

    Returns
    -------
    dict
        ``path``, ``seconds`` (the model's build time), ``candidates`` and ``clusters``.

    Raises
    ------
    ConfigError
        When the graph has no measures run yet or the state folder cannot be written.
    """
    opts = AnalysisOptions()
    key = (store.graph_key, data_version(store), repr(sorted(opts.as_dict().items())), None)
    path = saved_path(store, key)
    if path is None:
        raise ConfigError("the graph has no measures run: nothing to precompute the cluster fit for")
    model = model_for(store, opts)
    if not path.is_file() and not _save(path, model):
        raise ConfigError(f"the cluster-fit model could not be saved at {path} (see the log)")
    return {"path": str(path), "seconds": round(model.build_seconds, 3),
            "candidates": int(model.ctx.candidates.size), "clusters": len(model.cluster_ids)}


def _reference_rules() -> ValueAreaRules | None:
    try:
        return ValueAreaRules.packaged()
    except ConfigError:
        return None


# --- store-reading entry points ---------------------------------------------------------------------


def fit_for_cluster(store: GraphStore, cluster_id: str, region_id: str | None = None, top: int = 50, *,
                    options: AnalysisOptions | None = None, show_names: bool = False,
                    rules: ValueAreaRules | None = None) -> pd.DataFrame:
    """Ranked candidate firms for cluster ``cluster_id`` (id or exact name), in Norway or in ``region_id``.

    Returns
    -------
    pandas.DataFrame
        ``rank`` (among all the cluster's candidates), ``cluster_id``, ``cluster``, ``orgnr``, ``name``,
        ``place`` (municipality), ``score``, one column per part, ``contrib_<part>``, ``details`` (parts, similar
        members, board chains with persons named only when ``show_names``) and ``explanation``.

    Raises
    ------
    ConfigError
        When the cluster or region is unknown or the cluster has no members in the graph.
    """
    model = model_for(store, options, rules)
    cid = model.ctx.resolve(cluster_id)
    if cid not in model.ranked:
        raise ConfigError(f"cluster {cluster_id!r} has no members in the graph; load the cluster member lists "
                          "(`klynge load clusters`) or pick another cluster")
    restrict = None
    if region_id:
        reg = resolve_region(store, region_id)
        restrict = model.ctx.universe.rows(region_units(store, reg.region_id)["orgnr"].astype(str).tolist())
    return finish_table(store, model, cluster_table(model, cid, top, restrict), show_names)


def fit_for_firm(store: GraphStore, orgnr: str, top: int = 10, *, options: AnalysisOptions | None = None,
                 show_names: bool = False, rules: ValueAreaRules | None = None) -> pd.DataFrame:
    """The clusters organisation ``orgnr`` fits best (clusters it is a member of are flagged ``member``
    and scored against their other members); columns as :func:`firm_table` plus ``explanation``."""
    model = model_for(store, options, rules)
    facts = None
    if not model.ctx.universe.rows([str(orgnr)]).size:
        facts = _facts(store, str(orgnr))
    return finish_table(store, model, firm_table(model, str(orgnr), facts, top), show_names)


def _facts(store: GraphStore, orgnr: str) -> pd.DataFrame | None:
    rows = library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": [orgnr]})
    if not rows:
        return None
    f = pd.DataFrame(rows)
    f["county_code"] = f["municipality_code"].map(lambda c: str(c)[:2] if c else None)
    return f


def evaluate(store: GraphStore, *, clusters: str | Sequence[str] = "in", seeds: int = 10, fraction: float = 0.2,
             options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None, **kw: Any):
    """:func:`gds_jobs.analysis.fiteval.evaluate` on the graph as it is now; when the clusters are
    synthetic the notes say how the generator chose their members."""
    from gds_jobs.analysis.fiteval import evaluate as _evaluate

    opts = options or AnalysisOptions()
    data = load_data(store, None, opts)
    ctx = context(data, opts, rules if rules is not None else _reference_rules())
    ev = _evaluate(ctx, clusters=clusters, seeds=seeds, fraction=fraction, **kw)
    ev.notes += synthetic_notes(ctx, synthetic_member_rule(store))
    return ev


def synthetic_notes(ctx: FitContext, member_rule: str | None) -> list[str]:
    """What the evaluation must say on synthetic clusters: the generator's member rule (as the synthetic load
    recorded it, :func:`gds_jobs.analysis.data.synthetic_member_rule`) and its overlap with the score's value
    chains."""
    syn = ctx.clusters["synthetic"].fillna(False).astype(bool) if "synthetic" in ctx.clusters else pd.Series([])
    if not syn.any():
        return []
    rule = member_rule or ("The synthetic generator's member rule is documented in loaders/synth/README.md "
                               "(this graph's synthetic load did not record it).")
    return [f"SYNTHETIC CLUSTERS ({int(syn.sum())} of {len(syn)}): " + rule,
            ("The score does not know these themes. Its value chains come from the shipped value areas "
             "(value_areas.yaml), which overlap some themes (building 41–43 and 71.1, food 01, 03, 10, 11, ICT 62, "
             "63); its related industries are learnt from the clusters in the graph — here, the generator's themes. "
             "Results on synthetic data say how well the score recovers this rule, not how it fares on real "
             "clusters.")]

