"""Roles: board seats, CEOs, auditors, accountants, owner municipalities (roller/totalbestand and per-unit JSON).

A person holder becomes a ``Person`` keyed by a pseudonym: HMAC-SHA256 (key
``KLYNGE_PERSON_KEY``) of the normalised full name (NFKC, casefolded, collapsed
spaces) and the birth date. Only the display name and the birth **year** are
stored; the birth date never reaches the graph. An entity holder (auditor REVI,
accountant REGN, owner municipality EIKM, …) becomes an organisation-to-organisation
``HOLDS_ROLE``; an unknown holder organisation is created with its name.

Set semantics: a unit's roles record replaces that unit's roles. After writing a
unit's roles, every ``HOLDS_ROLE`` into that unit that is not in the record is
deleted, so reruns and updates never leave stale seats; a person left holding no role is
deleted too (nothing is kept about someone the register no longer lists). ``fratraadt`` or
``avregistrert`` make a role inactive (``active = false``).

:func:`apply` is the one path a roles record takes, from the bulk file (:func:`load`) or
from the API (``loaders.sync``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cypher import search
from cypher.statements.roles import ORG_ROLES, PERSON_ROLES, PERSONS, REMOVE_STALE
from loaders.core import (LoadContext, Pos, RowRejected, Source, iter_files, iter_json, row_hash, schema_from_paths,
    to_bool, to_date, to_int, to_text)
from loaders.sources.common import classify_unclassified, drop_orphan_persons, stub_row, write_stubs

SOURCE = Source(
    name="brreg_roles",
    kind="roles",
    title="Brønnøysund roles (board seats, CEOs, auditors)",
    formats=("roller/totalbestand bulk JSON (.json.gz)", "per-unit roles JSON"),
    licence="NLOD 2.0 (person data: pseudonymised; names shown only to logged-in advisors)",
    summary="Roles: bulk roller/totalbestand JSON(.gz) or per-unit roles JSON.",
)

_T = ["type.kode", "type.beskrivelse", "type._links.*"]
KNOWN_PATHS = [
    "organisasjonsnummer", "_links.*",
    *[f"rollegrupper.{p}" for p in _T],
    "rollegrupper.sistEndret", "rollegrupper._links.*",
    *[f"rollegrupper.roller.{p}" for p in _T],
    "rollegrupper.roller.person.fodselsdato", "rollegrupper.roller.person.navn.fornavn",
    "rollegrupper.roller.person.navn.mellomnavn", "rollegrupper.roller.person.navn.etternavn",
    "rollegrupper.roller.person.erDoed", "rollegrupper.roller.person._links.*",
    "rollegrupper.roller.enhet.organisasjonsnummer", "rollegrupper.roller.enhet.organisasjonsform.*",
    "rollegrupper.roller.enhet.navn", "rollegrupper.roller.enhet.erSlettet", "rollegrupper.roller.enhet._links.*",
    "rollegrupper.roller.bostyrer.navn", "rollegrupper.roller.bostyrer.postadresse.*",
    "rollegrupper.roller.bostyrer.erDoed",
    "rollegrupper.roller.valgtAv.kode", "rollegrupper.roller.valgtAv.beskrivelse", "rollegrupper.roller.valgtAv._links.*",
    "rollegrupper.roller.ansvarsandel", "rollegrupper.roller.fratraadt", "rollegrupper.roller.avregistrert",
    "rollegrupper.roller.rekkefolge", "rollegrupper.roller.groupType.*", "rollegrupper.roller._links.*",
]
SCHEMA = schema_from_paths(KNOWN_PATHS)


_ORGNR_IN_HREF = re.compile(r"/enheter/(\d{9})")
_ORGNR_IN_NAME = re.compile(r"(?<!\d)(\d{9})(?!\d)")


def _unit_orgnr(ctx: LoadContext, rec: dict[str, Any], f: Path) -> str:
    if rec.get("organisasjonsnummer") is not None:
        return ctx.orgnr(rec.get("organisasjonsnummer"))  # type: ignore[return-value]
    links = rec.get("_links") or {}
    for k in ("self", "enhet"):
        href = ((links.get(k) or {}).get("href")) if isinstance(links, dict) else None
        m = _ORGNR_IN_HREF.search(href or "")
        if m:
            return ctx.orgnr(m.group(1))  # type: ignore[return-value]
    m = _ORGNR_IN_NAME.search(f.name)
    if m:
        return ctx.orgnr(m.group(1))  # type: ignore[return-value]
    raise RowRejected("organisasjonsnummer", None,
                      "the roles record has no organisasjonsnummer, no _links.self.href and no orgnr in the file name")


def _name(navn: Any) -> str | None:
    if isinstance(navn, dict):
        parts = [navn.get("fornavn"), navn.get("mellomnavn"), navn.get("etternavn")]
        return " ".join(str(p).strip() for p in parts if p and str(p).strip()) or None
    if isinstance(navn, list):
        return " ".join(str(p).strip() for p in navn if p and str(p).strip()) or None
    if isinstance(navn, str):
        return navn.strip() or None
    return None


class _Batch:
    def __init__(self) -> None:
        self.persons: dict[str, list[Any]] = {}
        self.stubs: list[dict[str, Any]] = []
        self.person_roles: list[list[Any]] = []
        self.org_roles: list[list[Any]] = []
        self.units: list[list[Any]] = []
        self.n = 0


def prepare_unit(ctx: LoadContext, rec: dict[str, Any], f: Path, pos: Pos, b: _Batch) -> None:
    """Add one unit's roles to the batch; bad roles are rejected one by one, the rest kept."""
    orgnr = _unit_orgnr(ctx, rec, f)
    groups = rec.get("rollegrupper") or []
    if not isinstance(groups, list):
        raise RowRejected("rollegrupper", groups, "expected a list of role groups")
    rids: list[str] = []
    seen: set[str] = set()
    b.stubs.append(stub_row(ctx, orgnr, None))
    consts = {"source": ctx.source_name, "as_of": ctx.as_of}
    for gi, g in enumerate(groups):
        if not isinstance(g, dict):
            ctx.reject(pos, f"rollegrupper[{gi}]", g, "expected a role group object", file=f)
            continue
        group = to_text((g.get("type") or {}).get("kode"), "rollegrupper.type.kode")
        try:
            changed = to_date(g.get("sistEndret"), "sistEndret")
        except RowRejected as rj:
            ctx.reject(pos, f"rollegrupper[{gi}].sistEndret", rj.value, rj.reason, file=f)
            changed = None
        for ri, r in enumerate(g.get("roller") or []):
            where = f"rollegrupper[{gi}].roller[{ri}]"
            try:
                role_row = _prepare_role(ctx, r, group, where, changed)
            except RowRejected as rj:
                ctx.reject(pos, f"{where}.{rj.field}", rj.value, rj.reason, file=f)
                continue
            kind, holder, role, values, person = role_row
            rid = f"{holder}|{role}"
            if rid in seen:
                ctx.reject(pos, where, rid.split("|")[1],
                           f"duplicate role: the same holder holds {role} twice in unit {orgnr}", file=f)
                continue
            seen.add(rid)
            rids.append(rid)
            row = [holder, orgnr, role, row_hash(values, consts), *values]
            if kind == "person":
                b.persons[holder] = person
                b.person_roles.append(row)
            else:
                b.stubs.append(person)
                b.org_roles.append(row)
            b.n += 1
    b.units.append([orgnr, rids])


def _prepare_role(ctx: LoadContext, r: Any, group: str | None, where: str,
                  changed: str | None = None) -> tuple[str, str, str, list[Any], Any]:
    if not isinstance(r, dict):
        raise RowRejected("", r, "expected a role object")
    role = to_text((r.get("type") or {}).get("kode"), "type.kode")
    if not role:
        raise RowRejected("type.kode", None, "role type code is missing")
    resigned = bool(to_bool(r.get("fratraadt"), "fratraadt"))
    deregistered = bool(to_bool(r.get("avregistrert"), "avregistrert"))
    values = [
        group, to_text((r.get("type") or {}).get("beskrivelse"), "type.beskrivelse"),
        not (resigned or deregistered), resigned,
        to_int(r.get("rekkefolge"), "rekkefolge"),
        to_text((r.get("valgtAv") or {}).get("kode"), "valgtAv.kode"),
        to_text(r.get("ansvarsandel"), "ansvarsandel"), changed,
    ]
    if isinstance(r.get("person"), dict):
        p = r["person"]
        name = _name(p.get("navn"))
        if not name:
            raise RowRejected("person.navn", p.get("navn"), "person holder without a name")
        born = to_date(p.get("fodselsdato"), "person.fodselsdato")
        key = ctx.person_key(name, born)
        text = to_text(name, "person.navn")
        person = [key, None, text, search.name_key(text), int(born[:4]) if born else None,
                  to_bool(p.get("erDoed"), "person.erDoed")]
        person[1] = row_hash(person[2:], {"source": ctx.source_name, "as_of": ctx.as_of})
        return "person", key, role, values, person
    if isinstance(r.get("bostyrer"), dict):
        p = r["bostyrer"]
        name = _name(p.get("navn"))
        if not name:
            raise RowRejected("bostyrer.navn", p.get("navn"), "trustee without a name")
        key = ctx.person_key(name, None)
        text = to_text(name, "bostyrer.navn")
        person = [key, None, text, search.name_key(text), None, to_bool(p.get("erDoed"), "bostyrer.erDoed")]
        person[1] = row_hash(person[2:], {"source": ctx.source_name, "as_of": ctx.as_of})
        return "person", key, role, values, person
    if isinstance(r.get("enhet"), dict):
        e = r["enhet"]
        holder = ctx.orgnr(e.get("organisasjonsnummer"), "enhet.organisasjonsnummer")
        assert holder is not None
        form = e.get("organisasjonsform")
        form = to_text(form.get("kode") if isinstance(form, dict) else form, "enhet.organisasjonsform.kode")
        stub = stub_row(ctx, holder, to_text(_name(e.get("navn")), "enhet.navn"), org_form=form)
        return "org", holder, role, values, stub
    raise RowRejected("", sorted(r), "role has no person, enhet or bostyrer holder")


def flush(ctx: LoadContext, b: _Batch) -> None:
    if not b.units or ctx.dry_run:
        return
    saved = (ctx.stats.created, ctx.stats.updated, ctx.stats.unchanged)
    PERSONS.write(ctx, list(b.persons.values()))
    persons_created = ctx.stats.created - saved[0]
    ctx.extra["persons_created"] = ctx.extra.get("persons_created", 0) + persons_created
    ctx.stats.created, ctx.stats.updated, ctx.stats.unchanged = saved
    write_stubs(ctx, b.stubs)
    params = {"source": ctx.source_name, "as_of": ctx.as_of}
    for q, rows in ((PERSON_ROLES, b.person_roles), (ORG_ROLES, b.org_roles)):
        for i in range(0, len(rows), ctx.batch_size):
            chunk = rows[i:i + ctx.batch_size]
            for r in ctx.store.run(q, {**params, "rows": chunk}):
                setattr(ctx.stats, r["outcome"], getattr(ctx.stats, r["outcome"]) + int(r["n"]))
    res = ctx.store.run(REMOVE_STALE, {"units": b.units})
    ctx.extra["roles_removed"] = ctx.extra.get("roles_removed", 0) + int(res[0]["removed"] if res else 0)


def load(ctx: LoadContext, path: Path) -> None:
    apply(ctx, ((f, doc.pos, doc.value) for f in iter_files(path) for doc in iter_json(f)))


def apply(ctx: LoadContext, items: Iterable[tuple[Path | str, Pos, Any]]) -> None:
    """Validate and write roles records ``(file, pos, record)``, each replacing its unit's roles;
    everything is written when this returns."""
    b = _Batch()
    seen: dict[str, Pos] = {}
    for f, pos, rec in items:
        f = Path(f) if not isinstance(f, Path) else f
        if not isinstance(rec, dict):
            ctx.tick()
            ctx.reject(pos, "-", None, f"expected a roles object, got {type(rec).__name__}", file=f)
            continue
        ctx.audit(rec, SCHEMA, file=f)
        before, before_rej = b.n, ctx.stats.rejected
        try:
            orgnr = _unit_orgnr(ctx, rec, f)
            if orgnr in seen:
                raise RowRejected("organisasjonsnummer", orgnr,
                                  f"duplicate record: roles of {orgnr} already appeared at {seen[orgnr].describe()}")
            seen[orgnr] = pos
            prepare_unit(ctx, rec, f, pos, b)
        except RowRejected as rj:
            ctx.tick()
            ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
            continue
        ctx.tick(b.n - before + ctx.stats.rejected - before_rej)
        if b.n >= ctx.batch_size:
            ctx.submit(flush, ctx, b)
            b, seen = _Batch(), {}
    ctx.drain()
    flush(ctx, b)
    drop_orphan_persons(ctx)
    classify_unclassified(ctx)
