"""Enhetsregisteret sub-units (underenheter): workplaces with their own municipality and employees.

Each sub-unit becomes a ``SubUnit`` linked ``PART_OF`` its main unit
(``overordnetEnhet``; an unknown parent is created as an organisation stub and
classified) and ``LOCATED_IN`` the municipality of its location address
(``beliggenhetsadresse.kommunenummer``). Closed (``nedleggelsesdato``) and deleted
(``slettedato``) sub-units are kept with ``active = false``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from loaders.core import (
    LoadContext,
    NodeUpsert,
    Pos,
    RowRejected,
    Source,
    iter_files,
    iter_json,
    row_hash,
    schema_from_paths,
    to_bool,
    to_date,
    to_int,
    to_text,
)
from loaders.sources.common import classify_unclassified
from loaders.sources.units import _ADDR, _CODE, MUN_RE, NACE_RE, _code, _csv_getter, _is_csv, _json_getter, \
    nace_version_for

SOURCE = Source(
    name="brreg_subunits",
    kind="subunits",
    title="Enhetsregisteret sub-units (underenheter)",
    formats=("bulk JSON array (.json.gz)", "bulk CSV (.csv.gz)", "per-unit JSON", "HAL search page"),
    licence="NLOD 2.0",
)

KNOWN_PATHS = [
    "organisasjonsnummer", "navn", "overordnetEnhet", "respons_klasse", "_links.*",
    *[f"organisasjonsform.{c}" for c in _CODE],
    *[f"naeringskode{i}.{c}" for i in (1, 2, 3) for c in _CODE],
    *[f"hjelpeenhetskode.{c}" for c in _CODE],
    *[f"beliggenhetsadresse.{c}" for c in _ADDR],
    *[f"postadresse.{c}" for c in _ADDR],
    "antallAnsatte", "harRegistrertAntallAnsatte", "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoAntallAnsatteNAVAaregisteret", "hjemmeside", "epostadresse", "telefon", "mobil",
    "registreringsdatoEnhetsregisteret", "registreringsdatoIEnhetsregisteret", "registrertIMvaregisteret",
    "frivilligMvaRegistrertBeskrivelser", "oppstartsdato", "datoEierskifte", "nedleggelsesdato", "slettedato",
    "historiskeNavn.navn", "historiskeNavn.fraDato", "historiskeNavn.tilDato",
]
SCHEMA = schema_from_paths(KNOWN_PATHS)
KNOWN_COLUMNS = {p.lower() for p in KNOWN_PATHS} | {"registreringsdatoantallansattenavaaregisteret",
                                                     "historiskenavn"}

PROPS = ("name", "parent_orgnr", "org_form", "nace1", "nace_version", "employees", "has_employee_count",
         "municipality_code", "active", "closed_date", "deleted_date")
W = 2 + len(PROPS)

_TAIL_CREATE = f"""
FOREACH (p IN row[{W}] |
  MERGE (org:Organization {{orgnr: p}})
  CREATE (o)-[:PART_OF]->(org))
FOREACH (c IN row[{W + 1}] |
  MERGE (m:Municipality {{code: c}})
  CREATE (o)-[:LOCATED_IN {{address_type: 'location'}}]->(m))
"""
_TAIL_UPDATE = f"""
WITH o, row
OPTIONAL MATCH (o)-[l:LOCATED_IN]->(:Municipality)
WITH o, row, collect(l) AS ls
FOREACH (x IN ls | DELETE x)
WITH o, row
OPTIONAL MATCH (o)-[r:PART_OF]->(:Organization)
WITH o, row, collect(r) AS rs
FOREACH (x IN rs | DELETE x)
FOREACH (p IN row[{W}] |
  MERGE (org:Organization {{orgnr: p}})
  MERGE (o)-[:PART_OF]->(org))
FOREACH (c IN row[{W + 1}] |
  MERGE (m:Municipality {{code: c}})
  MERGE (o)-[:LOCATED_IN {{address_type: 'location'}}]->(m))
"""

NODES = NodeUpsert("loaders.subunits", "SubUnit", "orgnr", PROPS, create_tail=_TAIL_CREATE,
                   update_tail=_TAIL_UPDATE)


def prepare(ctx: LoadContext, get: Callable[[str], Any], version: str) -> list[Any]:
    orgnr = ctx.orgnr(get("organisasjonsnummer"))
    parent = ctx.orgnr(get("overordnetEnhet"), "overordnetEnhet", required=False)
    nace = _code(get, "naeringskode1.kode", NACE_RE, "NACE code (NN.NNN)")
    mun = _code(get, "beliggenhetsadresse.kommunenummer", MUN_RE, "municipality number (4 digits)")
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
    version = nace_version_for(ctx)
    batch: list[list[Any]] = []
    seen: dict[str, Pos] = {}
    for f in iter_files(path, ("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.csv", "*.csv.gz")):
        if _is_csv(f):
            header, rows, _fmt = ctx.open_csv(f)
            ctx.audit_columns(header, KNOWN_COLUMNS, file=f)
            items = ((r.pos, r.values.get("__error__"), _csv_getter(r.values)) for r in rows)
        else:
            items = _json_items(ctx, f)
        for pos, err, get in items:
            ctx.tick()
            if err:
                ctx.reject(pos, "-", None, err, file=f)
                continue
            try:
                row = prepare(ctx, get, version)
            except RowRejected as rj:
                ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
                continue
            if row[0] in seen:
                ctx.reject(pos, "organisasjonsnummer", row[0],
                           f"duplicate record: {row[0]} already appeared at {seen[row[0]].describe()}", file=f)
                continue
            seen[row[0]] = pos
            batch.append(row)
            if len(batch) >= ctx.batch_size:
                ctx.submit(NODES.write, ctx, batch)
                batch, seen = [], {}
    ctx.drain()
    NODES.write(ctx, batch)
    classify_unclassified(ctx)


def _json_items(ctx: LoadContext, f: Path):
    for doc in iter_json(f):
        rec = doc.value
        if not isinstance(rec, dict):
            yield doc.pos, f"expected a JSON object for a sub-unit, got {type(rec).__name__}", None
            continue
        ctx.audit(rec, SCHEMA, file=f)
        yield doc.pos, None, _json_getter(rec)
