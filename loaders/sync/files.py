"""``klynge sync files``: re-read the configured grant and patent files when their content changed.

The files are listed in a YAML file named by ``KLYNGE_SYNC_FILES``::

    files:
      - kind: grants                 # grants or patents
        source: forskningsradet      # grants: forskningsradet or innovasjon_norge
        location: /data/forskningsradet/soknader2.csv
      - kind: grants
        source: innovasjon_norge
        location: https://data.innovasjonnorge.no/api/files?filename=Tildelinger.csv&container=innovasjonnorge&subfolder=tildelinger/csv
      - kind: patents
        location: /data/patents.csv

A local file is loaded when its SHA-256 differs from the content loaded last time. A URL is
asked for with ``If-None-Match`` / ``If-Modified-Since`` from the last download (a 304 means
unchanged); a 200 whose content has the same SHA-256 is unchanged too. A changed file goes
through ``loaders.load`` like ``klynge load`` (rejects, review files and all); its ETag,
Last-Modified and checksum are stored in the feed's ``SyncState`` only after the load finished.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from klynge.errors import ConfigError, KlyngeError
from loaders.sync.http import Http
from loaders.sync.state import FeedResult, SyncSummary, now_iso, read_state, summary_json, write_state

if TYPE_CHECKING:
    from cypher.store import GraphStore

KINDS: dict[str, tuple[str, ...]] = {"grants": ("forskningsradet", "innovasjon_norge"), "patents": ()}


@dataclass(frozen=True)
class FileSource:
    """One configured file: loader kind, grants source and a path or http(s) URL."""

    kind: str
    location: str
    source: str | None = None

    @property
    def key(self) -> str:
        return f"file:{self.kind}:{self.source or self.kind}:{self.location}"

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def read_config(path: str | Path) -> list[FileSource]:
    """The file sources listed in the YAML file ``path`` (see the module docstring).

    Raises
    ------
    ConfigError
        When the file is missing or malformed; the message names the file and the entry.
    """
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"KLYNGE_SYNC_FILES names {p}, which cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p} is not valid YAML: {exc}") from exc
    entries = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{p} must hold a list under `files:` (see loaders/sync/files.py)")
    out = []
    for i, e in enumerate(entries, 1):
        where = f"{p}, files entry {i}"
        if not isinstance(e, dict):
            raise ConfigError(f"{where}: expected a mapping with kind and location")
        kind, loc, source = e.get("kind"), e.get("location"), e.get("source")
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(loc, str) or not loc.strip():
            raise ConfigError(f"{where}: location (a path or an http(s) URL) is missing")
        if KINDS[kind] and source not in KINDS[kind]:
            raise ConfigError(f"{where}: {kind} needs source: {' or '.join(KINDS[kind])}")
        out.append(FileSource(kind, loc.strip(), source if KINDS[kind] else None))
    return out


def sync_files(store: GraphStore, *, config: str | Path | None = None, sources: list[FileSource] | None = None,
               http: Http | None = None, download_dir: str | Path | None = None,
               reject_dir: str | Path | None = None) -> SyncSummary:
    """Load each configured file whose content changed since it was last loaded.

    Parameters
    ----------
    store : the graph store.
    config : the YAML list (default ``KLYNGE_SYNC_FILES``; unset means no file sources).
    sources : the sources themselves instead of ``config``.
    http : the HTTP client for URLs (default one from the settings).
    download_dir : where downloaded files are kept (default ``<data dir>/../downloads``).
    reject_dir : where reject files go.

    Returns
    -------
    SyncSummary
        One :class:`FeedResult` per file: ``ok`` (loaded), ``unchanged`` or ``failed``.
    """
    settings = getattr(store, "settings", None)
    if sources is None:
        cfg = config or getattr(settings, "sync_files", None)
        sources = read_config(cfg) if cfg else []
    summary = SyncSummary()
    t0 = time.perf_counter()
    own_http = http is None
    client = http
    try:
        for src in sources:
            if src.is_url and client is None:
                client = Http(timeout_s=getattr(settings, "http_timeout_s", 60.0),
                              contact=getattr(settings, "http_contact", None))
            summary.feeds.append(_sync_one(store, src, client, download_dir, reject_dir))
    finally:
        if own_http and client is not None:
            client.close()
    summary.duration_s = round(time.perf_counter() - t0, 3)
    return summary


def _sync_one(store: GraphStore, src: FileSource, http: Http | None, download_dir: str | Path | None,
              reject_dir: str | Path | None) -> FeedResult:
    from loaders import load

    res = FeedResult(src.key)
    t0 = time.perf_counter()
    state = read_state(store, src.key)
    keep: dict[str, Any] = {}
    try:
        as_of = None
        if src.is_url:
            assert http is not None
            headers = {}
            if state.get("etag"):
                headers["If-None-Match"] = state["etag"]
            if state.get("last_modified"):
                headers["If-Modified-Since"] = state["last_modified"]
            reply = http.get(src.location, ok=(200, 304), headers=headers, parse_json=False)
            res.fetched = 1
            keep = {"etag": reply.headers.get("ETag") or state.get("etag"),
                    "last_modified": reply.headers.get("Last-Modified") or state.get("last_modified")}
            if reply.status == 304:
                return _done(store, src, res, "unchanged", t0, keep)
            checksum = hashlib.sha256(reply.body).hexdigest()
            if checksum == state.get("checksum"):
                return _done(store, src, res, "unchanged", t0, keep)
            path = _download_path(store, src, download_dir)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(reply.body)
            tmp.replace(path)
            as_of = _http_date(reply.headers.get("Last-Modified"))
        else:
            path = Path(src.location)
            if not path.is_file():
                raise ConfigError(f"{src.kind} file {path} (KLYNGE_SYNC_FILES) does not exist; check the path")
            checksum = _sha256(path)
            if checksum == state.get("checksum"):
                return _done(store, src, res, "unchanged", t0, keep)
        opts: dict[str, Any] = {"progress": False}
        if src.source:
            opts["source"] = src.source
        if as_of:
            opts["as_of"] = as_of
        if reject_dir is not None:
            opts["reject_dir"] = reject_dir
        summary = load(src.kind, path, store, **opts)
        res.created, res.updated, res.unchanged, res.rejected = (summary.created, summary.updated,
                                                                 summary.unchanged, summary.rejected)
        res.events, res.reject_file, res.load_id = summary.read, summary.reject_file, summary.load_id
        keep["checksum"] = checksum
        return _done(store, src, res, "ok", t0, keep)
    except KlyngeError as exc:
        res.error = str(exc)
        return _done(store, src, res, "failed", t0, {})


def _done(store: GraphStore, src: FileSource, res: FeedResult, status: str, t0: float, keep: dict[str, Any]) -> FeedResult:
    res.status = status
    res.duration_s = round(time.perf_counter() - t0, 3)
    props = {"status": status, "finished": now_iso(), "location": src.location, "error": res.error,
             "events": res.events, "applied": res.applied, "rejected": res.rejected, "summary": summary_json(res),
             **{k: v for k, v in keep.items() if v is not None}}
    write_state(store, src.key, props)
    return res


def _download_path(store: GraphStore, src: FileSource, download_dir: str | Path | None) -> Path:
    if download_dir is None:
        settings = getattr(store, "settings", None)
        base = Path(settings.data_dir).parent if settings is not None else Path("var")
        download_dir = base / "downloads"
    d = Path(download_dir)
    d.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{src.kind}-{src.source or ''}-{src.location.rsplit('/', 1)[-1]}")
    digest = hashlib.sha256(src.location.encode()).hexdigest()[:8]
    suffix = ".csv" if src.kind in ("grants", "patents") and not name.lower().endswith(".csv") else ""
    return d / f"{name[:80]}-{digest}{suffix}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).astimezone(dt.UTC).date().isoformat()
    except (TypeError, ValueError):
        return None
