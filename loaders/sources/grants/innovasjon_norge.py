"""Innovasjon Norge awards, ``Tildelinger.csv`` (data-sources.md §4.2).

``;``-separated; UTF-8 or ISO-8859-1 (detected). Columns: Fylkesnavn, Kommunenavn,
Org-nr, Bedriftsnavn, Virkemiddelkategori, Underkategori, Innvilget beløp,
Innvilget dato, Beslutningsenhet, Næringshovedområde, Næring, Type finansiering.
The file has no award id, so ``grant_id`` is ``innovasjon_norge:`` plus a hash of
the row's own values (and a running number for identical rows, which are
distinct awards), stable across reruns of the same file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from loaders.core import LoadContext, RowRejected, Source, iter_files, row_hash, to_date, to_number, to_text
from loaders.sources.common import classify_unclassified, stub_row
from loaders.sources.grants.records import link_rows, write_grants
from loaders.sources.names import NameResolver

SOURCE = Source(
    name="innovasjon_norge",
    kind="grants",
    title="Innovasjon Norge awards (Tildelinger.csv)",
    formats=("CSV, ';'-separated, UTF-8 or ISO-8859-1",),
    licence="Innovasjon Norge open data",
)

COLUMNS = ("Fylkesnavn", "Kommunenavn", "Org-nr", "Bedriftsnavn", "Virkemiddelkategori", "Underkategori",
           "Innvilget beløp", "Innvilget dato", "Beslutningsenhet", "Næringshovedområde", "Næring",
           "Type finansiering")


def load(ctx: LoadContext, path: Path) -> None:
    resolver = NameResolver.for_input(ctx, path)
    consts = ctx.provenance
    out = ctx.writer(lambda items: write_grants(ctx, items), background=False)
    occurrences: dict[str, int] = {}
    for f in iter_files(path, ("*.csv", "*.csv.gz")):
        header, rows, fmt = ctx.open_csv(f)
        ctx.audit_columns(header, COLUMNS, file=f)
        for pos, v in ctx.csv_records(f, rows):
            try:
                orgnr = ctx.orgnr(v.get("org-nr"), "Org-nr", required=False)
                name = to_text(v.get("bedriftsnavn"), "Bedriftsnavn")
                if not orgnr and not name:
                    raise RowRejected("Org-nr", v.get("org-nr"), "neither Org-nr nor Bedriftsnavn is given")
                amount = to_number(v.get("innvilget beløp"), "Innvilget beløp")
                date = to_date(v.get("innvilget dato"), "Innvilget dato")
                cat = to_text(v.get("virkemiddelkategori"), "Virkemiddelkategori")
                sub = to_text(v.get("underkategori"), "Underkategori")
            except RowRejected as rj:
                ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
                continue
            ident = "|".join(str(x) for x in (orgnr or name, date, amount, cat, sub, v.get("type finansiering"),
                                               v.get("beslutningsenhet")))
            digest = hashlib.sha1(ident.encode()).hexdigest()[:16]
            n = occurrences.get(digest, 0) + 1
            occurrences[digest] = n
            gid = f"innovasjon_norge:{digest}" + (f"-{n}" if n > 1 else "")
            values = [None, sub, " / ".join(x for x in (cat, sub) if x) or None,
                      int(date[:4]) if date else None, "Innvilget", True, None, amount, orgnr]
            links, _how = link_rows(ctx, resolver, orgnr, name)
            row = [gid, row_hash([values, links], consts), *values, links]
            out.add(gid, (row, stub_row(ctx, orgnr, name) if orgnr else None), pos, f)
    out.finish()
    classify_unclassified(ctx)
    resolver.finish(path)
