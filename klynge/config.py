"""Settings from defaults, then ``KLYNGE_*`` / ``NEO4J_*`` environment variables, then an explicit mapping.

Nothing here reads files at import time; call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from klynge.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Every setting Klynge reads, with its environment variable.

    Attributes
    ----------
    data_dir : KLYNGE_DATA_DIR — where the embedded store keeps its files (default ./var/graph).
    graph_name : KLYNGE_GRAPH — graph (FalkorDB key) or database name on the embedded store.
    neo4j_uri, neo4j_username, neo4j_password, neo4j_database : NEO4J_* — production Neo4j.
    query_timeout_s : KLYNGE_QUERY_TIMEOUT_S — default per-query timeout for reads.
    person_key_secret : KLYNGE_PERSON_KEY — secret for pseudonymous person keys.
    falkordb_port : KLYNGE_FALKORDB_PORT — port of the embedded FalkorDB server (default: chosen free).
    console_timeout_s, console_max_rows : KLYNGE_CONSOLE_TIMEOUT_S, KLYNGE_CONSOLE_MAX_ROWS — the analyst
        console's server-side timeout and row cap.
    console_concurrency : KLYNGE_CONSOLE_CONCURRENCY — console queries running at once per web process (and
        the threads of the console's replica of the embedded store).
    console_max_bytes : KLYNGE_CONSOLE_MAX_BYTES — the most bytes of result values one console answer carries
        (default 4,000,000); rows beyond it are cut off and the result marked truncated.
    console_memory_mb : KLYNGE_CONSOLE_MEMORY_MB — memory one console query may take in the store (default 256;
        FalkorDB's ``QUERY_MEM_CAPACITY`` on the console's replica).
    console_replica : KLYNGE_CONSOLE_REPLICA — ``true`` (default): on the embedded store, console queries run on
        a read-only replica process of their own, so they cannot take the app's threads, CPU or memory;
        ``false`` runs them on the main store (half the memory, no isolation).
    store_memory_mb, store_query_memory_mb : KLYNGE_STORE_MEMORY_MB, KLYNGE_STORE_QUERY_MEMORY_MB — the
        embedded store's ``maxmemory`` (default 0: half the machine's memory) and the memory one query may
        take (default 0: a quarter of that, at most 2048 MB). A full store refuses writes, never drops data.
    web_host, web_port : KLYNGE_HOST, KLYNGE_PORT — where ``klynge serve`` / ``klynge demo`` bind.
    secret_key : KLYNGE_SECRET_KEY — key that signs session cookies and CSRF tokens. When unset, a random
        key is generated once and kept in ``<state_dir>/secret_key`` (mode 0600) so every gunicorn
        worker and every restart shares it.
    state_dir : KLYNGE_STATE_DIR — directory for state that must outlive the graph (default ./var/state):
        ``users.json`` (accounts and password hashes), ``secret_key``, the console audit log, saved
        queries and the cluster-fit model of the current measures run (``fit/``). Files, not the graph, so wiping or reloading the graph never deletes accounts.
    secure_cookies : KLYNGE_SECURE_COOKIES — ``auto`` (default), ``true`` or ``false``. ``auto`` marks the
        session cookie ``Secure`` (and sends HSTS) except when ``klynge serve``/``klynge demo`` bind the
        development server to a loopback address, where the demo runs over plain http://127.0.0.1.
    session_hours : KLYNGE_SESSION_HOURS — a login lasts at most this long (default 8).
    neo4j_wait_s : KLYNGE_NEO4J_WAIT_S — how long a command waits for a Neo4j that is starting or recovering
        to answer before it gives up (default 60).
    neo4j_home : KLYNGE_NEO4J_HOME — data, logs and ``server.json`` of the local Neo4j that
        ``klynge neo4j start`` runs (default ./var/neo4j).
    neo4j_port : KLYNGE_NEO4J_PORT — Bolt port of the local Neo4j (default: chosen free).
    neo4j_heap, neo4j_pagecache : KLYNGE_NEO4J_HEAP, KLYNGE_NEO4J_PAGECACHE — the local Neo4j's JVM heap
        (where GDS keeps its projections) and page cache (default 4g and 2g: a quarter of a 24 GB
        machine, beside the embedded FalkorDB and the web workers).
    trusted_proxies : KLYNGE_TRUSTED_PROXIES — how many reverse proxies stand in front of the web app
        (default 0). With ``n`` > 0 the client address and scheme are taken from the ``n``-th last entry
        of ``X-Forwarded-For`` / ``X-Forwarded-Proto``, so the login throttle, the audit log and the logs
        see the real client; with 0 those headers are ignored (a client could forge them).
    brreg_api : KLYNGE_BRREG_API — the Enhetsregisteret API root ``klynge sync brreg`` reads (default
        ``https://data.brreg.no/enhetsregisteret/api``; a mirror with the same paths works too).
    sync_page_size : KLYNGE_SYNC_PAGE_SIZE — update items per feed page (1–10,000; default 1000). A
        feed's cursor is stored after each page, so a smaller page loses less work to a crash.
    sync_files : KLYNGE_SYNC_FILES — a YAML list of grant and patent files (paths or URLs) that
        ``klynge sync`` re-reads when they changed (format in ``loaders/sync/files.py``); unset: none.
    http_timeout_s : KLYNGE_HTTP_TIMEOUT_S — read timeout of each request the syncs send (default 60).
    http_contact : KLYNGE_HTTP_CONTACT — who runs this Klynge (e.g. an e-mail address), sent in the
        syncs' User-Agent so the register can reach the operator; unset: not sent.
    """

    data_dir: Path = Path("var/graph")
    graph_name: str = "klynge"
    neo4j_uri: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str = "neo4j"
    query_timeout_s: float = 30.0
    write_batch_size: int = 5000
    person_key_secret: str = "klynge-development-key-change-me"
    falkordb_port: int | None = None
    console_timeout_s: float = 10.0
    console_max_rows: int = 1000
    console_concurrency: int = 2
    console_max_bytes: int = 4_000_000
    console_memory_mb: int = 256
    console_replica: bool = True
    store_memory_mb: int = 0
    store_query_memory_mb: int = 0
    web_host: str = "127.0.0.1"
    web_port: int = 5000
    secret_key: str | None = None
    state_dir: Path = Path("var/state")
    secure_cookies: str = "auto"
    session_hours: float = 8.0
    trusted_proxies: int = 0
    neo4j_wait_s: float = 60.0
    neo4j_home: Path = Path("var/neo4j")
    neo4j_port: int | None = None
    neo4j_heap: str = "4g"
    neo4j_pagecache: str = "2g"
    brreg_api: str = "https://data.brreg.no/enhetsregisteret/api"
    sync_page_size: int = 1000
    sync_files: Path | None = None
    http_timeout_s: float = 60.0
    http_contact: str | None = None

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "falkordb"


ENV = {
    "data_dir": "KLYNGE_DATA_DIR",
    "graph_name": "KLYNGE_GRAPH",
    "neo4j_uri": "NEO4J_URI",
    "neo4j_username": "NEO4J_USERNAME",
    "neo4j_password": "NEO4J_PASSWORD",
    "neo4j_database": "NEO4J_DATABASE",
    "query_timeout_s": "KLYNGE_QUERY_TIMEOUT_S",
    "write_batch_size": "KLYNGE_WRITE_BATCH_SIZE",
    "person_key_secret": "KLYNGE_PERSON_KEY",
    "falkordb_port": "KLYNGE_FALKORDB_PORT",
    "console_timeout_s": "KLYNGE_CONSOLE_TIMEOUT_S",
    "console_max_rows": "KLYNGE_CONSOLE_MAX_ROWS",
    "console_concurrency": "KLYNGE_CONSOLE_CONCURRENCY",
    "console_max_bytes": "KLYNGE_CONSOLE_MAX_BYTES",
    "console_memory_mb": "KLYNGE_CONSOLE_MEMORY_MB",
    "console_replica": "KLYNGE_CONSOLE_REPLICA",
    "store_memory_mb": "KLYNGE_STORE_MEMORY_MB",
    "store_query_memory_mb": "KLYNGE_STORE_QUERY_MEMORY_MB",
    "web_host": "KLYNGE_HOST",
    "web_port": "KLYNGE_PORT",
    "secret_key": "KLYNGE_SECRET_KEY",
    "state_dir": "KLYNGE_STATE_DIR",
    "secure_cookies": "KLYNGE_SECURE_COOKIES",
    "session_hours": "KLYNGE_SESSION_HOURS",
    "trusted_proxies": "KLYNGE_TRUSTED_PROXIES",
    "neo4j_wait_s": "KLYNGE_NEO4J_WAIT_S",
    "neo4j_home": "KLYNGE_NEO4J_HOME",
    "neo4j_port": "KLYNGE_NEO4J_PORT",
    "neo4j_heap": "KLYNGE_NEO4J_HEAP",
    "neo4j_pagecache": "KLYNGE_NEO4J_PAGECACHE",
    "brreg_api": "KLYNGE_BRREG_API",
    "sync_page_size": "KLYNGE_SYNC_PAGE_SIZE",
    "sync_files": "KLYNGE_SYNC_FILES",
    "http_timeout_s": "KLYNGE_HTTP_TIMEOUT_S",
    "http_contact": "KLYNGE_HTTP_CONTACT",
}


def _coerce(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    types = {f.name: f.type for f in fields(Settings)}
    t = str(types[name])
    try:
        if "Path" in t:
            return Path(value)
        if t.startswith("bool"):
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if t.startswith("int"):
            return int(value)
        if t.startswith("float"):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"setting {name} ({ENV.get(name, name)}) must be {t.split(' ')[0]}, got {value!r}"
        ) from exc
    return str(value)


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings: defaults, then environment, then ``overrides``.

    Parameters
    ----------
    overrides : mapping of field name to value (tests, the web app's config).
    environ : the environment to read (default ``os.environ``).

    Raises
    ------
    ConfigError
        When a value cannot be converted to its type or a name is unknown.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, var in ENV.items():
        if env.get(var) not in (None, ""):
            values[name] = _coerce(name, env[var])
    for name, value in (overrides or {}).items():
        if name not in ENV:
            raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(ENV))}")
        values[name] = _coerce(name, value) if isinstance(value, str) else value
    settings = replace(Settings(), **{k: v for k, v in values.items() if v is not None})
    if not settings.data_dir.is_absolute():
        settings = replace(settings, data_dir=(Path.cwd() / settings.data_dir))
    if not settings.state_dir.is_absolute():
        settings = replace(settings, state_dir=(Path.cwd() / settings.state_dir))
    if not settings.neo4j_home.is_absolute():
        settings = replace(settings, neo4j_home=(Path.cwd() / settings.neo4j_home))
    for name in ("neo4j_heap", "neo4j_pagecache"):
        if not re.fullmatch(r"[1-9][0-9]*[kmgKMG]", getattr(settings, name)):
            raise ConfigError(f"setting {name} ({ENV[name]}) must be a size such as 512m or 4g, "
                              f"got {getattr(settings, name)!r}")
    if settings.secure_cookies.lower() not in ("auto", "true", "false"):
        raise ConfigError(f"setting secure_cookies (KLYNGE_SECURE_COOKIES) must be auto, true or false, "
                          f"got {settings.secure_cookies!r}")
    if not 0 <= settings.trusted_proxies <= 10:
        raise ConfigError(f"setting trusted_proxies (KLYNGE_TRUSTED_PROXIES) must be 0 (no proxy) to 10, "
                          f"got {settings.trusted_proxies!r}; it is the number of reverse proxies in front")
    for name, lo in (("console_max_bytes", 1000), ("console_memory_mb", 16), ("console_concurrency", 1),
                     ("console_max_rows", 1), ("store_memory_mb", 0), ("store_query_memory_mb", 0)):
        if getattr(settings, name) < lo:
            raise ConfigError(f"setting {name} ({ENV[name]}) must be at least {lo}, got {getattr(settings, name)!r}")
    if not 1 <= settings.sync_page_size <= 10_000:
        raise ConfigError(f"setting sync_page_size (KLYNGE_SYNC_PAGE_SIZE) must be 1 to 10000 (the feeds' limit), "
                          f"got {settings.sync_page_size!r}")
    if not settings.http_timeout_s > 0:
        raise ConfigError(f"setting http_timeout_s (KLYNGE_HTTP_TIMEOUT_S) must be above 0, "
                          f"got {settings.http_timeout_s!r}")
    if not settings.session_hours > 0:
        raise ConfigError(f"setting session_hours (KLYNGE_SESSION_HOURS) must be above 0, "
                          f"got {settings.session_hours!r}; a login needs a bounded lifetime")
    return settings
