"""Enhetsregisteret sub-units (underenheter): workplaces with their own municipality and employees.

Each sub-unit becomes a ``SubUnit`` linked ``PART_OF`` its main unit
(``overordnetEnhet``; an unknown parent is created as an organisation stub and
classified) and ``LOCATED_IN`` the municipality of its location address
(``beliggenhetsadresse.kommunenummer``). Closed (``nedleggelsesdato``) and deleted
(``slettedato``, or an update-feed item with ``endringstype`` Sletting) sub-units are kept
with ``active = false``; a sub-unit removed on legal grounds (``endringstype`` Fjernet,
HTTP 410 from the API) is deleted with its links.

:func:`apply` is the one path a sub-unit record takes, from a bulk file (:func:`load`) or
from the API (``loaders.sync``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cypher.statements.subunits import MARK_DELETED, NODES, REMOVE
from loaders.core import (LoadContext, Pos, RowRejected, Source, iter_files, iter_json, row_hash, schema_from_paths,
    to_bool, to_date, to_int, to_text)
from loaders.sources.common import classify_unclassified, feed_action
from loaders.sources.brreg_fields import ADDR_FIELDS, CODE_FIELDS, MUN_RE, NACE_RE, coded, csv_getter, is_csv, \
    json_getter, nace_version_for

SOURCE = Source(
    name="brreg_subunits",
    kind="subunits",
    title="Enhetsregisteret sub-units (underenheter)",
    formats=("bulk JSON array (.json.gz)", "bulk CSV (.csv.gz)", "per-unit JSON", "HAL search page",
             "update feed items"),
    licence="NLOD 2.0",
    summary="Enhetsregisteret sub-units (underenheter): bulk JSON(.gz), CSV(.gz) or API JSON.",
)

KNOWN_PATHS = [
    "organisasjonsnummer", "navn", "overordnetEnhet", "respons_klasse", "_links.*",
    *[f"organisasjonsform.{c}" for c in CODE_FIELDS],
    *[f"naeringskode{i}.{c}" for i in (1, 2, 3) for c in CODE_FIELDS],
    *[f"hjelpeenhetskode.{c}" for c in CODE_FIELDS],
    *[f"beliggenhetsadresse.{c}" for c in ADDR_FIELDS],
    *[f"postadresse.{c}" for c in ADDR_FIELDS],
    "antallAnsatte", "harRegistrertAntallAnsatte", "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoAntallAnsatteNAVAaregisteret", "hjemmeside", "epostadresse", "telefon", "mobil",
    "registreringsdatoEnhetsregisteret", "registreringsdatoIEnhetsregisteret", "registrertIMvaregisteret",
    "frivilligMvaRegistrertBeskrivelser", "oppstartsdato", "datoEierskifte", "nedleggelsesdato", "slettedato",
    "historiskeNavn.navn", "historiskeNavn.fraDato", "historiskeNavn.tilDato",
    # the update feed (oppdateringer/underenheter)
    "oppdateringsid", "dato", "endringstype", "endringer",
]
SCHEMA = schema_from_paths(KNOWN_PATHS)
KNOWN_COLUMNS = {p.lower() for p in KNOWN_PATHS} | {"registreringsdatoantallansattenavaaregisteret",
                                                     "historiskenavn"}


def prepare(ctx: LoadContext, get: Callable[[str], Any], version: str) -> list[Any]:
    orgnr = ctx.orgnr(get("organisasjonsnummer"))
    parent = ctx.orgnr(get("overordnetEnhet"), "overordnetEnhet", required=False)
    nace = coded(get, "naeringskode1.kode", NACE_RE, "NACE code (NN.NNN)")
    mun = coded(get, "beliggenhetsadresse.kommunenummer", MUN_RE, "municipality number (4 digits)")
    closed = to_date(get("nedleggelsesdato"), "nedleggelsesdato")
    deleted = to_date(get("slettedato"), "slettedato")
    values = [
        to_text(get("navn"), "navn"), parent,
        to_text(get("organisasjonsform.kode"), "organisasjonsform.kode"),
        nace, version if nace else None,
        to_int(get("antallAnsatte"), "antallAnsatte"),
        to_bool(get("harRegistrertAntallAnsatte"), "harRegistrertAntallAnsatte"),
        mun, not (closed or deleted), closed, deleted,
    ]
    links = [[parent] if parent else [], [mun] if mun else []]
    consts = ctx.provenance
    return [orgnr, row_hash([values, links], consts), *values, *links]


def load(ctx: LoadContext, path: Path) -> None:
    apply(ctx, _file_items(ctx, path))


def _file_items(ctx: LoadContext, path: Path) -> Iterator[tuple[Path | str, Pos, str | None, Any, Any]]:
    for f in iter_files(path, ("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.csv", "*.csv.gz")):
        if is_csv(f):
            header, rows, _fmt = ctx.open_csv(f)
            ctx.audit_columns(header, KNOWN_COLUMNS, file=f)
            for r in rows:
                yield f, r.pos, r.values.get("__error__"), csv_getter(r.values), None
        else:
            for doc in iter_json(f):
                yield json_record(ctx, doc.value, f, doc.pos)


def json_record(ctx: LoadContext, rec: Any, file: Path | str, pos: Pos
                ) -> tuple[Path | str, Pos, str | None, Any, Any]:
    """One sub-unit for :func:`apply` from parsed JSON: a bulk element, an API document or a feed item."""
    if not isinstance(rec, dict):
        return file, pos, f"expected a JSON object for a sub-unit, got {type(rec).__name__}", None, None
    ctx.audit(rec, SCHEMA, file=file)
    return file, pos, None, json_getter(rec), rec


def apply(ctx: LoadContext, items: Iterable[tuple[Path | str, Pos, str | None, Any, Any]]) -> None:
    """Validate and write sub-unit records ``(file, pos, error, getter, raw)``; everything is written
    when this returns. Update-feed items (``endringstype``) mark sub-units deleted or remove them."""
    version = nace_version_for(ctx)
    out = ctx.writer(lambda rows: NODES.write(ctx, rows), key_field="organisasjonsnummer")
    deleted: list[dict[str, Any]] = []
    removed: list[str] = []
    for f, pos, err, get, raw in items:
        ctx.tick()
        if err:
            ctx.reject(pos, "-", None, err, file=f)
            continue
        try:
            if isinstance(raw, dict) and "endringstype" in raw:
                _feed_item(ctx, raw, deleted, removed)
                continue
            row = prepare(ctx, get, version)
        except RowRejected as rj:
            ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
            continue
        out.add(row[0], row, pos, f)
    out.finish()
    ctx.upsert(MARK_DELETED, deleted)
    remove(ctx, removed)
    classify_unclassified(ctx)


def remove(ctx: LoadContext, orgnrs: Iterable[str]) -> int:
    """Delete sub-units removed on legal grounds, with their links; returns how many (idempotent)."""
    keys = sorted(set(orgnrs))
    if not keys or ctx.dry_run:
        return 0
    ctx.drain()
    res = ctx.store.run(REMOVE, {"orgnrs": keys})
    n = int(res[0]["n"]) if res else 0
    ctx.extra["removed"] = ctx.extra.get("removed", 0) + n
    return n


def _feed_item(ctx: LoadContext, raw: dict[str, Any], deleted: list[dict[str, Any]], removed: list[str]) -> None:
    action, orgnr, date = feed_action(ctx, raw)
    if action == "remove":
        removed.append(orgnr)
    elif action == "delete":
        deleted.append({"orgnr": orgnr, "date": date})
    else:
        ctx.stats.unchanged += 1
