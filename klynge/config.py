"""Every setting Klynge reads, in one table (:data:`SETTINGS`): defaults, then ``KLYNGE_*`` / ``NEO4J_*``
environment variables, then an explicit mapping.

The :class:`Settings` dataclass, the environment names, the checks and the README's settings table
(``python -m klynge.config --markdown``; tests/test_settings.py keeps them equal) are all derived from
:data:`SETTINGS`. Nothing here reads files at import time; call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, make_dataclass, replace
from pathlib import Path
from typing import Any

from klynge.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One setting.

    Attributes
    ----------
    name : the attribute of :class:`Settings`.
    env : the environment variable.
    kind : ``str``, ``int``, ``float``, ``bool`` (``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``)
        or ``Path``.
    default : the value when the variable is unset (None: unset).
    help : what it does (the README's "meaning" column).
    shown : the README's default column when the default needs words (e.g. "a free port").
    low, high : inclusive bounds of a number; ``above`` : a number must be above this.
    choices : the allowed values of a text (compared case-insensitively).
    pattern : a regular expression a text must match in full, with ``pattern_help`` saying what it means.
    why : appended to a bound's error message.
    """

    name: str
    env: str
    kind: type
    default: Any
    help: str
    shown: str | None = None
    low: float | None = None
    high: float | None = None
    above: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_help: str = ""
    why: str = ""

    @property
    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.default is None:
            return "unset"
        if isinstance(self.default, Path):
            return f"`./{self.default}`"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        return f"`{self.default:g}`" if isinstance(self.default, float) else f"`{self.default}`"


_SIZE = r"[1-9][0-9]*[kmgKMG]"

#: Every setting, in the README's order.
SETTINGS: tuple[Setting, ...] = (
    Setting("neo4j_uri", "NEO4J_URI", str, None,
            "when set (e.g. `bolt://localhost:7687`), Klynge uses Neo4j; otherwise the embedded store"),
    Setting("neo4j_username", "NEO4J_USERNAME", str, "neo4j", "Neo4j user name"),
    Setting("neo4j_password", "NEO4J_PASSWORD", str, None, "Neo4j password", shown="–"),
    Setting("neo4j_database", "NEO4J_DATABASE", str, "neo4j", "Neo4j database"),
    Setting("neo4j_wait_s", "KLYNGE_NEO4J_WAIT_S", float, 60.0,
            "how long a command waits for a Neo4j that is starting or recovering before it gives up", above=0),
    Setting("neo4j_home", "KLYNGE_NEO4J_HOME", Path, Path("var/neo4j"),
            "the local Neo4j's data, logs and `server.json` (`klynge neo4j start`)"),
    Setting("neo4j_port", "KLYNGE_NEO4J_PORT", int, None, "fix the local Neo4j's Bolt port (127.0.0.1 only)",
            shown="a free port"),
    Setting("neo4j_heap", "KLYNGE_NEO4J_HEAP", str, "4g",
            "the local Neo4j's JVM heap (GDS projections live there; one transaction may take a quarter of it, "
            "`db.memory.transaction.max`); a quarter of a 24 GB machine",
            pattern=_SIZE, pattern_help="a size such as 512m or 4g"),
    Setting("neo4j_pagecache", "KLYNGE_NEO4J_PAGECACHE", str, "2g", "the local Neo4j's page cache",
            pattern=_SIZE, pattern_help="a size such as 512m or 4g"),
    Setting("data_dir", "KLYNGE_DATA_DIR", Path, Path("var/graph"),
            "the embedded store's data (append-only file, log, `server.json`)"),
    Setting("graph_name", "KLYNGE_GRAPH", str, "klynge", "graph name on the embedded store"),
    Setting("falkordb_port", "KLYNGE_FALKORDB_PORT", int, None, "fix the embedded store's port (127.0.0.1 only)",
            shown="a free port"),
    Setting("query_timeout_s", "KLYNGE_QUERY_TIMEOUT_S", float, 30.0, "default timeout of read queries", above=0),
    Setting("write_batch_size", "KLYNGE_WRITE_BATCH_SIZE", int, 5000, "rows per `UNWIND` batch when loading", low=1),
    Setting("person_key_secret", "KLYNGE_PERSON_KEY", str, "klynge-development-key-change-me",
            "secret for pseudonymous person keys — set your own and keep it stable", shown="a development key"),
    Setting("web_host", "KLYNGE_HOST", str, "127.0.0.1", "where `klynge serve` listens"),
    Setting("web_port", "KLYNGE_PORT", int, 5000, "the port `klynge serve` listens on", low=1, high=65535),
    Setting("state_dir", "KLYNGE_STATE_DIR", Path, Path("var/state"),
            "accounts (`users.json`), login sessions (`sessions.sqlite3`), the session secret, the embedded store's "
            "password (`falkordb-password`, mode 0600), the console audit log, saved queries and the cluster-fit "
            "model of the current measures run (`fit/`) — kept apart from the graph, so a graph wipe never removes "
            "them"),
    Setting("secret_key", "KLYNGE_SECRET_KEY", str, None,
            "Flask session secret, shared by every worker and restart", shown="generated once in `<state_dir>/secret_key`"),
    Setting("secure_cookies", "KLYNGE_SECURE_COOKIES", str, "auto",
            "`auto`: session cookies are Secure (HTTPS only) unless `klynge serve`/`klynge demo` bind to a loopback "
            "address; `true` / `false` force it", choices=("auto", "true", "false")),
    Setting("session_hours", "KLYNGE_SESSION_HOURS", float, 8.0, "a login lasts at most this long", above=0,
            why="a login needs a bounded lifetime"),
    Setting("trusted_proxies", "KLYNGE_TRUSTED_PROXIES", int, 0,
            "reverse proxies in front of the web app (e.g. `1` behind one TLS proxy): the client address and scheme "
            "are then read from their `X-Forwarded-For` / `X-Forwarded-Proto`, so the login throttle and the audit "
            "log see the real client; at `0` those headers are ignored", low=0, high=10,
            why="it is the number of reverse proxies in front (0: none)"),
    Setting("console_timeout_s", "KLYNGE_CONSOLE_TIMEOUT_S", float, 10.0, "the Cypher console's server-side timeout",
            above=0),
    Setting("console_max_rows", "KLYNGE_CONSOLE_MAX_ROWS", int, 1000,
            "the Cypher console's row cap (results beyond it are marked truncated)", low=1),
    Setting("console_concurrency", "KLYNGE_CONSOLE_CONCURRENCY", int, 2,
            "console queries running at once per web process (and the threads of the console's replica of the "
            "embedded store); a query waits for a slot within its own time limit, then is turned away as busy (503)",
            low=1),
    Setting("console_max_bytes", "KLYNGE_CONSOLE_MAX_BYTES", int, 4_000_000,
            "the most bytes of values one console answer carries; rows beyond are cut off (marked truncated), a "
            "single larger row is refused (413)", low=1000),
    Setting("console_memory_mb", "KLYNGE_CONSOLE_MEMORY_MB", int, 256,
            "memory one console query may take in the store (FalkorDB's `QUERY_MEM_CAPACITY` on the console's "
            "replica; on Neo4j the server's `db.memory.transaction.max` applies)", low=16),
    Setting("console_replica", "KLYNGE_CONSOLE_REPLICA", bool, True,
            "on the embedded store, console queries run on a read-only replica process of their own (own threads, "
            "lowest CPU priority), so they cannot slow the app's pages; `false` runs them on the main store"),
    Setting("store_memory_mb", "KLYNGE_STORE_MEMORY_MB", int, 0,
            "the embedded store's `maxmemory` (0: half the machine's memory); a full store refuses writes, never "
            "drops data", low=0),
    Setting("store_query_memory_mb", "KLYNGE_STORE_QUERY_MEMORY_MB", int, 0,
            "the memory one query may take in the embedded store (0: a quarter of `maxmemory`, at most 2048 MB)",
            low=0),
    Setting("measures_cache_s", "KLYNGE_MEASURES_CACHE_S", float, 3600.0,
            "longest life of the web app's snapshot of the current measures", low=0),
    Setting("measures_check_s", "KLYNGE_MEASURES_CHECK_S", float, 5.0,
            "how often the web app looks for a newly published measures run", low=0),
    Setting("schedule", "KLYNGE_SCHEDULE", str, "30 2 * * *",
            "cron schedule of the nightly jobs (Europe/Oslo); a time skipped by the spring clock change runs right "
            "after it, a repeated autumn time once"),
    Setting("measure_history_runs", "KLYNGE_MEASURE_HISTORY_RUNS", int, 30,
            "succeeded measure runs whose values are kept for trends", low=1),
    Setting("job_lock_ttl_s", "KLYNGE_JOB_LOCK_TTL_S", float, 900.0,
            "lifetime of the one-run-at-a-time lock (renewed while a run is alive)", low=10),
    Setting("betweenness_exact_max", "KLYNGE_BETWEENNESS_EXACT_MAX", int, 10000,
            "exact betweenness up to this many nodes (per component in the local engine), sampled above", low=0),
    Setting("betweenness_samples", "KLYNGE_BETWEENNESS_SAMPLES", int, 128, "sources sampled above that limit", low=1),
    Setting("job_seed", "KLYNGE_JOB_SEED", int, 42, "seed for sampling and community detection"),
    Setting("job_page_size", "KLYNGE_JOB_PAGE_SIZE", int, 20000, "persons per read page when building the projections",
            low=1),
    Setting("regions_file", "KLYNGE_REGIONS_FILE", Path, None, "your own regions (YAML), merged with the shipped ones"),
    Setting("helix_overrides_file", "KLYNGE_HELIX_OVERRIDES_FILE", Path, None,
            "your own Triple Helix overrides (CSV `orgnr,helix,reason[,label]`), merged with the shipped ones"),
    Setting("brreg_api", "KLYNGE_BRREG_API", str, "https://data.brreg.no/enhetsregisteret/api",
            "the Enhetsregisteret API root `klynge sync brreg` reads (a mirror with the same paths works too)"),
    Setting("sync_page_size", "KLYNGE_SYNC_PAGE_SIZE", int, 1000,
            "update items per feed page (1–10,000); a feed's cursor is stored after each page", low=1, high=10_000,
            why="the feeds' limit"),
    Setting("sync_files", "KLYNGE_SYNC_FILES", Path, None,
            "a YAML list of grant and patent files (paths or URLs) that `klynge sync` re-reads when they changed "
            "(`loaders/sync/files.py`)"),
    Setting("http_timeout_s", "KLYNGE_HTTP_TIMEOUT_S", float, 60.0, "read timeout of each request the syncs send",
            above=0),
    Setting("http_contact", "KLYNGE_HTTP_CONTACT", str, None,
            "the operator's contact (e.g. an e-mail address) in the syncs' User-Agent"),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
#: Setting name -> environment variable.
ENV: dict[str, str] = {s.name: s.env for s in SETTINGS}
#: Settings that are paths relative to the working directory when not absolute.
_RELATIVE_DIRS = ("data_dir", "state_dir", "neo4j_home")


def _backend(self: Any) -> str:
    return "neo4j" if self.neo4j_uri else "falkordb"


#: Every setting's value (attributes named as in :data:`SETTINGS`); build with :func:`load_settings`.
Settings = make_dataclass(
    "Settings",
    [(s.name, s.kind if s.default is not None else (s.kind | None), field(default=s.default)) for s in SETTINGS],
    frozen=True,
    namespace={"backend": property(_backend), "__module__": __name__,
               "__doc__": "Every setting Klynge reads (see :data:`SETTINGS` for each one's variable and meaning)."},
)


def _coerce(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = SETTINGS_BY_NAME[name].kind
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} ({ENV[name]}) must be {kind.__name__}, got {value!r}") from exc


def _check(s: Setting, value: Any) -> None:
    """Raise ConfigError when ``value`` breaks the setting's bounds, choices or pattern."""
    if value is None:
        return
    what = f"setting {s.name} ({s.env})"
    why = f"; {s.why}" if s.why else ""
    if s.choices and str(value).lower() not in s.choices:
        raise ConfigError(f"{what} must be {', '.join(s.choices[:-1])} or {s.choices[-1]}, got {value!r}")
    if s.pattern and not re.fullmatch(s.pattern, str(value)):
        raise ConfigError(f"{what} must be {s.pattern_help}, got {value!r}")
    if s.low is not None and s.high is not None and not s.low <= value <= s.high:
        raise ConfigError(f"{what} must be {s.low:g} to {s.high:g}, got {value!r}{why}")
    if s.low is not None and s.high is None and value < s.low:
        raise ConfigError(f"{what} must be at least {s.low:g}, got {value!r}{why}")
    if s.above is not None and not value > s.above:
        raise ConfigError(f"{what} must be above {s.above:g}, got {value!r}{why}")


def check_setting(name: str, value: Any) -> None:
    """Raise ConfigError, naming the setting and its variable, when ``value`` breaks its bounds."""
    _check(SETTINGS_BY_NAME[name], value)


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting's value from the environment (or its default), converted and checked: for code that
    needs one value on a hot path, where building every setting would be wasted.

    Raises
    ------
    ConfigError
        As :func:`load_settings` does for that setting.
    """
    s = SETTINGS_BY_NAME[name]
    raw = (os.environ if environ is None else environ).get(s.env)
    value = s.default if raw in (None, "") else _coerce(name, raw)
    _check(s, value)
    return value


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Any:
    """Build settings: defaults, then environment, then ``overrides``.

    Parameters
    ----------
    overrides : mapping of field name to value (tests, the web app's config).
    environ : the environment to read (default ``os.environ``).

    Returns
    -------
    Settings

    Raises
    ------
    ConfigError
        When a value cannot be converted to its type, breaks its bounds, or a name is unknown.
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
    for name in _RELATIVE_DIRS:
        if not getattr(settings, name).is_absolute():
            settings = replace(settings, **{name: Path.cwd() / getattr(settings, name)})
    for s in SETTINGS:
        _check(s, getattr(settings, s.name))
    return settings


def markdown_table() -> str:
    """The README's settings table, generated from :data:`SETTINGS`."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{s.env}` | {s.default_text} | {s.help} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m klynge.config --markdown
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m klynge.config --markdown")
    sys.stdout.write(markdown_table())
