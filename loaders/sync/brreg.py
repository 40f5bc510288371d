"""``klynge sync brreg``: keep the graph current from Brønnøysund's update feeds (data-sources.md §1.7, §2.4).

Three feeds, in this order (roles refer to units, so units go first):

==========  =====================================  =========================================
feed        update feed                            documents fetched per changed unit
==========  =====================================  =========================================
units       ``GET /oppdateringer/enheter``         ``GET /enheter/{orgnr}``
subunits    ``GET /oppdateringer/underenheter``    ``GET /underenheter/{orgnr}``
roles       ``GET /oppdateringer/roller``          ``GET /enheter/{orgnr}/roller``
==========  =====================================  =========================================

* The unit feeds are HAL pages (``_embedded.oppdaterteEnheter`` / ``oppdaterteUnderenheter``)
  of items ``{oppdateringsid, dato, organisasjonsnummer, endringstype, …}``. The first page is
  asked for with ``dato=<start>T00:00:00.000Z``, the next ones with ``oppdateringsid=<last id + 1>``
  (the feed returns updates from that id on), always with ``size``.
* The roles feed is a JSON array of CloudEvents ``{id, time, type, data: {organisasjonsnummer}}``,
  asked for with ``afterTime=<start>`` and then ``afterId=<last id>``.
* An item only says *which* unit changed. Each changed unit is fetched once per page, in its
  current state, and that document goes through the bulk loader's own :func:`apply`
  (``loaders.sources.units`` / ``subunits`` / ``roles``): the same validation, rejects and
  idempotent writes as a bulk file. A unit created, changed and deleted within one window is
  therefore written once, as deleted.
* HTTP 410 (``Fjernet``, removed on legal grounds) deletes the unit or sub-unit with its
  relationships — from the roles endpoint too. A deleted unit answers 200 with ``slettedato``
  and stays, inactive. A roles 404 means "no roles recorded": a unit in the graph loses its
  roles; a unit the graph does not have is left alone (nothing is created for it). A unit or
  sub-unit 404 is rejected with the reason.
* A malformed item (no or bad ``organisasjonsnummer``, no id) is rejected with the reason; the
  rest of the page is applied.
* After a page's changes are written, the feed's cursor (last id and its time) is stored in the
  graph (:mod:`loaders.sync.state`). A first sync without a cursor and without ``since`` /
  ``from_cursor`` stops with what to do, and never starts from zero.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cypher.statements.sync import LAST_BULK
from klynge.config import SETTINGS_BY_NAME
from klynge.errors import ConfigError, KlyngeError, SyncError
from loaders.core import LoadContext, Pos, RowRejected, run_loader, to_date
from loaders.sources import roles as roles_source
from loaders.sources import subunits as subunits_source
from loaders.sources import units as units_source
from loaders.sources.common import MISSING_ORGS
from loaders.sync.http import Http
from loaders.sync.state import FeedResult, SyncSummary, now_iso, read_state, summary_json, write_state

if TYPE_CHECKING:
    from cypher.store import GraphStore

DEFAULT_BASE_URL = SETTINGS_BY_NAME["brreg_api"].default
MAX_PAGE_SIZE = 10_000
"""The feeds' largest page (``size``), per data-sources.md §2.4 and tidybrreg."""


@dataclass(frozen=True)
class Feed:
    """One of Brønnøysund's update feeds and where its documents come from."""

    name: str
    path: str
    embedded: str | None  # HAL key of the items; None for the CloudEvents array
    document: str  # per-unit endpoint, with {orgnr}
    loader: ModuleType
    what: str

    @property
    def state_key(self) -> str:
        return f"brreg:{self.name}"


FEEDS: tuple[Feed, ...] = (
    Feed("units", "oppdateringer/enheter", "oppdaterteEnheter", "enheter/{orgnr}", units_source, "unit"),
    Feed("subunits", "oppdateringer/underenheter", "oppdaterteUnderenheter", "underenheter/{orgnr}",
         subunits_source, "sub-unit"),
    Feed("roles", "oppdateringer/roller", None, "enheter/{orgnr}/roller", roles_source, "roles record"),
)
FEED_NAMES: tuple[str, ...] = tuple(f.name for f in FEEDS)


def select_feeds(names: Sequence[str] | None) -> tuple[Feed, ...]:
    """The feeds to sync, in dependency order.

    Raises
    ------
    ConfigError
        For an unknown feed name.
    """
    if not names:
        return FEEDS
    unknown = [n for n in names if n not in FEED_NAMES]
    if unknown:
        raise ConfigError(f"unknown feed {', '.join(map(repr, unknown))}; the feeds are {', '.join(FEED_NAMES)}")
    return tuple(f for f in FEEDS if f.name in names)


def _start_time(since: str) -> str:
    """``since`` (a date or an ISO time) as the feeds' timestamp, ``YYYY-MM-DDTHH:MM:SS.000Z``."""
    s = since.strip()
    try:
        if len(s) == 10:
            d = dt.datetime.combine(dt.date.fromisoformat(s), dt.time(), dt.UTC)
        else:
            d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
            d = d if d.tzinfo else d.replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise ConfigError(f"--since {since!r} is not a date (YYYY-MM-DD) or an ISO time") from exc
    return d.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def sync_brreg(store: GraphStore, *, base_url: str | None = None, since: str | None = None,
               from_cursor: int | dict[str, int] | None = None, feeds: Sequence[str] | None = None,
               page_size: int | None = None, as_of: str | None = None, progress: bool | None = None,
               reject_dir: str | Path | None = None, http: Http | None = None) -> SyncSummary:
    """Apply the changes of Brønnøysund's update feeds since each feed's stored cursor.

    Parameters
    ----------
    store : the graph store (loaded from the bulk files first).
    base_url : the API root as documented, ending in ``/enhetsregisteret/api`` (default
        ``KLYNGE_BRREG_API``, else ``https://data.brreg.no/enhetsregisteret/api``); a local
        mirror or test server with the same paths works the same.
    since : start every selected feed at this date (or ISO time) instead of its cursor; use the
        date of the bulk files the graph was loaded from.
    from_cursor : start at this update id (the last one already applied): an int for a single
        selected feed, or ``{feed: id}``.
    feeds : a subset of ``units``, ``subunits``, ``roles`` (default all, in that order).
    page_size : items per feed page (default ``KLYNGE_SYNC_PAGE_SIZE``; 1 to 10,000).
    as_of : the ``as_of`` date written with the records (default today, UTC).
    progress : a progress bar per feed (None: when stderr is a terminal).
    reject_dir : where reject files go (default ``<data dir>/../rejects``).
    http : an :class:`~loaders.sync.http.Http` client (default one from the settings).

    Returns
    -------
    SyncSummary
        One :class:`FeedResult` per feed. A feed that fails stops the sync (the later feeds are
        ``skipped``); what it applied before the failure stays, with its cursor.

    Raises
    ------
    ConfigError
        For an unknown feed, a bad page size, ``since`` or ``from_cursor``.
    """
    settings = _settings(store)
    chosen = select_feeds(feeds)
    size = int(page_size or getattr(settings, "sync_page_size", 1000))
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page size {size} is outside the feeds' limit of 1 to {MAX_PAGE_SIZE} "
                          "(KLYNGE_SYNC_PAGE_SIZE / --page-size)")
    if since is not None and from_cursor is not None:
        raise ConfigError("give --since or --from-cursor, not both")
    cursors = _cursor_option(from_cursor, chosen)
    start_time = _start_time(since) if since else None
    base = (base_url or getattr(settings, "brreg_api", None) or DEFAULT_BASE_URL).rstrip("/")
    own_http = http is None
    client = http or Http(timeout_s=getattr(settings, "http_timeout_s", 60.0),
                          contact=getattr(settings, "http_contact", None))
    as_of = as_of or dt.datetime.now(dt.UTC).date().isoformat()
    summary = SyncSummary()
    t0 = time.perf_counter()
    try:
        failed: str | None = None
        for feed in chosen:
            if failed:
                summary.feeds.append(FeedResult(feed.state_key, status="skipped",
                                                error=f"not run: the {failed} feed did not finish"))
                continue
            res = _sync_feed(store, feed, client, base, size=size, start_time=start_time,
                             start_id=cursors.get(feed.name), as_of=as_of, progress=progress,
                             reject_dir=reject_dir)
            summary.feeds.append(res)
            if res.status != "ok":
                failed = feed.name
    finally:
        if own_http:
            client.close()
    summary.duration_s = round(time.perf_counter() - t0, 3)
    return summary


def _settings(store: GraphStore) -> Any:
    s = getattr(store, "settings", None)
    if s is None:
        from klynge.config import load_settings

        s = load_settings()
    return s


def _cursor_option(from_cursor: int | dict[str, int] | None, chosen: tuple[Feed, ...]) -> dict[str, int]:
    if from_cursor is None:
        return {}
    if isinstance(from_cursor, dict):
        select_feeds(list(from_cursor))
        return {k: int(v) for k, v in from_cursor.items()}
    if len(chosen) != 1:
        raise ConfigError("--from-cursor N needs one feed (--feed units|subunits|roles), as each feed has its own "
                          "ids; or give FEED=N for each feed")
    return {chosen[0].name: int(from_cursor)}


class _NotStarted(SyncError):
    pass


def _start(store: GraphStore, feed: Feed, start_time: str | None, start_id: int | None) -> tuple[str, Any]:
    """Where the feed starts: ``("id", last applied id)`` or ``("time", timestamp)``."""
    if start_id is not None:
        return "id", start_id
    if start_time is not None:
        return "time", start_time
    state = read_state(store, feed.state_key)
    if state.get("cursor") is not None:
        return "id", int(state["cursor"])
    if state.get("cursor_time"):
        return "time", state["cursor_time"]
    rows = store.read(LAST_BULK, {"source": feed.loader.SOURCE.name})
    last = rows[0]["as_of"] if rows else None
    when = (f"the graph's last {feed.name} bulk load was as of {last}: run `klynge sync brreg --since {last}`"
            if last else "then run `klynge sync brreg --since DATE` with the date of those files")
    raise _NotStarted(
        f"the {feed.name} feed ({feed.state_key}) has no cursor yet, and a sync never starts from zero: load the "
        "bulk files first (`klynge load units enheter_alle.json.gz`, `subunits underenheter_alle.json.gz`, "
        f"`roles roller_totalbestand.json.gz`), {when} (or --from-cursor N)")


def _sync_feed(store: GraphStore, feed: Feed, http: Http, base: str, *, size: int, start_time: str | None,
               start_id: int | None, as_of: str, progress: bool | None, reject_dir: str | Path | None) -> FeedResult:
    res = FeedResult(feed.state_key)
    t0 = time.perf_counter()
    try:
        where = _start(store, feed, start_time, start_id)
    except _NotStarted as exc:
        res.status, res.error = "not_started", str(exc)
        return res
    res.cursor_before = where[1]
    url = f"{base}/{feed.path}"
    options: dict[str, Any] = {"as_of": as_of, "label": url}
    if reject_dir is not None:
        options["reject_dir"] = reject_dir
    ctx = LoadContext(store, feed.loader.SOURCE, Path(feed.path), progress=False, options=options,
                      batch_size=getattr(_settings(store), "write_batch_size", 5000))
    write_state(store, feed.state_key, {"status": "running", "started": now_iso(), "finished": None,
                                        "location": url, "error": None})
    bar = _bar(progress, f"sync {feed.name}")
    try:
        run_loader(ctx, lambda c, _p: _pages(c, feed, http, base, url, where, size, res, bar))
        res.status = "ok"
    except KlyngeError as exc:
        res.status, res.error = "failed", str(exc)
    finally:
        if bar is not None:
            bar.close()
    res.created, res.updated, res.unchanged, res.rejected = (ctx.stats.created, ctx.stats.updated,
                                                             ctx.stats.unchanged, ctx.stats.rejected)
    res.removed = int(ctx.extra.get("removed", 0))
    res.reject_file = str(ctx.reject_path) if ctx.reject_path else None
    res.load_id = ctx.load_id
    res.duration_s = round(time.perf_counter() - t0, 3)
    props: dict[str, Any] = {"status": res.status, "finished": now_iso(), "error": res.error,
                             "events": res.events, "applied": res.applied, "rejected": res.rejected,
                             "summary": summary_json(res)}
    try:
        write_state(store, feed.state_key, props)
    except KlyngeError:
        if res.status == "ok":
            raise
    return res


def _bar(progress: bool | None, desc: str) -> Any:
    import os

    if progress is None:
        progress = sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" events", file=sys.stderr, dynamic_ncols=True)


def _pages(ctx: LoadContext, feed: Feed, http: Http, base: str, url: str, where: tuple[str, Any], size: int,
           res: FeedResult, bar: Any) -> None:
    """Read the feed page by page; apply each page's changes, then store the cursor."""
    mode, value = where
    while True:
        if feed.embedded is None:
            params: dict[str, Any] = {"afterId": value} if mode == "id" else {"afterTime": value}
            params["size"] = size
        else:
            params = {"oppdateringsid": value + 1} if mode == "id" else {"dato": value}
            params.update({"size": size, "page": 0})
        reply = http.get(url, params)
        items = _items(feed, reply)
        if not items:
            if mode == "time":  # nothing since then: the next sync starts at the same time, not from zero
                write_state(ctx.store, feed.state_key, {"cursor_time": value})
                res.cursor_time = value
            return
        changed, last_id, last_time = _read_items(ctx, feed, items, reply.url, res)
        if last_id is None or (mode == "id" and last_id <= value):
            raise SyncError(f"the page {reply.url} has no update id beyond the cursor {value}; the feed cannot "
                            "move on (a malformed page); nothing from it was applied")
        _apply(ctx, feed, http, base, changed, res)
        ctx.drain()
        write_state(ctx.store, feed.state_key, {"cursor": last_id, "cursor_time": last_time})
        res.cursor, res.cursor_time = last_id, last_time
        if bar is not None:
            bar.update(len(items))
        mode, value = "id", last_id
        if len(items) < size:
            return


def _items(feed: Feed, reply: Any) -> list[Any]:
    doc = reply.json()
    if feed.embedded is None:
        if not isinstance(doc, list):
            raise SyncError(f"{reply.url}: expected a JSON array of CloudEvents, got {type(doc).__name__}")
        return doc
    if not isinstance(doc, dict):
        raise SyncError(f"{reply.url}: expected a HAL page (a JSON object), got {type(doc).__name__}")
    emb = doc.get("_embedded") or {}
    items = emb.get(feed.embedded) if isinstance(emb, dict) else None
    if items is None:
        return []  # an empty page has no _embedded (data-sources.md §1.6)
    if not isinstance(items, list):
        raise SyncError(f"{reply.url}: _embedded.{feed.embedded} is not a list")
    return items


def _read_items(ctx: LoadContext, feed: Feed, items: list[Any], page_url: str, res: FeedResult
                ) -> tuple[dict[str, tuple[int, str]], int | None, str | None]:
    """Validate a page's items: ``{orgnr: (id, change type)}`` of the valid ones (first seen order) and the
    page's last id and its time. A malformed item is rejected and skipped."""
    changed: dict[str, tuple[int, str]] = {}
    last_id: int | None = None
    last_time: str | None = None
    cloud = feed.embedded is None
    for i, it in enumerate(items, 1):
        pos = Pos(record=i)
        res.events += 1
        id_field = "id" if cloud else "oppdateringsid"
        try:
            if not isinstance(it, dict):
                raise RowRejected("-", it, f"expected an update object, got {type(it).__name__}")
            uid = _int_id(it.get(id_field), id_field)
            when = it.get("time" if cloud else "dato")
            if uid is not None and (last_id is None or uid > last_id):
                last_id, last_time = uid, str(when) if when is not None else None
            if cloud:
                data = it.get("data")
                orgnr = ctx.orgnr(data.get("organisasjonsnummer") if isinstance(data, dict) else None,
                                  "data.organisasjonsnummer")
                kind = str(it.get("type") or "").rsplit(".", 1)[-1] or "unknown"
            else:
                orgnr = ctx.orgnr(it.get("organisasjonsnummer"))
                kind = str(it.get("endringstype") or "") or "unknown"
                to_date(str(when)[:10] if when else None, "dato")
            if uid is None:
                raise RowRejected(id_field, it.get(id_field), "the update has no id")
        except RowRejected as rj:
            ctx.reject(pos, rj.field, rj.value, rj.reason, file=page_url)
            continue
        res.by_type[kind] = res.by_type.get(kind, 0) + 1
        assert orgnr is not None
        changed[orgnr] = (uid, kind)
    return changed, last_id, last_time


def _int_id(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowRejected(field, value, "the update id must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise RowRejected(field, value, "the update id must be a whole number")


def _apply(ctx: LoadContext, feed: Feed, http: Http, base: str, changed: dict[str, tuple[int, str]],
           res: FeedResult) -> None:
    """Fetch each changed unit's document and write it through the bulk loader's own apply()."""
    records: list[Any] = []
    removed: list[str] = []
    no_roles: list[tuple[str, str, Pos]] = []
    for orgnr, (uid, _kind) in changed.items():
        doc_url = f"{base}/{feed.document.format(orgnr=orgnr)}"
        reply = http.get(doc_url, ok=(200, 404, 410))
        res.fetched += 1
        pos = Pos(record=1)
        if reply.status == 410:
            removed.append(orgnr)
        elif reply.status == 404:
            if feed.loader is roles_source:
                no_roles.append((orgnr, reply.url, pos))
            else:
                ctx.tick()
                ctx.reject(pos, "organisasjonsnummer", orgnr,
                           f"the register has no {feed.what} {orgnr} (HTTP 404) although update {uid} names it",
                           file=reply.url)
        elif feed.loader is roles_source:
            rec = reply.json()
            if isinstance(rec, dict) and rec.get("organisasjonsnummer") is None:
                rec = {"organisasjonsnummer": orgnr, **rec}  # the per-unit document names its unit by URL only
            records.append((reply.url, pos, rec))
        else:
            records.append(feed.loader.json_record(ctx, reply.json(), reply.url, pos))
    if no_roles:
        known = _existing(ctx, [o for o, _u, _p in no_roles])
        for orgnr, url, pos in no_roles:
            if orgnr in known:  # "no roles recorded": the unit's roles are gone
                records.append((url, pos, {"organisasjonsnummer": orgnr, "rollegrupper": []}))
    if feed.loader is roles_source:
        roles_source.apply(ctx, records)
        units_source.remove_units(ctx, removed)
    else:
        gone = [feed.loader.json_record(ctx, {"organisasjonsnummer": o, "endringstype": "Fjernet"},
                                        f"{base}/{feed.document.format(orgnr=o)}", Pos(record=1)) for o in removed]
        feed.loader.apply(ctx, records + gone)


def _existing(ctx: LoadContext, orgnrs: list[str]) -> set[str]:
    rows = ctx.store.read(MISSING_ORGS, {"keys": orgnrs})
    missing = set(rows[0]["missing"]) if rows else set(orgnrs)
    return set(orgnrs) - missing
