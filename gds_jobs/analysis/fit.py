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
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cypher import library
from gds_jobs.analysis.data import AnalysisData, data_version, load_data, person_names, region_units, resolve_region
from gds_jobs.analysis.fitmodel import (
    FitContext,
    Weights,
    context,
    eligible,
    fit_on,
    pool_of,
    split_state,
)
from gds_jobs.analysis.fitparts import (
    NACE_LEVELS,
    PART_NAMES,
    PARTS,
    Coded,
    NetworkState,
    parts,
    relatedness,
)
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.valueareas import ValueAreaRules
from klynge.errors import ConfigError

log = logging.getLogger(__name__)

#: Seeds of the splits the production weights are fitted on.
FIT_SEEDS = 3
MAX_HOPS = 3
SIMILAR_MEMBERS = 3
MAX_CHAINS = 3


@dataclass(eq=False)
class FitModel:
    """Every candidate scored against every cluster, with what explanations need (see module docstring)."""

    ctx: FitContext
    weights: Weights
    cluster_ids: tuple[str, ...]
    state: NetworkState
    related: np.ndarray
    ranked: dict[str, tuple[np.ndarray, np.ndarray]]  # cluster -> (candidate rows, scores), best first
    municipalities: dict[str, str] = field(default_factory=dict)
    version: tuple = ()
    build_seconds: float = 0.0

    @cached_property
    def column(self) -> dict[str, int]:
        """Each cluster's column in the network state."""
        return {c: j for j, c in enumerate(self.cluster_ids)}

    def cluster(self, cluster_id: str) -> dict[str, Any]:
        return self.ctx.info[cluster_id]

    # --- scoring ---------------------------------------------------------------------------------

    def _member_view(self, cluster_id: str, exclude_row: int | None) -> tuple[np.ndarray, NetworkState, int]:
        """The members a candidate is compared with (all but ``exclude_row``) and their network state."""
        members = self.ctx.members.get(cluster_id, np.zeros(0, dtype=np.int64))
        if exclude_row is not None and exclude_row in set(members.tolist()):
            members = members[members != exclude_row]
            return members, split_state(self.ctx, [members]), 0
        return members, self.state, self.column[cluster_id]

    def parts_of(self, cluster_id: str, cand: Coded, exclude_row: int | None = None) -> dict[str, np.ndarray]:
        members, state, col = self._member_view(cluster_id, exclude_row)
        return parts(self.ctx.universe, members, cand, self.ctx.host(cluster_id), state, col, self.related)

    def rank_of(self, cluster_id: str, score: float) -> int:
        """1 + the number of the cluster's candidates scoring higher than ``score``."""
        _, scores = self.ranked[cluster_id]
        return 1 + int(np.count_nonzero(scores > score + 1e-12))

    def candidate_rows(self, cluster_id: str, top: int, restrict: np.ndarray | None = None) -> tuple[np.ndarray,
                                                                                                        np.ndarray]:
        """The best ``top`` candidate rows of a cluster and their scores (within ``restrict`` rows if given)."""
        rows, scores = self.ranked[cluster_id]
        if restrict is not None:
            keep = np.isin(rows, restrict)
            rows, scores = rows[keep], scores[keep]
        return rows[:top], scores[:top]

    # --- explanations ----------------------------------------------------------------------------

    def similar_members(self, cluster_id: str, cand_row: int | None, cand: Coded, orgnr: str,
                        limit: int = SIMILAR_MEMBERS) -> list[dict[str, Any]]:
        """The members most like the candidate, with what they share (module docstring)."""
        u, ctx = self.ctx.universe, self.ctx
        members = ctx.members.get(cluster_id, np.zeros(0, dtype=np.int64))
        members = members[members != cand_row] if cand_row is not None else members
        firms = members[ctx.column["helix"][members] == "industry"]
        members = firms if firms.size else members
        if members.size == 0:
            return []
        depth = np.zeros(members.size, dtype=int)
        for level, (_, length, _) in enumerate(NACE_LEVELS, start=1):
            same = (u.coded.nace[length][members] == cand.nace[length][0]) & (cand.nace[length][0] >= 0)
            depth = np.where(same, level, depth)
        area = (u.coded.area[members] == cand.area[0]) & (cand.area[0] >= 0)
        muni = (u.coded.municipality[members] == cand.municipality[0]) & (cand.municipality[0] >= 0)
        county = (u.coded.county[members] == cand.county[0]) & (cand.county[0] >= 0)
        tied = np.zeros(members.size, dtype=bool)
        pos = cand.net_pos[0]
        if pos >= 0:
            neigh = set(u.net.A[pos].indices.tolist())
            tied = np.array([p in neigh for p in u.coded.net_pos[members]])
        flags = [-(x.astype(int)) for x in (county, area, tied, muni)]
        key = np.lexsort((members, *flags, -depth))  # rows are in orgnr order
        out = []
        codes = ctx.column["nace"]
        for i in key:
            if not (depth[i] or muni[i] or tied[i] or area[i] or county[i]):
                continue
            row = int(members[i])
            reasons: list[dict[str, str]] = []
            if depth[i]:
                name, length, _ = NACE_LEVELS[depth[i] - 1]
                reasons.append({"kind": "nace", "level": name, "code": str(codes[row])[:length]})
            if area[i]:
                aid = u.categories["area"][u.coded.area[row]]
                reasons.append({"kind": "value_chain", "area": u.rules.names().get(aid, aid) if u.rules else aid})
            if muni[i]:
                code = u.categories["municipality"][u.coded.municipality[row]]
                reasons.append({"kind": "municipality", "name": self.municipalities.get(code, code)})
            elif county[i]:
                reasons.append({"kind": "county"})
            if tied[i]:
                reasons.append({"kind": "board"})
            out.append({"orgnr": str(u.orgnr[row]), "name": _text(ctx.names[row]), "reasons": reasons})
            if len(out) >= limit:
                break
        return out

    def chains(self, cluster_id: str, orgnr: str, exclude_row: int | None = None,
               limit: int = MAX_CHAINS) -> list[list[dict[str, str]]]:
        """Board chains from ``orgnr`` to the nearest members: every direct tie (up to ``limit``), else one
        shortest chain of at most :data:`MAX_HOPS` ties. Each step is ``{from, person, to}`` with the
        person's key (replaced by a name or a label before anything is shown)."""
        u = self.ctx.universe
        net = u.net
        pos = net.position(orgnr)
        if pos is None:
            return []
        members, state, col = self._member_view(cluster_id, exclude_row)
        dist = state.dist[:, col]
        if not np.isfinite(dist[pos]) or dist[pos] == 0:
            return []
        member_ids = [str(u.orgnr[r]) for r in members]
        if dist[pos] == 1:
            mine = net.persons_of(orgnr)
            direct = sorted(o for o in net.neighbours(orgnr) if dist[net.position(o)] == 0)
            return [[{"from": orgnr, "person": p, "to": m} for p in sorted(mine & net.persons_of(m))[:2]]
                    for m in direct[:limit]]
        path = net.path_to(orgnr, member_ids, MAX_HOPS, dist)
        return [[{"from": s.a, "person": s.person, "to": s.b} for s in path]] if path else []


def _text(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


# --- building and keeping the model ---------------------------------------------------------------


def build_model(data: AnalysisData, options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None, *,
                seeds: int = FIT_SEEDS, municipalities: dict[str, str] | None = None, version: tuple = ()
                ) -> FitModel:
    """The model of one read (pure): context, weights fitted on the Innovasjon Norge clusters, every
    candidate scored against every cluster with members."""
    t = time.perf_counter()
    ctx = context(data, options, rules)
    in_ids = eligible(ctx, ctx.cluster_ids("in"))
    weights = fit_on(ctx, in_ids, seeds=range(ctx.options.seed, ctx.options.seed + seeds))
    ids = tuple(sorted(ctx.members))
    state = split_state(ctx, [ctx.members[c] for c in ids])
    related = relatedness(ctx.universe, [ctx.members[c] for c in ctx.cluster_ids("in")])
    ranked = {}
    for j, cid in enumerate(ids):
        pool = pool_of(ctx, ctx.members[cid])
        vals = parts(ctx.universe, ctx.members[cid], ctx.universe.take(pool), ctx.host(cid), state, j, related)
        sc = weights.score(vals)
        order = np.lexsort((pool, -sc))  # ties in orgnr order (rows are sorted by orgnr)
        ranked[cid] = (pool[order], sc[order])
    return FitModel(ctx, weights, ids, state, related, ranked, dict(municipalities or {}), version,
                    time.perf_counter() - t)


_MODELS: OrderedDict[tuple, FitModel] = OrderedDict()
_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple, threading.Lock] = {}
MODEL_CACHE_SIZE = 4


def model_for(store: Any, options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None) -> FitModel:
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


def saved_path(store: Any, key: tuple) -> Path | None:
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


def precompute(store: Any) -> dict[str, Any]:
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
        return ValueAreaRules.from_reference()
    except ConfigError:
        return None


# --- tables (pure, on a model) ----------------------------------------------------------------------


def _part_columns(vals: dict[str, np.ndarray], weights: Weights, i: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in PART_NAMES:
        out[p] = float(vals[p][i])
    for p in PART_NAMES:
        out[f"contrib_{p}"] = float(weights.weights.get(p, 0.0) * vals[p][i])
    return out


def part_details(vals: dict[str, np.ndarray], weights: Weights, i: int) -> list[dict[str, Any]]:
    """Every weighted part of row ``i``: name, group, title, value, weight, contribution (largest first)."""
    rows = [{"part": p.name, "group": p.group, "title": p.title, "value": float(vals[p.name][i]),
             "weight": float(weights.weights.get(p.name, 0.0)),
             "contribution": float(weights.weights.get(p.name, 0.0) * vals[p.name][i])}
            for p in PARTS if weights.weights.get(p.name, 0.0)]
    return sorted(rows, key=lambda r: -r["contribution"])


def cluster_table(model: FitModel, cluster_id: str, top: int = 50, restrict: np.ndarray | None = None
                  ) -> pd.DataFrame:
    """Ranked candidates of one cluster with parts, contributions and raw explanation details (pure)."""
    ctx, u = model.ctx, model.ctx.universe
    rows, scores = model.candidate_rows(cluster_id, top, restrict)
    cand = u.take(rows)
    vals = model.parts_of(cluster_id, cand)
    c = model.cluster(cluster_id)
    out = []
    for i, row in enumerate(rows):
        orgnr = str(u.orgnr[row])
        one = u.take(np.array([row]))
        out.append({"rank": model.rank_of(cluster_id, float(scores[i])), "cluster_id": cluster_id,
                    "cluster": _text(c["name"]), "orgnr": orgnr, "name": _text(ctx.names[row]),
                    "place": _muni(model, ctx.column["municipality_code"][row]),
                    "score": float(scores[i]), **_part_columns(vals, model.weights, i),
                    "details": {"parts": part_details(vals, model.weights, i),
                                "similar": model.similar_members(cluster_id, int(row), one, orgnr),
                                "chains": model.chains(cluster_id, orgnr)}})
    cols = ["rank", "cluster_id", "cluster", "orgnr", "name", "place", "score", *PART_NAMES,
            *[f"contrib_{p}" for p in PART_NAMES], "details"]
    df = pd.DataFrame(out, columns=cols)
    df.attrs.update({"title": f"Candidate firms for {c['name'] or cluster_id}",
                     "members": int(ctx.members.get(cluster_id, np.zeros(0)).size),
                     "candidates": int(model.ranked[cluster_id][0].size), "weights": model.weights.describe()})
    return df


def _muni(model: FitModel, code: Any) -> str | None:
    if not isinstance(code, str) or not code:
        return None
    return model.municipalities.get(code, code)


def firm_table(model: FitModel, orgnr: str, facts: pd.DataFrame | None = None, top: int = 10) -> pd.DataFrame:
    """The clusters an organisation fits best (pure): every cluster with members, ordered by the
    organisation's rank among that cluster's candidates, then score.

    ``facts`` (one row with the analysis frame's columns) is needed when the organisation is not in
    the model's universe (e.g. below the population's size).
    """
    ctx, u = model.ctx, model.ctx.universe
    rows = u.rows([orgnr])
    row = int(rows[0]) if rows.size else None
    if row is not None:
        cand = u.take(rows)
    elif facts is not None and len(facts):
        cand = u.encode(facts)
    else:
        raise ConfigError(f"organisation {orgnr} is not in the graph; check the organisation number")
    out, part_values = [], {}
    for cid in model.cluster_ids:
        member = row is not None and row in set(ctx.members[cid].tolist())
        vals = model.parts_of(cid, cand, exclude_row=row if member else None)
        part_values[cid] = vals
        score = float(model.weights.score(vals)[0])
        c = model.cluster(cid)
        out.append({"cluster_id": cid, "name": _text(c["name"]), "level": _text(c["level"]),
                    "programme": _text(c["programme"]), "member": bool(member),
                    "members": int(ctx.members[cid].size), "candidate_rank": model.rank_of(cid, score),
                    "candidates": int(model.ranked[cid][0].size), "score": score,
                    **_part_columns(vals, model.weights, 0)})
    df = pd.DataFrame(out)
    if df.empty:
        return pd.DataFrame(columns=["rank", "orgnr", "cluster_id", "name", "score", "details"])
    df = df.sort_values(["candidate_rank", "score", "cluster_id"], ascending=[True, False, True])
    df = df.head(top).reset_index(drop=True)
    details = []
    for cid, member in zip(df["cluster_id"], df["member"], strict=True):
        details.append({"parts": part_details(part_values[cid], model.weights, 0),
                        "similar": model.similar_members(cid, row, cand, orgnr),
                        "chains": model.chains(cid, orgnr, exclude_row=row if member else None)})
    df.insert(0, "rank", range(1, len(df) + 1))
    df.insert(1, "orgnr", orgnr)
    df["details"] = details
    df.attrs.update({"title": f"Clusters that fit organisation {orgnr}", "weights": model.weights.describe(),
                     "candidate": bool(row is not None and ctx.is_candidate[row])})
    return df


# --- persons and names in explanations --------------------------------------------------------------


def label_persons(table: pd.DataFrame, names: dict[str, str] | None) -> pd.DataFrame:
    """Replace every person key in the explanation chains by a name (``names``: for callers allowed to
    see names) or by "board member N" (numbered per row, in order of appearance; ``person_n`` = N); the
    key is kept only with a name, for a link to the person's page. Never leaves a key for a caller without
    names."""
    if table.empty or "details" not in table:
        return table
    out = []
    for det in table["details"]:
        det = dict(det)
        numbers: dict[str, int] = {}
        chains = []
        for chain in det.get("chains", []):
            steps = []
            for st in chain:
                key = st["person"]
                name = (names or {}).get(key)
                if name:
                    steps.append({"from": st["from"], "to": st["to"], "person": name, "person_key": key,
                                  "person_n": None})
                    continue
                n = numbers.setdefault(key, len(numbers) + 1)
                steps.append({"from": st["from"], "to": st["to"], "person": f"board member {n}", "person_key": None,
                              "person_n": n})
            chains.append(steps)
        det["chains"] = chains
        out.append(det)
    table = table.copy()
    table["details"] = out
    return table


def chain_orgnrs(table: pd.DataFrame) -> set[str]:
    return {o for det in table.get("details", []) for ch in det.get("chains", []) for st in ch
            for o in (st["from"], st["to"])}


def reason_text(r: dict[str, str]) -> str:
    """One reason a member is similar, in words: "same NACE group 71.1", "same municipality (Ringerike)", …"""
    kind = r.get("kind")
    if kind == "nace":
        return f"same NACE {r['level']} {r['code']}"
    if kind == "value_chain":
        return f"same value chain ({r['area']})"
    if kind == "municipality":
        return f"same municipality ({r['name']})"
    if kind == "county":
        return "same county"
    return "shares a board member"


def explanation_text(det: dict[str, Any], names: dict[str, str]) -> str:
    """The explanation in one line (CLI, CSV, report): the largest parts, the most similar member and a chain."""
    bits = [f"{p['title']} {p['contribution']:+.2f}" for p in det.get("parts", [])[:3] if p["contribution"] > 0]
    sim = det.get("similar") or []
    if sim:
        s = sim[0]
        bits.append(f"most like member {s['name'] or s['orgnr']} ({', '.join(map(reason_text, s['reasons']))})")
    chains = det.get("chains") or []
    if chains:
        ch = chains[0]
        words = [names.get(ch[0]["from"], ch[0]["from"])]
        for st in ch:
            words.append(f"— {st['person']} — {names.get(st['to'], st['to'])}")
        bits.append("board chain: " + " ".join(words))
    else:
        bits.append(f"no board chain to a member within {MAX_HOPS} ties")
    return "; ".join(bits)


def finish_table(store: Any, model: FitModel, table: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    """Person labels, organisation names on chains and the one-line explanation."""
    keys = sorted({st["person"] for det in table.get("details", []) for ch in det.get("chains", []) for st in ch})
    names = {k: v for k, v in person_names(store, keys).items() if v} if show_names and keys else None
    table = label_persons(table, names if show_names else None)
    org_names = dict(zip(model.ctx.universe.orgnr, model.ctx.names, strict=True))
    need = sorted(o for o in chain_orgnrs(table) if not _text(org_names.get(o)))
    if need:
        for r in library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": need}):
            org_names[str(r["orgnr"])] = r.get("name")
    shown = {o: (_text(org_names.get(o)) or o) for o in chain_orgnrs(table)}
    if "details" in table:
        details = []
        for det in table["details"]:
            det = dict(det)
            det["chains"] = [[{**st, "from_name": shown[st["from"]], "to_name": shown[st["to"]]} for st in ch]
                             for ch in det.get("chains", [])]
            details.append(det)
        table = table.copy()
        table["details"] = details
        table["explanation"] = [explanation_text(d, shown) for d in details]
    return table


# --- store-reading entry points ---------------------------------------------------------------------


def fit_for_cluster(store: Any, cluster_id: str, region_id: str | None = None, top: int = 50, *,
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


def fit_for_firm(store: Any, orgnr: str, top: int = 10, *, options: AnalysisOptions | None = None,
                 show_names: bool = False, rules: ValueAreaRules | None = None) -> pd.DataFrame:
    """The clusters organisation ``orgnr`` fits best (clusters it is a member of are flagged ``member``
    and scored against their other members); columns as :func:`firm_table` plus ``explanation``."""
    model = model_for(store, options, rules)
    facts = None
    if not model.ctx.universe.rows([str(orgnr)]).size:
        facts = _facts(store, str(orgnr))
    return finish_table(store, model, firm_table(model, str(orgnr), facts, top), show_names)


def _facts(store: Any, orgnr: str) -> pd.DataFrame | None:
    rows = library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": [orgnr]})
    if not rows:
        return None
    f = pd.DataFrame(rows)
    f["county_code"] = f["municipality_code"].map(lambda c: str(c)[:2] if c else None)
    return f


def evaluate(store: Any, *, clusters: str | Sequence[str] = "in", seeds: int = 10, fraction: float = 0.2,
             options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None, **kw: Any):
    """:func:`gds_jobs.analysis.fiteval.evaluate` on the graph as it is now; when the clusters are
    synthetic the notes say how the generator chose their members."""
    from gds_jobs.analysis.fiteval import evaluate as _evaluate

    opts = options or AnalysisOptions()
    data = load_data(store, None, opts)
    ctx = context(data, opts, rules if rules is not None else _reference_rules())
    ev = _evaluate(ctx, clusters=clusters, seeds=seeds, fraction=fraction, **kw)
    ev.notes += synthetic_notes(ctx)
    return ev


def synthetic_notes(ctx: FitContext) -> list[str]:
    """What the evaluation must say on synthetic clusters: the generator's member rule and its overlap
    with the score's value chains."""
    syn = ctx.clusters["synthetic"].fillna(False).astype(bool) if "synthetic" in ctx.clusters else pd.Series([])
    if not syn.any():
        return []
    try:
        from loaders.synth import membership_rule

        rule = membership_rule()
    except ImportError:  # the loaders are not installed with the analyses
        rule = "The synthetic generator's member rule is documented in loaders/synth/README.md."
    return [f"SYNTHETIC CLUSTERS ({int(syn.sum())} of {len(syn)}): " + rule,
            ("The score does not know these themes. Its value chains come from the shipped value areas "
             "(value_areas.yaml), which overlap some themes (building 41–43 and 71.1, food 01, 03, 10, 11, ICT 62, "
             "63); its related industries are learnt from the clusters in the graph — here, the generator's themes. "
             "Results on synthetic data say how well the score recovers this rule, not how it fares on real "
             "clusters.")]

