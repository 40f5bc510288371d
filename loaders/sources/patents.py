"""Patent applications from a documented CSV (see loaders/README.md, "Patents CSV").

Columns (header names, any order; extra columns are reported): ``applicant_orgnr``,
``applicant_name``, ``application_number``, ``filing_date`` (YYYY-MM-DD or
DD.MM.YYYY), ``title``. One row per applicant and application: an application
with two applicants has two rows. ``patent_id`` is ``NO:<application_number>``.
An applicant is linked ``APPLIED_FOR`` by orgnr, or by name resolution against the
loaded organisations when only the name is given (review and confirmations files
as for clusters).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cypher.statements.patents import APPLIED, NODES
from loaders.core import LoadContext, Pos, RowRejected, Source, iter_files, row_hash, \
    to_date, to_text
from loaders.declarations import NAME_MATCHING_OPTIONS
from loaders.sources.common import classify_unclassified, stub_row, write_stubs
from loaders.sources.names import NameResolver

SOURCE = Source(
    name="patents",
    kind="patents",
    title="Patent applications (documented CSV: applicant_orgnr, applicant_name, application_number, "
          "filing_date, title)",
    formats=("CSV, ',' or ';', UTF-8 or ISO-8859-1",),
    licence="Patentstyret open data, NLOD 2.0",
    summary="Patent applications from the documented CSV (see loaders/README.md).",
    options=NAME_MATCHING_OPTIONS,
)

COLUMNS = ("applicant_orgnr", "applicant_name", "application_number", "filing_date", "title")


def load(ctx: LoadContext, path: Path) -> None:
    resolver = NameResolver.for_input(ctx, path)
    consts = ctx.provenance
    nodes: dict[str, list[Any]] = {}
    links: dict[tuple[str, str], Pos] = {}
    stubs: list[dict[str, Any]] = []

    def flush() -> None:
        write_stubs(ctx, stubs)
        NODES.write(ctx, list(nodes.values()))
        ctx.execute(APPLIED, [[o, p] for o, p in links])
        nodes.clear()
        links.clear()
        stubs.clear()

    for f in iter_files(path, ("*.csv", "*.csv.gz")):
        header, rows, _fmt = ctx.open_csv(f)
        low = [h.lower() for h in header]
        if "application_number" not in low:
            from klynge.errors import LoadError

            raise LoadError(f"{f} is not a patents CSV: the column application_number is missing; expected "
                            f"{', '.join(COLUMNS)} (loaders/README.md)")
        ctx.audit_columns(header, COLUMNS, file=f)
        for pos, v in ctx.csv_records(f, rows):
            try:
                number = to_text(v.get("application_number"), "application_number")
                if not number:
                    raise RowRejected("application_number", v.get("application_number"), "application number is missing")
                orgnr = ctx.orgnr(v.get("applicant_orgnr"), "applicant_orgnr", required=False)
                name = to_text(v.get("applicant_name"), "applicant_name")
                if not orgnr and not name:
                    raise RowRejected("applicant_orgnr", None, "neither applicant_orgnr nor applicant_name is given")
                filed = to_date(v.get("filing_date"), "filing_date")
                title = to_text(v.get("title"), "title")
            except RowRejected as rj:
                ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
                continue
            pid = f"NO:{number}"
            target = orgnr
            if not target and name:
                res = resolver.resolve(name)
                target = res.orgnr
            if target and (target, pid) in links:
                ctx.reject(pos, "application_number", number,
                           f"duplicate record: {target} already applies for {number} at {links[(target, pid)].describe()}",
                           file=f)
                continue
            if pid not in nodes:
                values = [number, title, filed, int(filed[:4]) if filed else None, name]
                nodes[pid] = [pid, row_hash(values, consts), *values]
            if target:
                links[(target, pid)] = pos
            if orgnr:
                stubs.append(stub_row(ctx, orgnr, name))
            if len(nodes) >= ctx.batch_size:
                flush()
    flush()
    classify_unclassified(ctx)
    resolver.finish(path)
