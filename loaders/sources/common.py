"""Pieces several sources share: Triple Helix classification, organisation stubs, feed actions, side files
(name matching is in :mod:`loaders.sources.names`).

Helix labels are set with literal label text from the fixed set (``Firm``,
``University``, ``ResearchInstitute``, ``PublicBody``, ``Intermediary``,
``OtherOrganization``): one registered statement per label (rows are grouped by
label in Python), and a relabel removes all of them first, so a reclassified
organisation never keeps a stale label.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cypher import search
from cypher.statements.shared import CLASSIFY, MISSING_ORGS, ORG_STUBS, ORPHAN_PERSONS, UNCLASSIFIED
from cypher.schema.model import EXTRA_ORG_LABELS, HELIX_LABELS
from klynge.config import read_setting
from klynge.errors import LoadError
from loaders.core import LoadContext, to_date

HELIX_LABEL_SET = frozenset(EXTRA_ORG_LABELS)


@functools.lru_cache(maxsize=65536)
def _classify_cached(org_form: str | None, sector: str | None, nace: str | None, version: str,
                     fr_sector: str | None) -> tuple[str, str]:
    from klynge.reference import classify_helix

    return classify_helix(org_form, sector, nace, version, orgnr=None, fr_sector=fr_sector)


_OVERRIDE_SETS: dict[str, frozenset[str]] = {}


def _override_orgnrs() -> frozenset[str]:
    """Orgnrs named in the helix overrides (only these bypass the classification cache).

    Memoised per value of ``KLYNGE_HELIX_OVERRIDES_FILE``, as
    :func:`klynge.reference.helix_overrides` itself caches the files it read per that value.
    """
    extra = str(read_setting("helix_overrides_file") or "")
    got = _OVERRIDE_SETS.get(extra)
    if got is None:
        from klynge.reference import helix_overrides

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
    """``(helix, helix_rule, label)`` through :func:`klynge.reference.classify_helix`.

    ``overrides`` are the orgnrs with a helix override (default: read them now); only
    those bypass the cache of classifications by (form, sector, NACE, version, FR sector).

    Raises
    ------
    LoadError
        When the reference package is not installed (the classification has no fallback).
    """
    try:
        if orgnr and orgnr in (_override_orgnrs() if overrides is None else overrides):
            from klynge.reference import classify_helix

            helix, rule = classify_helix(org_form, sector, nace, version, orgnr=orgnr, fr_sector=fr_sector)
        else:
            helix, rule = _classify_cached(org_form, sector, nace, version, fr_sector)
    except ImportError as exc:
        raise LoadError("the Triple Helix classification needs klynge.reference (reference data); "
                        f"it cannot be imported: {exc}") from exc
    return helix, rule, label_for(helix, rule)


@functools.lru_cache(maxsize=1024)
def label_for(helix: str, rule: str) -> str:
    """The helix label for a (helix, rule) pair, always one of the fixed set."""
    try:
        from klynge.reference import helix_label

        lab = helix_label(helix, rule)
    except (ImportError, TypeError):
        lab = None
    if lab not in HELIX_LABEL_SET:
        lab = HELIX_LABELS.get(helix, "OtherOrganization")
        if helix == "academia" and "institut" in (rule or "").lower():
            lab = "ResearchInstitute"
    return lab


# --------------------------------------------------------------------------- organisation stubs


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
    import stat

    mode = path.parent.stat().st_mode
    if os.access(path.parent, os.W_OK) and mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return candidate
    return ctx._reject_location().parent / f"{stem}{suffix}"


# --------------------------------------------------------------------------- classify stubs


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
