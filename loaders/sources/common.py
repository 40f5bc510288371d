"""Pieces several sources share: Triple Helix classification, organisation stubs, name resolution.

Helix labels are set with literal label text from the fixed set (``Firm``,
``University``, ``ResearchInstitute``, ``PublicBody``, ``Intermediary``,
``OtherOrganization``): one registered statement per label (rows are grouped by
label in Python), and a relabel removes all of them first, so a reclassified
organisation never keeps a stale label.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cypher import search
from cypher.registry import register
from cypher.schema.model import EXTRA_ORG_LABELS, HELIX_LABELS
from klynge.errors import LoadError
from loaders.core import LoadContext, norm_name, to_date

HELIX_LABEL_SET = frozenset(EXTRA_ORG_LABELS)

# The Cypher fragment that (re)labels organisation ``o`` from ``row.label``; only literal labels.
_REMOVE_ALL = "REMOVE o:Firm:University:ResearchInstitute:PublicBody:Intermediary:OtherOrganization"


@functools.lru_cache(maxsize=65536)
def _classify_cached(org_form: str | None, sector: str | None, nace: str | None, version: str,
                     fr_sector: str | None) -> tuple[str, str]:
    from loaders.reference import classify_helix

    return classify_helix(org_form, sector, nace, version, orgnr=None, fr_sector=fr_sector)


_OVERRIDE_SETS: dict[str, frozenset[str]] = {}


def _override_orgnrs() -> frozenset[str]:
    """Orgnrs named in the helix overrides (only these bypass the classification cache).

    Memoised per value of ``KLYNGE_HELIX_OVERRIDES_FILE``, as
    :func:`loaders.reference.helix_overrides` itself caches the files it read per that value.
    """
    from loaders.reference.helix import OVERRIDES_ENV

    extra = os.environ.get(OVERRIDES_ENV, "").strip()
    got = _OVERRIDE_SETS.get(extra)
    if got is None:
        from loaders.reference import helix_overrides

        got = _OVERRIDE_SETS[extra] = frozenset(helix_overrides())
    return got


def overrides_for(ctx: LoadContext) -> frozenset[str]:
    """The override orgnrs, read once per load (the hot paths pass them to :func:`classify`)."""
    got = ctx.__dict__.get("_helix_override_orgnrs")
    if got is None:
        got = ctx.__dict__["_helix_override_orgnrs"] = _override_orgnrs()
    return got


def classify(org_form: str | None, sector: str | None, nace: str | None, version: str,
             orgnr: str | None = None, fr_sector: str | None = None,
             overrides: frozenset[str] | None = None) -> tuple[str, str, str]:
    """``(helix, helix_rule, label)`` through :func:`loaders.reference.classify_helix`.

    ``overrides`` are the orgnrs with a helix override (default: read them now); only
    those bypass the cache of classifications by (form, sector, NACE, version, FR sector).

    Raises
    ------
    LoadError
        When the reference package is not installed (the classification has no fallback).
    """
    try:
        if orgnr and orgnr in (_override_orgnrs() if overrides is None else overrides):
            from loaders.reference import classify_helix

            helix, rule = classify_helix(org_form, sector, nace, version, orgnr=orgnr, fr_sector=fr_sector)
        else:
            helix, rule = _classify_cached(org_form, sector, nace, version, fr_sector)
    except ImportError as exc:
        raise LoadError("the Triple Helix classification needs loaders.reference (reference data); "
                        f"it cannot be imported: {exc}") from exc
    return helix, rule, label_for(helix, rule)


@functools.lru_cache(maxsize=1024)
def label_for(helix: str, rule: str) -> str:
    """The helix label for a (helix, rule) pair, always one of the fixed set."""
    try:
        from loaders.reference import helix_label

        lab = helix_label(helix, rule)
    except (ImportError, TypeError):
        lab = None
    if lab not in HELIX_LABEL_SET:
        lab = HELIX_LABELS.get(helix, "OtherOrganization")
        if helix == "academia" and "institut" in (rule or "").lower():
            lab = "ResearchInstitute"
    return lab


# --------------------------------------------------------------------------- organisation stubs

ORG_STUBS: dict[str, str] = {
    lab: register(f"loaders.common.org_stubs_{lab.lower()}", f"""
UNWIND $rows AS row
OPTIONAL MATCH (x:Organization {{orgnr: row.orgnr}})
WITH row, x
WHERE x IS NULL
CREATE (o:Organization:{lab})
SET o += row.props
""")
    for lab in EXTRA_ORG_LABELS
}
"""Create organisations known only from another source (holder of a role, grant receiver …).

An existing organisation keeps its properties; a new one gets a name, the
source and its classification from what that source knows.
"""


def stub_row(ctx: LoadContext, orgnr: str, name: str | None, *, org_form: str | None = None,
             fr_sector: str | None = None, municipality_code: str | None = None) -> dict[str, Any]:
    helix, rule, label = classify(org_form, None, None, "SN2025", orgnr=orgnr, fr_sector=fr_sector,
                                  overrides=overrides_for(ctx))
    props = {"orgnr": orgnr, "name": name, "name_key": search.name_key(name), "org_form": org_form,
             "source": ctx.source_name,
             "as_of": ctx.as_of, "helix": helix, "helix_rule": rule}
    if municipality_code:
        props["municipality_code"] = municipality_code
    if ctx.synthetic:
        props["synthetic"] = True
    return {"orgnr": orgnr, "props": {k: v for k, v in props.items() if v is not None},
            "helix": helix, "helix_rule": rule, "label": label}


MISSING_ORGS = register("loaders.common.missing_orgs", """
UNWIND $keys AS k
OPTIONAL MATCH (x:Organization {orgnr: k})
WITH k, x
WHERE x IS NULL
RETURN collect(k) AS missing
""")
"""Which of the given orgnrs have no organisation yet (a read, so only those stubs are sent)."""


def write_stubs(ctx: LoadContext, rows: Iterable[Mapping[str, Any]]) -> None:
    """Create the organisations of ``rows`` (:func:`stub_row`) that do not exist yet.

    Most holders and grant receivers are already loaded; one read finds the missing
    ones, and only their property maps are sent (``ORG_STUBS`` checks again, so a stub
    is never created twice).
    """
    uniq: dict[str, Mapping[str, Any]] = {}
    for r in rows:
        uniq.setdefault(r["orgnr"], r)
    if not uniq or ctx.dry_run:
        return
    ctx.drain()
    res = ctx.store.read(MISSING_ORGS, {"keys": list(uniq)})
    missing = set(res[0]["missing"]) if res else set(uniq)
    uniq = {k: v for k, v in uniq.items() if k in missing}
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in uniq.values():
        groups.setdefault(r["label"], []).append({"orgnr": r["orgnr"], "props": r["props"]})
    for lab, rs in groups.items():
        ctx.execute(ORG_STUBS[lab], rs)


def feed_action(ctx: LoadContext, raw: Mapping[str, Any]) -> tuple[str | None, str, str | None]:
    """An update-feed item (``oppdateringer/enheter`` or ``/underenheter``) as ``(action, orgnr, date)``.

    ``action`` is ``"remove"`` for ``endringstype`` Fjernet (removed on legal grounds: delete the
    copy), ``"delete"`` for Sletting (deleted: keep, inactive) and None for the others (Ny, Endring:
    the item only says to fetch the unit again). Raises ``RowRejected`` for a bad orgnr or date.
    """
    orgnr = ctx.orgnr(raw.get("organisasjonsnummer"))
    assert orgnr is not None
    kind = str(raw.get("endringstype") or "").lower()
    date = to_date(str(raw.get("dato") or "")[:10] or None, "dato")
    return {"fjernet": "remove", "sletting": "delete"}.get(kind), orgnr, date


ORPHAN_PERSONS = register("loaders.common.drop_orphan_persons", """
MATCH (p:Person)
OPTIONAL MATCH (p)-[r]-()
WITH p, count(r) AS degree
WHERE degree = 0
DELETE p
RETURN count(*) AS n
""")
"""Persons left without any relationship (every role they held was removed)."""


def drop_orphan_persons(ctx: LoadContext) -> int:
    """Delete persons who hold no role any more; returns how many.

    A person exists in the graph only as the holder of a role: once a unit's newer record
    no longer lists them anywhere, or their units were removed, nothing about them is kept
    (data minimisation), and the graph equals a fresh load of the newer data. The sweep
    reads the graph as it is, so a load killed between removing roles and this step
    catches up on its rerun.
    """
    if ctx.dry_run:
        return 0
    ctx.drain()
    res = ctx.store.run(ORPHAN_PERSONS)
    n = int(res[0]["n"]) if res else 0
    ctx.extra["persons_removed"] = ctx.extra.get("persons_removed", 0) + n
    return n


# --------------------------------------------------------------------------- name resolution

ORG_BY_ORGNR = register("loaders.common.org_names_by_orgnr", """
UNWIND $orgnrs AS k
MATCH (o:Organization {orgnr: k})
RETURN o.orgnr AS orgnr, o.name AS name
""")


def name_key(name: str) -> str:
    """The comparison form of an organisation name: :func:`cypher.search.name_key` (the key the
    graph stores and every search folds to), "" for an empty name."""
    return search.name_key(name) or ""


@dataclass(frozen=True)
class Resolution:
    name: str
    status: str  # matched | confirmed | ambiguous | unmatched
    orgnr: str | None
    matched_name: str | None
    score: float | None
    candidates: tuple[tuple[str, str, float], ...] = ()


class NameResolver:
    """Resolve organisation names to orgnrs by fuzzy matching against loaded Organization names.

    Candidates come from the store's fulltext index on ``Organization.name`` (one
    prefix query per name token), scored with rapidfuzz ``token_sort_ratio`` on
    :func:`name_key` forms. A name is *matched* when the best score is at least
    ``accept`` and beats the runner-up by ``margin``; *ambiguous* when it scores
    at least ``review`` but is not clear; otherwise *unmatched*. A confirmations
    file (CSV ``name,orgnr``) overrides everything: a confirmed name is linked
    as given (an empty orgnr there means "no match, stop asking").
    """

    def __init__(self, ctx: LoadContext, confirmations: Path | None, *, accept: float = 90.0,
                 review: float = 70.0, margin: float = 4.0) -> None:
        self.ctx = ctx
        self.accept = accept
        self.review = review
        self.margin = margin
        self.confirmed: dict[str, str | None] = {}
        self.confirmations_path = confirmations
        self.results: list[Resolution] = []
        self._cache: dict[str, Resolution] = {}
        if confirmations is not None and confirmations.exists():
            self._read_confirmations(confirmations)

    def _read_confirmations(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                fields = {f.lower() for f in (reader.fieldnames or [])}
                if not {"name", "orgnr"} <= fields:
                    raise LoadError(f"confirmations file {path} must have the columns name,orgnr; "
                                    f"it has {', '.join(reader.fieldnames or [])}")
                for i, r in enumerate(reader, 2):
                    r = {k.lower(): (v or "").strip() for k, v in r.items() if k}
                    if not r.get("name"):
                        continue
                    o = r.get("orgnr") or None
                    if o is not None:
                        try:
                            o = self.ctx.orgnr(o, "orgnr")
                        except Exception as exc:  # RowRejected
                            raise LoadError(f"confirmations file {path} line {i}: orgnr {o!r} is not a valid "
                                            "organisation number; fix or empty it") from exc
                    self.confirmed[name_key(r["name"])] = o
        except UnicodeDecodeError as exc:
            raise LoadError(f"confirmations file {path} is not UTF-8 ({exc}); save it as UTF-8") from exc

    def _candidates(self, name: str) -> list[tuple[str, str]]:
        from cypher import dialect

        if self.ctx.store is None:
            return []
        backend = self.ctx.store.backend
        out: dict[str, str] = {}
        for tok in dict.fromkeys(t for t in dialect.fulltext_terms(name_key(name)) if len(t) >= 3):
            q = dialect.fulltext_query(backend, tok)
            if not q:
                continue
            rows = self.ctx.store.read(dialect.fulltext_statement(backend), {
                "index": dialect.fulltext_index(backend, "Organization"), "q": q, "limit": 200})
            for r in rows:
                node = r["node"]
                if node.get("name"):
                    out[node["orgnr"]] = node["name"]
        return list(out.items())

    def resolve(self, name: str) -> Resolution:
        key = name_key(name)
        if key in self._cache:
            return self._cache[key]
        if key in self.confirmed:
            o = self.confirmed[key]
            res = Resolution(name, "confirmed" if o else "unmatched", o, None, 100.0 if o else None)
        else:
            res = self._fuzzy(name, key)
        self._cache[key] = res
        self.results.append(res)
        return res

    def _fuzzy(self, name: str, key: str) -> Resolution:
        from rapidfuzz import fuzz

        scored = []
        for orgnr, cand in self._candidates(name):
            s = fuzz.token_sort_ratio(key, name_key(cand))
            s = max(s, fuzz.ratio(norm_name(name), norm_name(cand)))
            scored.append((orgnr, cand, float(round(s, 1))))
        scored.sort(key=lambda t: (-t[2], t[0]))
        top = tuple(scored[:5])
        if not scored or scored[0][2] < self.review:
            return Resolution(name, "unmatched", None, None, scored[0][2] if scored else None, top)
        best = scored[0]
        runner = scored[1][2] if len(scored) > 1 else 0.0
        if best[2] >= self.accept and best[2] - runner >= self.margin:
            return Resolution(name, "matched", best[0], best[1], best[2], top)
        return Resolution(name, "ambiguous", None, None, best[2], top)

    def write_review(self, path: Path) -> Path:
        """Write the review file (CSV): status, name, orgnr, matched name, score, candidates."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["status", "name", "orgnr", "matched_name", "score", "candidates"])
            order = {"unmatched": 0, "ambiguous": 1, "matched": 2, "confirmed": 3}
            for r in sorted(self.results, key=lambda r: (order[r.status], r.name)):
                cands = "; ".join(f"{o} {n} ({s:g})" for o, n, s in r.candidates)
                w.writerow([r.status, r.name, r.orgnr or "", r.matched_name or "",
                            "" if r.score is None else f"{r.score:g}", cands])
        return path


def sidecar(path: Path, suffix: str, override: Any, ctx: LoadContext) -> Path:
    """A file next to the input (``<stem><suffix>``), or ``override``; falls back to the reject
    directory when the input's directory is not writable."""
    if override:
        return Path(override)
    stem = path.name
    for ext in (".gz", ".yaml", ".yml", ".csv", ".json"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    candidate = path.parent / f"{stem}{suffix}"
    import os
    import stat

    mode = path.parent.stat().st_mode
    if os.access(path.parent, os.W_OK) and mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return candidate
    return ctx._reject_location().parent / f"{stem}{suffix}"


# --------------------------------------------------------------------------- classify stubs

UNCLASSIFIED = register("loaders.common.unclassified", """
MATCH (o:Organization)
WHERE o.helix IS NULL
RETURN o.orgnr AS orgnr, o.org_form AS org_form, o.sector_code AS sector, o.nace1 AS nace,
       o.nace_version AS version, o.fr_sector AS fr_sector
""")

CLASSIFY: dict[str, str] = {
    lab: register(f"loaders.common.classify_{lab.lower()}", f"""
UNWIND $rows AS row
MATCH (o:Organization {{orgnr: row[0]}})
SET o.helix = row[1], o.helix_rule = row[2]
{_REMOVE_ALL}
SET o:{lab}
""")
    for lab in EXTRA_ORG_LABELS
}


def classify_unclassified(ctx: LoadContext) -> int:
    """Classify every organisation that has no helix yet (stubs made by other sources); returns how many."""
    if ctx.dry_run:
        return 0
    ctx.drain()
    rows = ctx.store.read(UNCLASSIFIED)
    groups: dict[str, list[list[str]]] = {}
    for r in rows:
        helix, rule, label = classify(r["org_form"], r["sector"], r["nace"], r["version"] or "SN2025",
                                      orgnr=r["orgnr"], fr_sector=r["fr_sector"])
        groups.setdefault(label, []).append([r["orgnr"], helix, rule])
    for lab, rs in groups.items():
        for i in range(0, len(rs), ctx.batch_size):
            ctx.store.run(CLASSIFY[lab], {"rows": rs[i:i + ctx.batch_size]})
    return len(rows)
