"""Regnskapsregisteret key figures: one ``Accounts`` node per organisation, year and type.

Input: the per-unit JSON array of ``GET /regnskapsregisteret/regnskap/{orgnr}``
(one object per filing; several years; ``SELSKAP`` and ``KONSERN``), as a single
file, a directory of such files, or a ``.jsonl(.gz)`` file with one per-unit
array per line (what the synthetic generator writes). ``accounts_id`` is
``orgnr:year:type`` with the year of ``regnskapsperiode.tilDato``.

Amounts are stored in the filing's currency (``valuta``, not always NOK) and are
``None`` when the source leaves the key out (holding companies file
``driftsinntekter: {}``: revenue is missing, not zero). EBITDA is stored only when
a source supplies it; the open register has no depreciation, so it is never
computed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cypher.statements.accounts import accounts_upsert
from loaders.core import (
    LoadContext,
    Pos,
    RowRejected,
    Source,
    dig,
    iter_files,
    iter_json,
    row_hash,
    schema_from_paths,
    to_date,
    to_number,
    to_text,
)
from loaders.sources.common import classify_unclassified

SOURCE = Source(
    name="brreg_accounts",
    kind="accounts",
    title="Regnskapsregisteret annual-accounts key figures",
    formats=("per-unit JSON array", "directory of per-unit files", "JSON lines (.jsonl.gz), one array per line"),
    licence="NLOD 2.0",
    summary="Regnskapsregisteret accounts: a per-unit JSON file, a folder of them, or .jsonl(.gz).",
)

FIELDS: dict[str, str] = {
    "revenue": "resultatregnskapResultat.driftsresultat.driftsinntekter.sumDriftsinntekter",
    "operating_result": "resultatregnskapResultat.driftsresultat.driftsresultat",
    "ordinary_result_before_tax": "resultatregnskapResultat.ordinaertResultatFoerSkattekostnad",
    "net_result": "resultatregnskapResultat.aarsresultat",
    "total_assets": "eiendeler.sumEiendeler",
    "equity": "egenkapitalGjeld.egenkapital.sumEgenkapital",
}
"""Graph property → JSON path (data-sources.md §3.2; upstream typos kept where they occur)."""
NODES = accounts_upsert(tuple(FIELDS))
"""Accounts nodes and their FILED links, with the key figures of :data:`FIELDS`."""
EBITDA_PATHS = ("ebitda", "resultatregnskapResultat.ebitda", "resultatregnskapResultat.driftsresultat.ebitda")

KNOWN_PATHS = [
    "id", "journalnr", "regnskapstype", "valuta", "avviklingsregnskap", "oppstillingsplan", "_links.*",
    "virksomhet.organisasjonsnummer", "virksomhet.organisasjonsform", "virksomhet.morselskap",
    "regnskapsperiode.fraDato", "regnskapsperiode.tilDato",
    "revisjon.ikkeRevidertAarsregnskap", "revisjon.fravalgRevisjon",
    "regnkapsprinsipper.smaaForetak", "regnkapsprinsipper.regnskapsregler",
    "regnskapsprinsipper.smaaForetak", "regnskapsprinsipper.regnskapsregler",
    "resultatregnskapResultat.*", "eiendeler.*", "egenkapitalGjeld.*", "ebitda",
]
SCHEMA = schema_from_paths(KNOWN_PATHS)


TYPES = ("SELSKAP", "KONSERN")


def prepare(ctx: LoadContext, rec: dict[str, Any]) -> list[Any]:
    orgnr = ctx.orgnr(dig(rec, "virksomhet.organisasjonsnummer"), "virksomhet.organisasjonsnummer")
    kind = to_text(rec.get("regnskapstype"), "regnskapstype")
    if kind not in TYPES:
        raise RowRejected("regnskapstype", rec.get("regnskapstype"), "expected SELSKAP or KONSERN")
    end = to_date(dig(rec, "regnskapsperiode.tilDato"), "regnskapsperiode.tilDato")
    if end is None:
        raise RowRejected("regnskapsperiode.tilDato", None, "the accounting period has no end date")
    start = to_date(dig(rec, "regnskapsperiode.fraDato"), "regnskapsperiode.fraDato")
    year = int(end[:4])
    amounts = [to_number(dig(rec, p), p) for p in FIELDS.values()]
    ebitda = None
    for p in EBITDA_PATHS:
        v = dig(rec, p)
        if v is not None and not isinstance(v, dict):
            ebitda = to_number(v, p)
            break
    values = [orgnr, year, kind, to_text(rec.get("valuta"), "valuta"), start, end, *amounts, ebitda]
    consts = ctx.provenance
    return [f"{orgnr}:{year}:{kind}", row_hash(values, consts), *values]


def _filings(ctx: LoadContext, path: Path):
    for f in iter_files(path):
        for doc in iter_json(f):
            value = doc.value
            if isinstance(value, list):  # a JSON-lines file: one per-unit array per line
                for i, item in enumerate(value, 1):
                    yield f, Pos(record=doc.pos.record, line=doc.pos.line, byte=None), i, item
            else:
                yield f, doc.pos, None, value


def load(ctx: LoadContext, path: Path) -> None:
    out = ctx.writer(lambda rows: NODES.write(ctx, rows), key_field="accounts_id", what="filing")
    for f, pos, item_no, rec in _filings(ctx, path):
        ctx.tick()
        where = pos.describe() + (f", filing {item_no}" if item_no else "")
        if not isinstance(rec, dict):
            ctx.reject(pos, f"filing {item_no}" if item_no else "-", None,
                       f"expected a filing object, got {type(rec).__name__}", file=f)
            continue
        ctx.audit(rec, SCHEMA, file=f)
        try:
            row = prepare(ctx, rec)
        except RowRejected as rj:
            ctx.reject(pos, rj.field if not item_no else f"[{item_no}].{rj.field}", rj.value, rj.reason, file=f)
            continue
        out.add(row[0], row, pos, f, where=where)
    out.finish()
    classify_unclassified(ctx)
