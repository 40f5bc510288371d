"""Enhetsregisteret main units: bulk JSON (.json.gz array), bulk CSV (.csv.gz), per-unit JSON and HAL pages.

Every unit becomes an ``Organization`` with its Triple Helix classification, a
``LOCATED_IN`` link to its business-address municipality and ``IN_INDUSTRY``
links to its NACE codes (rank 1–3). Deleted units (``slettedato``, or an update-feed
item with ``endringstype`` Sletting) are kept and marked ``active = false`` with
``status`` deleted. A unit the register has removed on legal grounds (update-feed
``endringstype`` Fjernet; HTTP 410 from the API in ``klynge sync brreg``) is deleted
with its roles, its links and its accounts, as Brønnøysund asks of every copy
(:func:`remove_units`).

With the ``snapshot=True`` option (a complete bulk file), units loaded from an earlier,
older file of the same source that this file no longer lists are marked inactive with
status ``unlisted``: the bulk file leaves out deleted and removed units alike, so the
file alone cannot tell which; ``klynge sync brreg`` asks the register per unit.

:func:`apply` is the one path a unit record takes, from a bulk file (:func:`load`) or
from the API (``loaders.sync``).

The bulk CSV is read by header name through lower-cased names, so added columns
(55 → 90 between 2024 and 2026) do not shift anything; unknown columns are
reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cypher import search
from cypher.statements.units import MARK_INACTIVE, MARK_UNLISTED, NODES, REMOVE_UNITS
from loaders.core import (BATCH_SIZE, LoadContext, Pos, RowRejected, Source, iter_files, iter_json, row_hash,
    schema_from_paths, to_bool, to_date, to_int, to_text)
from loaders.declarations import SourceOption
from loaders.sources.brreg_fields import ADDR_FIELDS, CODE_FIELDS, MUN_RE, NACE_RE, coded, is_csv, nace_version_for
from loaders.sources.common import classify, classify_unclassified, drop_orphan_persons, feed_action, \
    overrides_for

SOURCE = Source(
    name="brreg_units",
    kind="units",
    title="Enhetsregisteret main units (Brønnøysundregistrene)",
    formats=("bulk JSON array (.json.gz)", "bulk CSV (.csv.gz)", "per-unit JSON", "HAL search page",
             "update feed items"),
    licence="NLOD 2.0 (ENK names are personal data)",
    summary="Enhetsregisteret main units: bulk JSON(.gz), bulk CSV(.gz) or per-unit API JSON.",
    options=(SourceOption("snapshot", "The file is a full register: units missing from it are marked removed."),),
)

KNOWN_PATHS: list[str] = [
    "organisasjonsnummer", "navn", "respons_klasse", "_links.*",
    *[f"organisasjonsform.{c}" for c in CODE_FIELDS],
    *[f"naeringskode{i}.{c}" for i in (1, 2, 3) for c in CODE_FIELDS],
    *[f"hjelpeenhetskode.{c}" for c in CODE_FIELDS],
    *[f"institusjonellSektorkode.{c}" for c in CODE_FIELDS],
    *[f"forretningsadresse.{c}" for c in ADDR_FIELDS],
    *[f"postadresse.{c}" for c in ADDR_FIELDS],
    "antallAnsatte", "harRegistrertAntallAnsatte", "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoAntallAnsatteNAVAaregisteret", "hjemmeside", "epostadresse", "telefon", "mobil",
    "stiftelsesdato", "registreringsdatoEnhetsregisteret", "registrertIMvaregisteret",
    "registrertIForetaksregisteret", "registrertIStiftelsesregisteret", "registrertIFrivillighetsregisteret",
    "registrertIPartiregisteret", "registreringsdatoMerverdiavgiftsregisteret",
    "registreringsdatoMerverdiavgiftsregisteretEnhetsregisteret",
    "registreringsdatoFrivilligMerverdiavgiftsregisteret", "registreringsdatoForetaksregisteret",
    "registreringsdatoFrivillighetsregisteret", "registreringsdatoPartiregisteret",
    "frivilligMvaRegistrertBeskrivelser", "sisteInnsendteAarsregnskap", "konkurs", "konkursdato",
    "underAvvikling", "underAvviklingDato", "underTvangsavviklingEllerTvangsopplosning",
    "tvangsopplostPgaManglendeDagligLederDato", "tvangsopplostPgaManglendeRevisorDato",
    "tvangsopplostPgaManglendeRegnskapDato", "tvangsopplostPgaMangelfulltStyreDato",
    "tvangsavvikletPgaManglendeSlettingDato", "underRekonstruksjonsforhandlingDato",
    "underUtenlandskInsolvensbehandlingDato", "slettedato", "overordnetEnhet", "erIKonsern",
    "historiskeNavn.navn", "historiskeNavn.fraDato", "historiskeNavn.tilDato",
    "kapital.belop", "kapital.antallAksjer", "kapital.type", "kapital.valuta", "kapital.innfortDato",
    "kapital.innbetalt", "kapital.bundet", "kapital.fulltInnbetalt", "maalform", "vedtektsdato",
    "vedtektsfestetFormaal", "aktivitet", "paategninger.infotype", "paategninger.tekst",
    "paategninger.innfoertDato", "fravalgRevisjonDato", "fravalgRevisjonBeslutningsDato",
    "registreringsnummerIHjemlandet", "utenlandskRegisterNavn", "utenlandskRegisterAdresse.adresse",
    "utenlandskRegisterAdresse.land", "utenlandskRegisterAdresse.poststed", "underlagtLovgivningLand",
    "underlagtLovgivningLandKode", "foretaksformIHjemlandet.kode", "foretaksformIHjemlandet.beskrivelse",
    "foretaksformIHjemlandet.beskrivelseBokmaal",
    # the update feed (oppdateringer/enheter)
    "oppdateringsid", "dato", "endringstype", "endringer",
]
SCHEMA = schema_from_paths(KNOWN_PATHS)
# CSV headers seen in the bulk file (lower-cased compare); the CSV spells a few differently.
KNOWN_COLUMNS = {p.lower() for p in KNOWN_PATHS} | {
    "registreringsdatoantallansattenavaaregisteret", "registrertimvaregisteret", "registreringsdatoienhetsregisteret",
    "paategninger", "historiskenavn", "utenlandskregisteradresse.adresse",
}


def unit_status(get: Callable[[str], Any]) -> tuple[str, bool, str | None]:
    deleted = to_date(get("slettedato"), "slettedato")
    if deleted:
        return "deleted", False, deleted
    if to_bool(get("konkurs"), "konkurs"):
        return "bankrupt", True, None
    if to_bool(get("underTvangsavviklingEllerTvangsopplosning"), "underTvangsavviklingEllerTvangsopplosning"):
        return "forced_dissolution", True, None
    if to_bool(get("underAvvikling"), "underAvvikling"):
        return "liquidation", True, None
    return "active", True, None


_NACE_PATHS = ("naeringskode1.kode", "naeringskode2.kode", "naeringskode3.kode")


def prepare(ctx: LoadContext, get: Callable[[str], Any], version: str) -> dict[str, Any]:
    """Turn one unit (JSON paths or CSV columns through ``get``) into a row for :data:`UPSERT`."""
    orgnr = ctx.orgnr(get("organisasjonsnummer"))
    assert orgnr is not None
    status, active, deleted = unit_status(get)
    org_form = to_text(get("organisasjonsform.kode"), "organisasjonsform.kode")
    sector = to_text(get("institusjonellSektorkode.kode"), "institusjonellSektorkode.kode")
    nace = [coded(get, path, NACE_RE, "NACE code (NN.NNN)") for path in _NACE_PATHS]
    mun = coded(get, "forretningsadresse.kommunenummer", MUN_RE, "municipality number (4 digits)")
    parent = ctx.orgnr(get("overordnetEnhet"), "overordnetEnhet", required=False)
    year = to_int(get("sisteInnsendteAarsregnskap"), "sisteInnsendteAarsregnskap")
    helix, rule, label = classify(org_form, sector, nace[0], version, orgnr=orgnr, overrides=overrides_for(ctx))
    name = to_text(get("navn"), "navn")
    values = [
        name, search.name_key(name), org_form, nace[0], nace[1], nace[2],
        version if any(nace) else None, sector,
        to_int(get("antallAnsatte"), "antallAnsatte"),
        to_bool(get("harRegistrertAntallAnsatte"), "harRegistrertAntallAnsatte"),
        mun,
        to_text(get("forretningsadresse.postnummer"), "forretningsadresse.postnummer"),
        to_text(get("forretningsadresse.poststed"), "forretningsadresse.poststed"),
        to_date(get("stiftelsesdato"), "stiftelsesdato"),
        to_date(get("registreringsdatoEnhetsregisteret"), "registreringsdatoEnhetsregisteret"),
        active, deleted, status, parent, helix, rule, year,
        to_text(get("hjemmeside"), "hjemmeside"),
    ]
    industries = [[c, i, f"{version}:{c}"] for i, c in enumerate(nace, 1) if c]
    links = [[mun] if mun else [], industries]
    return {"orgnr": orgnr, "values": values, "links": links, "label": label}


USED_PATHS: tuple[str, ...] = (
    "organisasjonsnummer", "slettedato", "konkurs", "underTvangsavviklingEllerTvangsopplosning", "underAvvikling",
    "organisasjonsform.kode", "institusjonellSektorkode.kode", "naeringskode1.kode", "naeringskode2.kode",
    "naeringskode3.kode", "forretningsadresse.kommunenummer", "overordnetEnhet", "sisteInnsendteAarsregnskap",
    "navn", "antallAnsatte", "harRegistrertAntallAnsatte", "forretningsadresse.postnummer",
    "forretningsadresse.poststed", "stiftelsesdato", "registreringsdatoEnhetsregisteret", "hjemmeside",
)
"""Every path :func:`prepare` reads (the flat getters below extract exactly these)."""


def flat_paths(paths: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]:
    """Split dotted paths into top-level keys and ``(parent, child, path)`` one level down."""
    top = tuple(p for p in paths if "." not in p)
    nested = []
    for p in paths:
        if "." in p:
            a, b = p.split(".")
            nested.append((a, b, p))
    return top, tuple(nested)


def json_flat_getter(paths: tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]
                     ) -> Callable[[dict[str, Any]], Callable[[str], Any]]:
    """A getter factory for JSON records: the used paths are read once into a dict whose ``get``
    is the getter (the same values as :func:`json_getter`, without a Python call per field)."""
    top, nested = paths

    def make(rec: dict[str, Any]) -> Callable[[str], Any]:
        flat = {k: rec.get(k) for k in top}
        for a, b, p in nested:
            d = rec.get(a)
            flat[p] = d.get(b) if type(d) is dict else None
        return flat.get

    return make


def csv_flat_getter(paths: tuple[str, ...]) -> Callable[[dict[str, str]], Callable[[str], Any]]:
    """A getter factory for CSV rows (header names compared lower-cased; empty text is None),
    the same values as :func:`csv_getter`."""
    pairs = tuple((p, p.lower()) for p in paths)

    def make(row: dict[str, str]) -> Callable[[str], Any]:
        low = {k.lower(): v for k, v in row.items()}
        return {p: (low.get(lp) or None) for p, lp in pairs}.get

    return make


_JSON_GET = json_flat_getter(flat_paths(USED_PATHS))
_CSV_GET = csv_flat_getter(USED_PATHS)


def records(ctx: LoadContext, path: Path) -> Iterator[tuple[Path | str, Pos, Callable[[str], Any] | None, Any]]:
    """Yield ``(file, pos, getter, raw)`` for every unit in every input file."""
    for f in iter_files(path, ("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.csv", "*.csv.gz")):
        if is_csv(f):
            header, rows, _fmt = ctx.open_csv(f)
            ctx.audit_columns(header, KNOWN_COLUMNS, file=f)
            for r in rows:
                if "__error__" in r.values:
                    yield f, r.pos, None, r.values["__error__"]
                else:
                    yield f, r.pos, _CSV_GET(r.values), None
        else:
            for doc in iter_json(f):
                yield json_record(ctx, doc.value, f, doc.pos)


def json_record(ctx: LoadContext, rec: Any, file: Path | str, pos: Pos
                ) -> tuple[Path | str, Pos, Callable[[str], Any] | None, Any]:
    """One unit for :func:`apply` from parsed JSON: a bulk element, an API document or a feed item."""
    if not isinstance(rec, dict):
        return file, pos, None, f"expected a JSON object for a unit, got {type(rec).__name__}"
    ctx.audit(rec, SCHEMA, file=file)
    return file, pos, _JSON_GET(rec), rec


def flush(ctx: LoadContext, rows: list[dict[str, Any]], version: str) -> None:
    if not rows or ctx.dry_run:
        return
    consts = ctx.provenance
    out = [[r["orgnr"], row_hash([r["values"], r["links"]], consts), *r["values"], *r["links"]] for r in rows]
    NODES.write(ctx, out, [r["label"] for r in rows], {"version": version})


def load(ctx: LoadContext, path: Path) -> None:
    """Load main units from a file or a directory of files."""
    apply(ctx, records(ctx, path))
    if ctx.options.get("snapshot") and not ctx.dry_run:
        res = ctx.execute(MARK_UNLISTED, params={"source": ctx.source_name, "as_of": ctx.as_of})
        n = int(res[0]["n"]) if res else 0
        ctx.extra["unlisted"] = n
        if n:
            ctx.warn(f"{n} unit(s) of earlier files are not in this full snapshot; marked inactive "
                     "(status unlisted)")


def apply(ctx: LoadContext, items: Iterable[tuple[Path | str, Pos, Callable[[str], Any] | None, Any]]) -> None:
    """Validate and write unit records: ``(file, pos, getter, raw)`` as :func:`records` yields them.

    Rows are written in batches; a bad row is rejected (naming file, record and field) and the
    rest go on; update-feed items (``endringstype``) mark units deleted or remove them. Everything
    is written when this returns.
    """
    version = nace_version_for(ctx)
    out = ctx.writer(lambda rows: flush(ctx, rows, version), key_field="organisasjonsnummer")
    inactive: list[dict[str, Any]] = []
    removed: list[str] = []
    size = ctx.batch_size or BATCH_SIZE
    for f, pos, get, raw in items:
        ctx.tick()
        if get is None:
            ctx.reject(pos, "-", None, str(raw), file=f)
            continue
        try:
            if isinstance(raw, dict) and "endringstype" in raw:
                _feed_item(ctx, raw, inactive, removed)
                continue
            row = prepare(ctx, get, version)
        except RowRejected as rj:
            ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
            continue
        out.add(row["orgnr"], row, pos, f)
        if len(inactive) >= size:
            ctx.upsert(MARK_INACTIVE, inactive)
            inactive = []
    out.finish()
    ctx.upsert(MARK_INACTIVE, inactive)
    remove_units(ctx, removed)
    classify_unclassified(ctx)


def remove_units(ctx: LoadContext, orgnrs: Iterable[str]) -> int:
    """Delete units removed on legal grounds with their relationships and accounts; returns how many.

    Persons left holding no role are deleted too (:func:`drop_orphan_persons`). Idempotent: a
    unit already gone is skipped, so a rerun after a kill ends in the same graph.
    """
    keys = sorted(set(orgnrs))
    if not keys or ctx.dry_run:
        return 0
    ctx.drain()
    n = 0
    for i in range(0, len(keys), ctx.batch_size or BATCH_SIZE):
        res = ctx.store.run(REMOVE_UNITS, {"orgnrs": keys[i:i + (ctx.batch_size or BATCH_SIZE)]})
        n += int(res[0]["n"]) if res else 0
    ctx.extra["removed"] = ctx.extra.get("removed", 0) + n
    drop_orphan_persons(ctx)
    return n


def _feed_item(ctx: LoadContext, raw: dict[str, Any], inactive: list[dict[str, Any]], removed: list[str]) -> None:
    """An item of the update feed: Sletting marks the unit deleted, Fjernet removes it; others only
    point to a refetch."""
    action, orgnr, date = feed_action(ctx, raw)
    if action == "remove":
        removed.append(orgnr)
    elif action == "delete":
        inactive.append({"orgnr": orgnr, "status": "deleted", "date": date})
    else:
        ctx.stats.unchanged += 1
