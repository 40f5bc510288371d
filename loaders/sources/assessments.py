"""Advisors' absorptive-capacity assessments from their spreadsheets (CSV or XLSX; loaders/README.md,
"Assessments"), and the template and export in the same layout.

One row per interview. Columns (header names, any order, case-insensitive):

``orgnr``, ``interview_date`` (YYYY-MM-DD or DD.MM.YYYY, or a date cell), ``advisor``, optional
``status`` (``final``, the default, or ``draft``), optional ``assessment_id``, optional
``instrument_version`` (default the newest), one column per item id of the instrument (``acq1`` …
``exp3``; whole numbers 1–7, empty = not answered, allowed in drafts only) and one per theme
(``rd_competence``, ``external_collaboration``, ``network_experience``, ``plans``, ``notes``).

A row is rejected — with the file, the row (``line``: the CSV line or the spreadsheet row) and the
field — when its orgnr is invalid or not an organisation in the graph, an answer is off the scale or not
a whole number, a final row leaves an item open, the date is missing or in the future, the advisor is
missing, or the row repeats an assessment of an earlier row. Rows without ``assessment_id`` get
a stable one from orgnr, date and advisor (:func:`klynge.assessments.import_id`), so importing the same
spreadsheet again changes nothing, and a corrected row updates its assessment (a new revision, action
``import``). An assessment edited in the web app since its last import is left alone until its row in the
file changes. Each import is written to the audit log.
"""

from __future__ import annotations

import csv
import datetime as _dt
import getpass
import io
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cypher import assessments as store_assessments
from cypher.statements.assessments import EXPORT, SET_HASH
from klynge.assessments import THEMES, AssessmentInvalid, check_id, import_id, instrument, validate, versions
from klynge.errors import KlyngeError, LoadError
from loaders.core import LoadContext, Pos, RowRejected, Source, iter_files, row_hash

if TYPE_CHECKING:
    from cypher.store import GraphStore

SOURCE = Source(
    name="assessments",
    kind="assessments",
    title="Advisors' absorptive-capacity assessments (CSV or XLSX in the documented template)",
    formats=("CSV, ',' or ';', UTF-8 or ISO-8859-1", "XLSX (first sheet)"),
    licence="confidential business information of the advising organisation; not open data",
    summary="Advisors' absorptive-capacity assessments: CSV or XLSX in the template's layout "
            "(`klynge assessments template FILE`). Confidential; each import is audited.",
)

KEY_COLUMNS = ("orgnr", "interview_date", "advisor")
OPTIONAL_COLUMNS = ("status", "assessment_id", "instrument_version")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 20
"""Rows of a sheet searched for the header (the row with an ``orgnr`` column)."""


def columns(version: int | None = None) -> list[str]:
    """The template's columns, in order: keys, status and ids, the items, the themes."""
    inst = instrument(version)
    return [*KEY_COLUMNS, "status", "assessment_id", "instrument_version", *inst.item_ids, *THEMES]


def _all_item_ids() -> set[str]:
    return {i for v in versions() for i in instrument(v).item_ids}


# ----------------------------------------------------------------------------------------------- reading

def _cell(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip()
    return v


def _xlsx_rows(ctx: LoadContext, f: Path) -> tuple[list[str], Iterator[tuple[Pos, dict[str, Any]]]]:
    """The first sheet's header and its rows as ``(position, {column: value})``; positions count the sheet's
    rows (``line``) as the spreadsheet shows them."""
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:  # pragma: no cover - pinned in requirements.txt
        raise LoadError("reading .xlsx needs openpyxl (pinned in requirements.txt); run `make setup`") from exc
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
        for w in caught:
            ctx.warn(f"{f}: {w.message}")
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LoadError(f"cannot read {f} as an .xlsx workbook ({exc}); save it as Excel (.xlsx) or CSV "
                        "from the template (`klynge assessments template FILE`)") from exc
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header: list[str] = []
    line = 0
    for values in it:  # the header is the first row naming the orgnr column (title rows above it are skipped)
        line += 1
        cells = [str(v).strip() if v is not None else "" for v in values]
        if "orgnr" in {c.lower() for c in cells}:
            header = cells
            break
        if line >= HEADER_SEARCH_ROWS:
            break

    def rows() -> Iterator[tuple[Pos, dict[str, Any]]]:
        n, ln = 0, line
        try:
            for values in it:
                ln += 1
                if not any(v not in (None, "") for v in values):
                    continue
                n += 1
                ctx.tick()
                yield Pos(record=n, line=ln), {h.lower(): _cell(v) for h, v in zip(header, values, strict=False) if h}
        finally:
            wb.close()

    return header, rows()


def _csv_rows(ctx: LoadContext, f: Path) -> tuple[list[str], Iterator[tuple[Pos, dict[str, Any]]]]:
    header, rows, _fmt = ctx.open_csv(f)
    return header, ((pos, dict(v)) for pos, v in ctx.csv_records(f, rows))


# ----------------------------------------------------------------------------------------------- loading

def load(ctx: LoadContext, path: Path) -> None:
    item_ids = _all_item_ids()
    files = iter_files(path, ("*.csv", "*.csv.gz", "*.xlsx", "*.xlsm"))
    seen: dict[str, tuple[Path, Pos]] = {}
    user = _os_user()
    written = {"created": 0, "updated": 0}
    for f in files:
        header, rows = (_xlsx_rows if f.suffix.lower() in XLSX_SUFFIXES else _csv_rows)(ctx, f)
        low = {h.lower() for h in header}
        missing = [c for c in KEY_COLUMNS if c not in low]
        if missing or not (low & item_ids):
            raise LoadError(f"{f} is not an assessments file: "
                            + (f"the column(s) {', '.join(missing)} are missing" if missing else
                               "it has no item column (acq1 … exp3)")
                            + f"; expected the template's columns {', '.join(columns())} (loaders/README.md, "
                              "`klynge assessments template FILE`)")
        ctx.audit_columns(header, [*KEY_COLUMNS, *OPTIONAL_COLUMNS, *item_ids, *THEMES], file=f)
        batch: list[dict[str, Any]] = []  # rows read, not yet checked against the graph and written
        for pos, v in rows:
            try:
                batch.append(_prepare(ctx, f, pos, v, seen))
            except RowRejected as rj:
                ctx.reject(pos, rj.field, rj.value, rj.reason, file=f)
                continue
            if len(batch) >= ctx.batch_size:
                _flush(ctx, batch, user, written)
                batch = []
        _flush(ctx, batch, user, written)
    if not ctx.dry_run and not ctx.synthetic:  # generated demo data describe no firm
        _audit(ctx, path, user, written)


def _prepare(ctx: LoadContext, f: Path, pos: Pos, v: Mapping[str, Any],
             seen: dict[str, tuple[Path, Pos]]) -> dict[str, Any]:
    raw_orgnr = v.get("orgnr")
    if isinstance(raw_orgnr, float) and raw_orgnr.is_integer():  # a number cell
        raw_orgnr = int(raw_orgnr)
    orgnr = ctx.orgnr(raw_orgnr, "orgnr")
    assert orgnr is not None
    try:
        answers = validate(v, today=_dt.date.today())
    except AssessmentInvalid as exc:
        field, reason = next(iter(exc.errors.items()))
        more = [k for k in exc.errors if k != field]
        if more:
            reason += f" (also: {', '.join(f'{k}: {exc.errors[k]}' for k in more)})"
        raise RowRejected(field, v.get(field), reason) from None
    given = str(v.get("assessment_id") or "").strip()
    if given:
        err = check_id(given)
        if err:
            raise RowRejected("assessment_id", given, err)
    aid = given or import_id(orgnr, answers.interview_date, answers.advisor)
    if aid in seen:
        where = seen[aid]
        raise RowRejected("assessment_id" if given else "orgnr", given or orgnr,
                          f"duplicate: the same assessment as {where[0].name} {where[1].describe()} (same "
                          + ("assessment_id" if given else "orgnr, interview_date and advisor") + ")")
    seen[aid] = (f, pos)
    props = answers.properties()
    provenance = ctx.provenance
    return {"id": aid, "orgnr": orgnr, "props": props, "pos": pos, "file": f, "as_of": answers.interview_date,
            "hash": row_hash([orgnr, [props[k] for k in store_assessments.FIELDS]], provenance)}


def _flush(ctx: LoadContext, rows: list[dict[str, Any]], user: str, written: dict[str, int]) -> None:
    if not rows or ctx.store is None:
        return
    known = store_assessments.known_organizations(ctx.store, {r["orgnr"] for r in rows})
    stored = store_assessments.current(ctx.store, [r["id"] for r in rows])
    creates, updates, rehash = [], [], []
    for r in rows:
        if r["orgnr"] not in known:
            ctx.reject(r["pos"], "orgnr", r["orgnr"], f"no organisation with orgnr {r['orgnr']} is in the graph; "
                       "check the number, or load the register first (`klynge load units`)", file=r["file"])
            continue
        cur = stored.get(r["id"])
        common = {"username": user, "role": "cli", "source": f"{SOURCE.name}:{r['file'].name}",
                  "as_of": r["as_of"], "synthetic": ctx.synthetic, "hash_": r["hash"]}
        if cur is None:
            creates.append(store_assessments.row(r["id"], r["orgnr"], r["props"], revision=1, action="import",
                                                 change=store_assessments.changes(None, r["props"]), **common))
            continue
        if cur.get("orgnr") != r["orgnr"]:
            ctx.reject(r["pos"], "orgnr", r["orgnr"], f"assessment {r['id']} is of organisation {cur.get('orgnr')}; "
                       "an assessment cannot move to another organisation", file=r["file"])
            continue
        change = store_assessments.changes(cur, r["props"])
        if cur.get("hash") == r["hash"] or not change:
            ctx.stats.unchanged += 1
            if cur.get("hash") != r["hash"]:
                rehash.append([r["id"], r["hash"]])
            continue
        updates.append(store_assessments.row(r["id"], r["orgnr"], r["props"], revision=int(cur["revision"]) + 1,
                                             action="import", change=change, **common))
    if ctx.dry_run:
        ctx.stats.created += len(creates)
        ctx.stats.updated += len(updates)
        return
    done = store_assessments.create_rows(ctx.store, creates)
    ctx.stats.created += len(done)
    written["created"] += len(done)
    done_u = set(store_assessments.update_rows(ctx.store, updates))
    ctx.stats.updated += len(done_u)
    written["updated"] += len(done_u)
    for u in updates:  # edited in the web app between this batch's read and its write
        if u["assessment_id"] not in done_u:
            r = next(x for x in rows if x["id"] == u["assessment_id"])
            ctx.reject(r["pos"], "assessment_id", r["id"], "the assessment was changed in the web app during the "
                       "import; import the file again", file=r["file"])
    if rehash:
        ctx.execute(SET_HASH, rehash)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


def _audit(ctx: LoadContext, path: Path, user: str, written: Mapping[str, int]) -> None:
    from klynge import audit

    audit.record_access(ctx.settings.state_dir, kind="assessment", action="import", subject=f"file:{path}",
                        description=(f"klynge load assessments {path}: {written['created']} created, "
                                     f"{written['updated']} updated, {ctx.stats.unchanged} unchanged, "
                                     f"{ctx.stats.rejected} rejected"),
                        user=user, role="cli", endpoint="klynge load assessments",
                        rows=written["created"] + written["updated"])


# ------------------------------------------------------------------------------------- template and export

def export_rows(store: GraphStore) -> list[dict[str, Any]]:
    """Every assessment in the template's layout (drafts included, with their ids), for ``write_file``."""
    rows = []
    for r in store.read(EXPORT):
        out = {"orgnr": r["orgnr"], "interview_date": r["interview_date"], "advisor": r["advisor"],
               "status": r["status"], "assessment_id": r["assessment_id"],
               "instrument_version": r["instrument_version"]}
        out.update({i: (a or None) for i, a in zip(r.get("items") or [], r.get("answers") or [], strict=False)})
        out.update({t: r.get(t) for t in THEMES})
        rows.append(out)
    return rows


def write_file(path: str | Path, rows: list[Mapping[str, Any]] | None = None, version: int | None = None) -> Path:
    """Write ``rows`` (none: an empty template) in the import layout: ``.xlsx`` (a sheet ``assessments`` and a
    sheet ``instrument`` describing each column) or ``.csv`` (UTF-8, comma-separated).

    Raises
    ------
    KlyngeError
        When the file cannot be written or the suffix is neither .csv nor .xlsx.
    """
    p = Path(path)
    rows = rows or []
    cols = columns(version)
    for r in rows:  # items of another version than the template's
        cols += [k for k in r if k not in cols]
    try:
        if p.suffix.lower() == ".csv":
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
            p.write_text(buf.getvalue(), encoding="utf-8")
        elif p.suffix.lower() == ".xlsx":
            _write_xlsx(p, cols, rows, version)
        else:
            raise KlyngeError(f"{p}: write .csv or .xlsx (the formats `klynge load assessments` reads)")
    except OSError as exc:
        raise KlyngeError(f"cannot write {p}: {exc}") from exc
    return p


def _write_xlsx(p: Path, cols: list[str], rows: list[Mapping[str, Any]], version: int | None) -> None:
    import openpyxl

    inst = instrument(version)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "assessments"
    ws.append(cols)
    for r in rows:
        ws.append([r.get(k) for k in cols])
    doc = wb.create_sheet("instrument")
    doc.append(["column", "what", "values"])
    doc.append(["orgnr", "organisation number of the firm (9 digits)", "required"])
    doc.append(["interview_date", "the day of the interview", "YYYY-MM-DD or a date cell; required"])
    doc.append(["advisor", "who held the interview", "required"])
    doc.append(["status", "final: every item answered; draft: may leave items open", "final (default) or draft"])
    doc.append(["assessment_id", "leave empty for new rows; kept from an export to update the same assessment",
                "optional"])
    doc.append(["instrument_version", "version of the instrument the answers follow", f"default {inst.version}"])
    scale = f"{inst.scale_min} ({inst.scale_low}) to {inst.scale_max} ({inst.scale_high}); empty = not answered"
    for d in inst.dimensions:
        for i in d.items:
            doc.append([i.id, f"{d.title}: {i.text}", scale])
    for t in inst.themes:
        doc.append([t.id, f"{t.title}: {t.help}", "free text"])
    doc.append([])
    doc.append(["source", inst.reference, "" if inst.wording_complete else
                "the labels summarise the items; read each item's exact wording from the paper"])
    wb.save(p)
