"""Forskningsrådet (Research Council of Norway) open data "Søknader – versjon 2".

One row per application/project (data-sources.md §4.1). The dialect is detected:
the publisher's samples are comma-separated with quote doubling; the original
Datahotell files are ``;``-separated with backslash escapes. Titles may hold line
breaks inside quotes. ``grant_id`` is ``forskningsradet:<prosjektnummer>``;
``granted`` is true for the phases Bevilgning and Avsluttet; amounts are
whole-project totals (NOK). The responsible organisation's ``sektor`` is kept as
``fr_sector`` on organisations created here (it feeds the Triple Helix rules).
Personal stipends (``prosjektansvarlig_type`` Person) are loaded without the
person's name and without an organisation link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loaders.core import LoadContext, RowRejected, Source, iter_files, row_hash, to_int, to_number, \
    to_text
from loaders.sources.common import classify_unclassified, stub_row
from loaders.sources.grants.records import link_rows, write_grants
from loaders.sources.names import NameResolver

SOURCE = Source(
    name="forskningsradet",
    kind="grants",
    title="Forskningsrådet Søknader v2 (applications and grants)",
    formats=("CSV, ',' with quote doubling", "CSV, ';' with backslash escapes (Datahotell)"),
    licence="Forskningsrådet open data (NLOD presumed)",
)

#: Forskningsrådet "Søknader – versjon 2" columns (the publisher's sample.csv header).
COLUMNS = (
    "prosjektnummer", "prosjekttittel", "soknadsfrist", "soknadsdato", "utlysnings_id", "utlysningsaktivitet",
    "utlysningtittel", "prosjekttype", "soknadstype", "soknadstypevariant", "sokstart", "sokslutt", "prosjektfase",
    "prosjektstart", "prosjektslutt", "prosjektleder_kjonn", "prosjektansvarlig_type", "prosjektansvarlig_navn",
    "kortnavn", "organisasjonsnummer", "kp1", "kp2", "sektor", "kategori", "kommune", "kommunenummer", "fylke",
    "fylkenummer", "landsdel", "virkemiddel_sekvens", "virkemiddel", "hovedaktivitet_sekvens", "hovedaktivitet",
    "aktivitet", "aktivitet_kode", "fagomraade", "fag", "fagdisiplin", "dr_stip_aarsverk", "postdok_aarsverk",
    "sokt_belop", "tildelt_belop",
)
GRANTED_PHASES = ("Bevilgning", "Avsluttet")
REQUIRED = ("prosjektnummer", "prosjektfase")


def load(ctx: LoadContext, path: Path) -> None:
    resolver = NameResolver.for_input(ctx, path)
    consts = ctx.provenance
    out = ctx.writer(lambda items: write_grants(ctx, items), key_field="prosjektnummer", background=False)
    for f in iter_files(path, ("*.csv", "*.csv.gz")):
        header, rows, fmt = ctx.open_csv(f)
        low = [h.lower() for h in header]
        missing = [c for c in REQUIRED if c not in low]
        if missing:
            from klynge.errors import LoadError

            raise LoadError(f"{f} is not a Søknader v2 file: columns {', '.join(missing)} are missing "
                            f"(header: {', '.join(header[:8])} …)")
        ctx.audit_columns(header, COLUMNS, file=f)
        for pos, v in ctx.csv_records(f, rows):
            try:
                row, stub = _prepare(ctx, v, resolver, link_rows, consts)
            except RowRejected as rj:
                ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
                continue
            out.add(row[0], (row, stub), pos, f, value=v.get("prosjektnummer"),
                    label=f"project {v.get('prosjektnummer')}")
    out.finish()
    classify_unclassified(ctx)
    resolver.finish(path)


def _prepare(ctx: LoadContext, v: dict[str, str], resolver: NameResolver, link_rows: Any,
             consts: dict[str, Any]) -> tuple[list[Any], dict[str, Any] | None]:
    number = to_text(v.get("prosjektnummer"), "prosjektnummer")
    if not number:
        raise RowRejected("prosjektnummer", v.get("prosjektnummer"), "project number is missing")
    phase = to_text(v.get("prosjektfase"), "prosjektfase")
    is_person = (v.get("prosjektansvarlig_type") or "").lower().startswith("person")
    raw_orgnr = v.get("organisasjonsnummer")
    if raw_orgnr and not raw_orgnr.strip("0 "):
        raw_orgnr = None  # the publisher writes 0 where the organisation has no orgnr
    orgnr = None if is_person else ctx.orgnr(raw_orgnr, "organisasjonsnummer", required=False)
    name = None if is_person else to_text(v.get("prosjektansvarlig_navn"), "prosjektansvarlig_navn")
    year = to_int(v.get("prosjektstart"), "prosjektstart")
    if year is None and v.get("soknadsdato"):
        year = to_int(v["soknadsdato"][:4], "soknadsdato")
    values = [
        number, to_text(v.get("prosjekttittel"), "prosjekttittel"),
        to_text(v.get("aktivitet") or v.get("utlysningsaktivitet"), "aktivitet"), year, phase,
        phase in GRANTED_PHASES,
        to_number(v.get("sokt_belop"), "sokt_belop"), to_number(v.get("tildelt_belop"), "tildelt_belop"),
        orgnr,
    ]
    links, how = link_rows(ctx, resolver, orgnr, name)
    stub = None
    if orgnr:
        mun = v.get("kommunenummer") or None
        stub = stub_row(ctx, orgnr, name, fr_sector=v.get("sektor") or None,
                        municipality_code=mun if mun and len(mun) == 4 and mun.isdigit() else None)
        if v.get("sektor"):
            stub["props"]["fr_sector"] = v["sektor"]
    return [f"forskningsradet:{number}", row_hash([values, links], consts), *values, links], stub


