"""Clusters (Norwegian Innovation Clusters: Arena, Arena Pro, GCE, NCE) and SIVA incubators/business gardens.

Input: YAML ``{clusters: [{name, level, programme?, since?, until?, host_county?, host_orgnr?, url?,
cluster_id?, members: [{orgnr?|name?, role?, since?, until?}]}]}`` or a CSV with one row per member
(``cluster_name, level, programme, since, until, host_county, host_orgnr, url, member_orgnr,
member_name, member_role, member_since, member_until``). ``programme`` is ``NIC`` (default) or
``SIVA``. ``cluster_id`` defaults to a slug of the name.

Members given by name are resolved to orgnrs by fuzzy matching (rapidfuzz) against the
loaded ``Organization`` names: a review file (matched with score, ambiguous, unmatched) is
written next to the input (or to ``review_out``), and a confirmations file (CSV
``name,orgnr``; default ``<input>.confirmations.csv``) is read back on the next load.
A cluster's member list replaces its previous one (set semantics).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from cypher import search
from klynge.errors import LoadError
from cypher.statements.clusters import MEMBERS, NODES, REMOVE_STALE
from loaders.core import LoadContext, Pos, RowRejected, Source, row_hash, to_int, to_text
from loaders.declarations import NAME_MATCHING_OPTIONS
from loaders.sources.common import classify_unclassified, stub_row, write_stubs
from loaders.sources.names import NameResolver

SOURCE = Source(
    name="clusters",
    kind="clusters",
    title="Cluster and SIVA programme memberships (curated YAML or CSV)",
    formats=("YAML", "CSV, one row per member"),
    licence="curated by the project from public web pages",
    summary="Clusters and their members (YAML or CSV); names are matched to orgnr with a review file.",
    options=NAME_MATCHING_OPTIONS,
)

LEVELS = {"arena": "Arena", "arena pro": "Arena Pro", "gce": "GCE", "nce": "NCE",
          "inkubator": "Inkubator", "incubator": "Inkubator", "næringshage": "Næringshage",
          "business garden": "Næringshage"}
PROGRAMMES = {"NIC": "Norwegian Innovation Clusters (Innovasjon Norge, Siva, Forskningsrådet)",
              "SIVA": "Siva næringshage- og inkubasjonsprogrammet"}


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "O").replace("æ", "ae")
                              .replace("Æ", "Ae").replace("å", "a").replace("Å", "A"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


#: In a CSV file, the column a user must fix for each field of the cluster and member documents.
CSV_CLUSTER_FIELDS = {"name": "cluster_name"}
CSV_MEMBER_FIELDS = {"name": "member_name", "orgnr": "member_orgnr", "role": "member_role",
                     "since": "member_since", "until": "member_until"}


def _is_yaml(path: Path) -> bool:
    return path.name.lower().endswith((".yaml", ".yml"))


def _read(ctx: LoadContext, path: Path) -> list[tuple[Pos, dict[str, Any]]]:
    """Cluster documents with their members; the file is small (a curated list), read whole."""
    if _is_yaml(path):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise LoadError(f"cannot read {path}: {exc}; fix the YAML") from exc
        items = (doc or {}).get("clusters") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise LoadError(f"{path}: expected a top-level 'clusters:' list")
        return [(Pos(record=i), c) for i, c in enumerate(items, 1)]
    header, rows, _ = ctx.open_csv(path)
    ctx.audit_columns(header, ("cluster_id", "cluster_name", "level", "programme", "since", "until", "host_county",
                               "host_orgnr", "url", "member_orgnr", "member_name", "member_role", "member_since",
                               "member_until"), file=path)
    out: dict[str, tuple[Pos, dict[str, Any]]] = {}
    for r in rows:
        if "__error__" in r.values:
            ctx.tick()
            ctx.reject(r.pos, "-", None, r.values["__error__"])
            continue
        v = {k.lower(): (x or "").strip() for k, x in r.values.items()}
        key = v.get("cluster_id") or v.get("cluster_name") or ""
        if key not in out:
            out[key] = (r.pos, {"cluster_id": v.get("cluster_id") or None, "name": v.get("cluster_name"),
                                "level": v.get("level"), "programme": v.get("programme") or None,
                                "since": v.get("since") or None, "until": v.get("until") or None,
                                "host_county": v.get("host_county") or None,
                                "host_orgnr": v.get("host_orgnr") or None, "url": v.get("url") or None,
                                "members": []})
        if v.get("member_orgnr") or v.get("member_name"):
            out[key][1]["members"].append({"orgnr": v.get("member_orgnr") or None, "name": v.get("member_name") or None,
                                           "role": v.get("member_role") or None,
                                           "since": v.get("member_since") or None,
                                           "until": v.get("member_until") or None, "_pos": r.pos})
    return list(out.values())


def load(ctx: LoadContext, path: Path) -> None:
    if path.is_dir():
        raise LoadError(f"{path} is a directory; give one clusters YAML or CSV file")
    resolver = NameResolver.for_input(ctx, path)
    consts = ctx.provenance
    cluster_rows: list[list[Any]] = []
    member_rows: list[list[Any]] = []
    stubs: list[dict[str, Any]] = []
    sets: list[list[Any]] = []
    seen: dict[str, Pos] = {}
    yaml_doc = _is_yaml(path)  # rejects name YAML keys, or the CSV columns the user must fix
    for pos, c in _read(ctx, path):
        ctx.tick()
        try:
            row, members = _cluster(ctx, c)
            if row[0] in seen:
                raise RowRejected("cluster_id", row[0], f"duplicate cluster: {row[0]} already appeared at "
                                  f"{seen[row[0]].describe()}; give the clusters distinct names or cluster_id")
        except RowRejected as rj:
            ctx.reject(pos, rj.field if yaml_doc else CSV_CLUSTER_FIELDS.get(rj.field, rj.field), rj.value, rj.reason)
            continue
        seen[row[0]] = pos
        cluster_rows.append(row)
        keep: list[str] = []
        for i, m in enumerate(members, 1):
            ctx.tick()
            mpos = m.pop("_pos", None) or Pos(record=pos.record, line=None)
            try:
                orgnr, score, name = _member(ctx, resolver, m)
            except RowRejected as rj:
                field = f"members[{i}].{rj.field}" if yaml_doc else CSV_MEMBER_FIELDS.get(rj.field, rj.field)
                ctx.reject(mpos, field, rj.value, rj.reason)
                continue
            if orgnr is None:
                continue  # unresolved name: listed in the review file
            if orgnr in keep:
                ctx.reject(mpos, f"members[{i}]", m.get("orgnr") or m.get("name"),
                           f"duplicate member {orgnr} of cluster {row[0]}")
                continue
            keep.append(orgnr)
            if m.get("orgnr"):
                stubs.append(stub_row(ctx, orgnr, name))
            values = [to_int(m.get("since"), "since"), to_int(m.get("until"), "until"),
                      to_text(m.get("role"), "role"), score]
            member_rows.append([orgnr, row[0], row_hash(values, consts), *values])
        sets.append([row[0], keep])
    if ctx.dry_run:
        return
    write_stubs(ctx, stubs)
    NODES.write(ctx, cluster_rows)
    for r in ctx.store.run(MEMBERS, {"rows": member_rows, "source": ctx.source_name}) if member_rows else []:
        setattr(ctx.stats, r["outcome"], getattr(ctx.stats, r["outcome"]) + int(r["n"]))
    res = ctx.store.run(REMOVE_STALE, {"clusters": sets}) if sets else []
    ctx.extra["members_removed"] = int(res[0]["removed"]) if res else 0
    classify_unclassified(ctx)
    resolver.finish(path, "member name(s)")


def _cluster(ctx: LoadContext, c: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    if not isinstance(c, dict):
        raise RowRejected("-", c, "expected a cluster mapping")
    name = to_text(c.get("name"), "name")
    if not name:
        raise RowRejected("name", None, "cluster name is missing")
    level_raw = to_text(c.get("level"), "level")
    level = LEVELS.get((level_raw or "").strip().lower())
    if level is None:
        raise RowRejected("level", level_raw, f"unknown level; expected one of {', '.join(sorted(set(LEVELS.values())))}")
    programme = (to_text(c.get("programme"), "programme") or ("SIVA" if level in ("Inkubator", "Næringshage")
                                                                else "NIC")).upper()
    if programme not in PROGRAMMES:
        raise RowRejected("programme", programme, "expected NIC or SIVA")
    county = to_text(c.get("host_county"), "host_county")
    if county is not None and not re.fullmatch(r"\d{2}", county.strip()):
        raise RowRejected("host_county", county, "expected a two-digit county number (e.g. '34')")
    host = ctx.orgnr(c.get("host_orgnr"), "host_orgnr", required=False)
    cid = to_text(c.get("cluster_id"), "cluster_id") or slug(name)
    values = [name, search.name_key(name), level, programme, to_int(c.get("since"), "since"), to_int(c.get("until"), "until"),
              county, host, to_text(c.get("url"), "url")]
    consts = ctx.provenance
    pid = f"{programme}:{level}"
    members = c.get("members") or []
    if not isinstance(members, list):
        raise RowRejected("members", members, "expected a list of members")
    members = [m if isinstance(m, dict) else {"name": m} if isinstance(m, str) else {"orgnr": m} for m in members]
    return [cid, row_hash([values, pid], consts), *values, pid, level, PROGRAMMES[programme]], members


def _member(ctx: LoadContext, resolver: NameResolver, m: dict[str, Any]) -> tuple[str | None, float | None, str | None]:
    name = to_text(m.get("name"), "name")
    if m.get("orgnr") is not None and str(m.get("orgnr")).strip():
        return ctx.orgnr(str(m["orgnr"]).strip(), "orgnr"), None, name
    if not name:
        raise RowRejected("name", None, "member has neither orgnr nor name")
    res = resolver.resolve(name)
    return res.orgnr, res.score, name
