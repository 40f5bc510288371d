"""A changing register in Enhetsregisteret's API shapes, served on 127.0.0.1 — for the sync's tests and benchmark.

:class:`Register` holds the current documents (``GET /enheter/{orgnr}``, ``/underenheter/{orgnr}``,
``/enheter/{orgnr}/roller``), the units removed on legal grounds (HTTP 410) and the three update
feeds, in the shapes of data-sources.md §1.3–1.7 and §2 (feed items ``{oppdateringsid, dato,
organisasjonsnummer, endringstype}`` in HAL pages; role events as CloudEvents ``{specversion, id,
source, type, time, data: {organisasjonsnummer}}``). It starts from a synthetic Norway
(``loaders.synth``) or from documents given by hand, changes through :meth:`Register.evolve` or
the single-change methods, and writes its current state as bulk files (:meth:`Register.write_bulk`)
— the "later snapshot" a sync must reproduce.

:class:`MirrorServer` serves it with the documented paths and query parameters under
``/enhetsregisteret/api`` (``dato`` / ``oppdateringsid`` / ``size`` / ``page`` on the unit feeds,
``afterTime`` / ``afterId`` / ``size`` on the roles feed), plus plain files with ETags, and can
inject faults: an answer with a status and headers (429 with ``Retry-After``, 500) or a body cut
off mid-stream. Every request is logged with its time.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import hashlib
import http.server
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

PREFIX = "/enhetsregisteret/api"
DATA_BASE = "https://data.brreg.no/enhetsregisteret/api"
ROLE_EVENT_TYPE = "no.brreg.enhetsregisteret.rolle.oppdatert"


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _read_array(path: Path) -> list[Any]:
    with gzip.open(path, "rb") as fh:
        return orjson.loads(fh.read())


class Register:
    """The current state of a register and its update feeds (see the module docstring)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.units: dict[str, dict[str, Any]] = {}
        self.subunits: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.gone_units: set[str] = set()
        self.gone_subunits: set[str] = set()
        self.unit_feed: list[dict[str, Any]] = []
        self.subunit_feed: list[dict[str, Any]] = []
        self.role_feed: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.clock = start or dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)
        self._ids = {"units": 25_000_000, "subunits": 7_000_000, "roles": 3_000_000}
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_synth(cls, folder: Path, start: dt.datetime | None = None) -> Register:
        """The register as the synthetic bulk files of ``folder`` describe it."""
        reg = cls(start)
        for u in _read_array(folder / "enheter_alle.json.gz"):
            reg.units[u["organisasjonsnummer"]] = u
        for s in _read_array(folder / "underenheter_alle.json.gz"):
            reg.subunits[s["organisasjonsnummer"]] = s
        for r in _read_array(folder / "roller_totalbestand.json.gz"):
            reg.roles[r["organisasjonsnummer"]] = {"rollegrupper": r.get("rollegrupper") or []}
        return reg

    def write_bulk(self, folder: Path) -> dict[str, Path]:
        """The current state as the three bulk files (gzip JSON arrays, the register's order)."""
        folder.mkdir(parents=True, exist_ok=True)
        out = {"units": folder / "enheter_alle.json.gz", "subunits": folder / "underenheter_alle.json.gz",
               "roles": folder / "roller_totalbestand.json.gz"}
        items = {
            "units": [self.units[k] for k in sorted(self.units)],
            "subunits": [self.subunits[k] for k in sorted(self.subunits)],
            "roles": [{"organisasjonsnummer": k, "rollegrupper": self.roles[k]["rollegrupper"]}
                      for k in sorted(self.roles) if k in self.units],
        }
        for name, path in out.items():
            with gzip.GzipFile(path, "wb", mtime=0) as fh:
                fh.write(orjson.dumps(items[name]))
        return out

    # ------------------------------------------------------------------ changes
    def _tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=7, milliseconds=123)
        return self.clock

    def unit_event(self, orgnr: Any, kind: str, **extra: Any) -> dict[str, Any]:
        """Append an item to the units feed (``orgnr`` may be malformed on purpose)."""
        return self._hal_event("units", self.unit_feed, orgnr, kind, "enhet", "enheter", **extra)

    def subunit_event(self, orgnr: Any, kind: str, **extra: Any) -> dict[str, Any]:
        return self._hal_event("subunits", self.subunit_feed, orgnr, kind, "underenhet", "underenheter", **extra)

    def _hal_event(self, feed: str, log: list[dict[str, Any]], orgnr: Any, kind: str, rel: str, path: str,
                   **extra: Any) -> dict[str, Any]:
        self._ids[feed] += 1
        item = {"oppdateringsid": self._ids[feed], "dato": _iso(self._tick()), "organisasjonsnummer": orgnr,
                "endringstype": kind, "_links": {rel: {"href": f"{DATA_BASE}/{path}/{orgnr}"}}, **extra}
        log.append({k: v for k, v in item.items() if v is not None})
        return item

    def role_event(self, orgnr: Any, data: Any = None) -> dict[str, Any]:
        """Append a CloudEvent to the roles feed (``data`` overrides the payload, e.g. a malformed one)."""
        self._ids["roles"] += 1
        ev = {"specversion": "1.0", "id": str(self._ids["roles"]),
              "source": f"{DATA_BASE}/enheter/{orgnr}/roller", "type": ROLE_EVENT_TYPE,
              "time": _iso(self._tick()), "datacontenttype": "application/json",
              "data": {"organisasjonsnummer": orgnr} if data is None else data}
        self.role_feed.append(ev)
        return ev

    def put_unit(self, doc: dict[str, Any], kind: str | None = None) -> None:
        o = doc["organisasjonsnummer"]
        new = o not in self.units
        self.units[o] = doc
        self.unit_event(o, kind or ("Ny" if new else "Endring"))

    def delete_unit(self, orgnr: str, date: str = "2026-11-02") -> None:
        """Sletting: the unit answers 200 with the reduced payload and ``slettedato``."""
        u = self.units[orgnr]
        self.units[orgnr] = {"organisasjonsnummer": orgnr, "navn": u.get("navn"),
                             "organisasjonsform": u.get("organisasjonsform"), "slettedato": date,
                             "_links": {"self": {"href": f"{DATA_BASE}/enheter/{orgnr}"}}}
        self.unit_event(orgnr, "Sletting")

    def remove_unit(self, orgnr: str) -> None:
        """Fjernet: the unit, its roles and its sub-units answer 410 from now on."""
        self.units.pop(orgnr, None)
        self.roles.pop(orgnr, None)
        self.gone_units.add(orgnr)
        self.unit_event(orgnr, "Fjernet")
        for s in [k for k, v in self.subunits.items() if v.get("overordnetEnhet") == orgnr]:
            self.remove_subunit(s)

    def put_roles(self, orgnr: str, groups: list[dict[str, Any]]) -> None:
        self.roles[orgnr] = {"rollegrupper": groups}
        self.role_event(orgnr)

    def put_subunit(self, doc: dict[str, Any]) -> None:
        o = doc["organisasjonsnummer"]
        new = o not in self.subunits
        self.subunits[o] = doc
        self.subunit_event(o, "Ny" if new else "Endring")

    def remove_subunit(self, orgnr: str) -> None:
        self.subunits.pop(orgnr, None)
        self.gone_subunits.add(orgnr)
        self.subunit_event(orgnr, "Fjernet")

    def new_orgnr(self, rng: random.Random) -> str:
        """A valid organisation number (mod-11) the register has never used."""
        weights = (3, 2, 7, 6, 5, 4, 3, 2)
        while True:
            body = f"{rng.randrange(10_000_000, 100_000_000):08d}"
            rem = sum(int(c) * w for c, w in zip(body, weights)) % 11
            if rem == 1:
                continue
            o = body + str(0 if rem == 0 else 11 - rem)
            if o not in self.units and o not in self.gone_units and o not in self.subunits:
                return o

    def roles_document(self, orgnr: str) -> dict[str, Any]:
        doc = copy.deepcopy(self.roles[orgnr])
        doc["_links"] = {"self": {"href": f"{DATA_BASE}/enheter/{orgnr}/roller"}}
        return doc

    def evolve(self, rng: random.Random, changes: int) -> dict[str, int]:
        """About ``changes`` random changes of the kinds a night brings; returns how many of each."""
        done: dict[str, int] = {}
        holders = self._entity_holders()
        for _ in range(changes):
            live = [o for o, u in self.units.items() if "slettedato" not in u]
            pick = rng.random()
            o = rng.choice(live)
            if pick < 0.45:
                u = copy.deepcopy(self.units[o])
                u["antallAnsatte"] = int(u.get("antallAnsatte") or 5) + rng.randint(1, 40)
                u["harRegistrertAntallAnsatte"] = True
                if rng.random() < 0.3:
                    u["navn"] = f"{u.get('navn', 'ENHET')} NYTT NAVN"
                self.put_unit(u)
                kind = "unit changed"
            elif pick < 0.50:
                self.delete_unit(o, self.clock.date().isoformat())
                kind = "unit deleted"
            elif pick < 0.55:
                u = copy.deepcopy(self.units[o])
                u["organisasjonsnummer"] = n = self.new_orgnr(rng)
                u["navn"] = f"NY {u.get('navn', 'ENHET')}"
                self.put_unit(u)
                if self.roles.get(o):
                    self.put_roles(n, copy.deepcopy(self.roles[o]["rollegrupper"]))
                kind = "unit created"
            elif pick < 0.60 and o not in holders:
                self.remove_unit(o)
                kind = "unit removed"
            elif pick < 0.85 and self.roles.get(o, {}).get("rollegrupper"):
                groups = copy.deepcopy(self.roles[o]["rollegrupper"])
                g = rng.choice(groups)
                if len(g.get("roller") or []) > 1 and rng.random() < 0.5:
                    g["roller"].pop(rng.randrange(len(g["roller"])))
                elif g.get("roller"):
                    r = g["roller"][0]
                    r["fratraadt"] = not bool(r.get("fratraadt"))
                self.put_roles(o, groups)
                kind = "roles changed"
            else:
                subs = [k for k, v in self.subunits.items() if v.get("overordnetEnhet") == o]
                if not subs:
                    continue
                s = copy.deepcopy(self.subunits[subs[0]])
                s["antallAnsatte"] = int(s.get("antallAnsatte") or 5) + 1
                self.put_subunit(s)
                kind = "sub-unit changed"
            done[kind] = done.get(kind, 0) + 1
        return done

    def _entity_holders(self) -> set[str]:
        out = set()
        for doc in self.roles.values():
            for g in doc.get("rollegrupper") or []:
                for r in g.get("roller") or []:
                    e = r.get("enhet")
                    if isinstance(e, dict) and e.get("organisasjonsnummer"):
                        out.add(e["organisasjonsnummer"])
        return out

    # ------------------------------------------------------------------ pages
    def hal_page(self, feed: str, query: dict[str, str]) -> dict[str, Any]:
        log, key, path = ((self.unit_feed, "oppdaterteEnheter", "enheter") if feed == "enheter"
                          else (self.subunit_feed, "oppdaterteUnderenheter", "underenheter"))
        size = int(query.get("size", "20"))
        page = int(query.get("page", "0"))
        if "oppdateringsid" in query:
            start = int(query["oppdateringsid"])
            items = [i for i in log if i["oppdateringsid"] >= start]
        else:
            since = query.get("dato", "1900-01-01T00:00:00.000Z")
            items = [i for i in log if i["dato"] >= since]
        items.sort(key=lambda i: i["oppdateringsid"])
        chunk = items[page * size:(page + 1) * size]
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        doc: dict[str, Any] = {}
        if chunk:
            doc["_embedded"] = {key: chunk}
        doc["_links"] = {"self": {"href": f"{DATA_BASE}/oppdateringer/{path}?{qs}"}}
        doc["page"] = {"size": size, "totalElements": len(items), "totalPages": -(-len(items) // size),
                       "number": page}
        return doc

    def role_page(self, query: dict[str, str]) -> list[dict[str, Any]]:
        size = int(query.get("size", "100"))
        if "afterId" in query:
            after = int(query["afterId"])
            items = [e for e in self.role_feed if int(e["id"]) > after]
        else:
            t = query.get("afterTime", "1900-01-01T00:00:00.000Z")
            items = [e for e in self.role_feed if e["time"] > t]
        items.sort(key=lambda e: int(e["id"]))
        return items[:size]


@dataclass
class Fault:
    """An injected answer: for the next ``times`` requests whose path (with query) contains ``match``."""

    match: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False
    times: int = 1
    hits: int = 0


class MirrorServer:
    """Serves a :class:`Register` on 127.0.0.1 (``with MirrorServer(reg) as srv: srv.base_url``)."""

    def __init__(self, register: Register, *, on_request: Callable[[str, dict[str, str]], None] | None = None) -> None:
        self.register = register
        self.faults: list[Fault] = []
        self.log: list[tuple[float, str, int]] = []
        self.on_request = on_request
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    @property
    def root(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> MirrorServer:
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # head and body in one segment: no delayed-ACK wait per request
            wbufsize = 1 << 16

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                mirror._handle(self)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="brreg-mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def requests_to(self, fragment: str) -> list[tuple[float, str, int]]:
        return [r for r in self.log if fragment in r[1]]

    # ------------------------------------------------------------------ answering
    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        if self.on_request is not None:
            self.on_request(h.path, dict(h.headers))
        fault = self._fault(h.path)
        if fault is not None and not fault.truncate:
            body = orjson.dumps({"status": fault.status, "error": "injected", "path": h.path})
            return self._send(h, fault.status, body, fault.headers)
        status, body, headers = self._answer(h)
        if fault is not None:  # announce the whole body, send half, close: a page that ends mid-stream
            self._send(h, status, body, headers, cut=len(body) // 2)
            return
        self._send(h, status, body, headers)

    def _fault(self, path: str) -> Fault | None:
        with self.register.lock:
            for f in self.faults:
                if f.match in path and f.hits < f.times:
                    f.hits += 1
                    return f
        return None

    def _answer(self, h: http.server.BaseHTTPRequestHandler) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        reg = self.register
        with reg.lock:
            if path in reg.files:
                data = reg.files[path]
                etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                if h.headers.get("If-None-Match") == etag:
                    return 304, b"", {"ETag": etag}
                return 200, data, {"ETag": etag, "Content-Type": "text/csv"}
            if not path.startswith(PREFIX):
                return 404, b'{"status":404}', {}
            rest = path[len(PREFIX):]
            if rest in ("/oppdateringer/enheter", "/oppdateringer/underenheter"):
                return 200, orjson.dumps(reg.hal_page(rest.rsplit("/", 1)[1], query)), {}
            if rest == "/oppdateringer/roller":
                return 200, orjson.dumps(reg.role_page(query)), {}
            m = re.fullmatch(r"/enheter/(\d{9})(/roller)?", rest)
            if m:
                o = m.group(1)
                if o in reg.gone_units:
                    return 410, orjson.dumps({"status": 410, "error": "Gone", "path": path}), {}
                if m.group(2):
                    if o in reg.roles:
                        return 200, orjson.dumps(reg.roles_document(o)), {}
                    return 404, orjson.dumps({"status": 404, "error": "Not Found", "path": path}), {}
                if o in reg.units:
                    return 200, orjson.dumps(reg.units[o]), {}
                return 404, orjson.dumps({"status": 404, "error": "Not Found", "path": path}), {}
            m = re.fullmatch(r"/underenheter/(\d{9})", rest)
            if m:
                o = m.group(1)
                if o in reg.gone_subunits:
                    return 410, orjson.dumps({"status": 410, "error": "Gone", "path": path}), {}
                if o in reg.subunits:
                    return 200, orjson.dumps(reg.subunits[o]), {}
                return 404, orjson.dumps({"status": 404, "error": "Not Found", "path": path}), {}
        return 404, b'{"status":404}', {}

    def _send(self, h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
              cut: int | None = None) -> None:
        self.log.append((time.monotonic(), h.path, status))
        headers = dict(headers or {})
        h.send_response(status)
        h.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        if cut is not None:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body if cut is None else body[:cut])
        h.wfile.flush()
        if cut is not None:
            h.close_connection = True
