"""Tables of the cluster fit: a cluster's candidates and a firm's clusters, with each row's parts, most
similar members and board chains, persons named or labelled, and the reasons in words."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cypher import library
from gds_jobs.analysis.data import person_names
from gds_jobs.analysis.fitmodel import (
    Weights,
)
from gds_jobs.analysis.fitscore import MAX_HOPS, FitModel, text_or_none
from gds_jobs.analysis.fitparts import (
    PART_NAMES,
    PARTS,
)
from klynge.errors import ConfigError

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)

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
                    "cluster": text_or_none(c["name"]), "orgnr": orgnr, "name": text_or_none(ctx.names[row]),
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
        out.append({"cluster_id": cid, "name": text_or_none(c["name"]), "level": text_or_none(c["level"]),
                    "programme": text_or_none(c["programme"]), "member": bool(member),
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


def finish_table(store: GraphStore, model: FitModel, table: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    """Person labels, organisation names on chains and the one-line explanation."""
    keys = sorted({st["person"] for det in table.get("details", []) for ch in det.get("chains", []) for st in ch})
    names = {k: v for k, v in person_names(store, keys).items() if v} if show_names and keys else None
    table = label_persons(table, names if show_names else None)
    org_names = dict(zip(model.ctx.universe.orgnr, model.ctx.names, strict=True))
    need = sorted(o for o in chain_orgnrs(table) if not text_or_none(org_names.get(o)))
    if need:
        for r in library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": need}):
            org_names[str(r["orgnr"])] = r.get("name")
    shown = {o: (text_or_none(org_names.get(o)) or o) for o in chain_orgnrs(table)}
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
