"""Start, find and stop the local Neo4j: Neo4j 5.26 with GDS, run by Klynge itself from Maven artifacts.

``make neo4j`` (part of ``make setup``) builds ``tools/neo4j`` with Maven into the repository's own
local Maven repository; nothing is downloaded at run time. :func:`ensure_server` then starts
``klynge.neo4j.LocalNeo4j`` (an embedded Neo4j DBMS with Bolt, see ``docs/neo4j-local.md``) in a
JVM of its own, detached from the calling process:

* Bolt on 127.0.0.1 only, on a free port (or ``KLYNGE_NEO4J_PORT``);
* authentication on, user ``neo4j`` with a password generated once and kept in
  ``<state_dir>/neo4j_password`` (mode 0600);
* the GDS procedures loaded from the plugins folder and unrestricted (``gds.*``);
* data and logs under ``KLYNGE_NEO4J_HOME`` (default ``./var/neo4j``), heap and page cache from
  ``KLYNGE_NEO4J_HEAP`` / ``KLYNGE_NEO4J_PAGECACHE``; one transaction may take a quarter of the heap
  (``db.memory.transaction.max``, :func:`transaction_memory`);
* ``server.json`` there (pid, port), so every Klynge process on the machine shares one server;
  a start is serialised by a lock file, and a dead server is restarted by the next start.

SIGTERM shuts the DBMS down cleanly (the JVM's shutdown hook); :func:`stop_server` waits for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cypher.processes import find_or_start, free_port, port_open
from klynge.config import REPO_ROOT, Settings
from klynge.errors import StoreUnavailable

TOOL_DIR = REPO_ROOT / "tools" / "neo4j"
TARGET = TOOL_DIR / "target"
MAIN_CLASS = "klynge.neo4j.LocalNeo4j"
STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
READY_FILE = "ready"
CONF_FILE = "neo4j.conf"
LOG_FILE = "console.log"
PASSWORD_FILE = "neo4j_password"
USERNAME = "neo4j"
#: Longest wait for a starting server to answer (a first start creates the system and neo4j databases).
START_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 60.0

#: JVM options of Neo4j's own server scripts that matter for an embedded DBMS on Java 17.
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)


@dataclass(frozen=True)
class Neo4jServer:
    """A running local Neo4j."""

    pid: int
    port: int
    home: Path
    password: str
    started_here: bool = False

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The settings that point Klynge at this server."""
        return {"NEO4J_URI": self.uri, "NEO4J_USERNAME": USERNAME, "NEO4J_PASSWORD": self.password}


def built() -> bool:
    """True when ``make neo4j`` has built the launcher, its class path and the GDS plugins folder."""
    return (TARGET / "klynge-neo4j.jar").is_file() and (TARGET / "lib").is_dir() and (TARGET / "plugins").is_dir()


def unavailable_reason() -> str | None:
    """Why the local Neo4j cannot run on this machine (None when it can): no Java, or not built."""
    if shutil.which("java") is None:
        return ("the local Neo4j needs Java 17 or newer, and `java` is not on the PATH; install a JDK "
                "(Debian: apt-get install openjdk-17-jdk-headless maven), then run `make neo4j`")
    if not built():
        if shutil.which("mvn") is None:
            return ("the local Neo4j is not built and Maven (`mvn`) is not on the PATH; install Maven "
                    "(Debian: apt-get install maven), then run `make neo4j`")
        return f"the local Neo4j is not built ({TARGET} is incomplete); run `make neo4j`"
    return None


def password_path(settings: Settings) -> Path:
    return settings.state_dir / PASSWORD_FILE


def password(settings: Settings, *, create: bool = True) -> str | None:
    """The local server's password, from ``<state_dir>/neo4j_password`` (generated there when missing)."""
    path = password_path(settings)
    with contextlib.suppress(FileNotFoundError):
        text = path.read_text().strip()
        if text:
            return text
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _alive(pid: int) -> bool:
    """True when ``pid`` is a live (not zombie) local-Neo4j JVM."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    with contextlib.suppress(OSError):
        if MAIN_CLASS.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return False
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True






def read_state(settings: Settings) -> Neo4jServer | None:
    """The server recorded in the home directory, if its JVM is alive, ready and listening."""
    home = settings.neo4j_home
    try:
        state = json.loads((home / STATE_FILE).read_text())
        pid, port = int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (_alive(pid) and (home / READY_FILE).exists() and port_open(port)):
        return None
    pw = password(settings, create=False)
    if pw is None:
        return None
    return Neo4jServer(pid=pid, port=port, home=home, password=pw)




def transaction_memory(heap: str) -> str:
    """The most heap one transaction may take (``db.memory.transaction.max``): a quarter of the JVM heap
    ``heap`` (a size such as ``2g``), written in megabytes — as the ``neo4j`` service of docker-compose.yml
    (1G of a 4G heap) and FalkorDB's per-query cap (a quarter of the store's memory). An analyst's console
    query that needs more is stopped with a memory error instead of taking the heap the app, the jobs and
    GDS need; a loader batch or a measures write needs a few megabytes."""
    units = {"k": 1 / 1024, "m": 1, "g": 1024}
    mb = int(heap[:-1]) * units[heap[-1].lower()]
    return f"{max(16, int(mb // 4))}m"


def config_text(settings: Settings, port: int) -> str:
    """The server's configuration (neo4j.conf syntax): Bolt on loopback, GDS, memory, timeouts."""
    lines = {
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": f"127.0.0.1:{port}",
        "server.bolt.advertised_address": f"127.0.0.1:{port}",
        "dbms.security.auth_enabled": "true",
        "server.directories.plugins": str(TARGET / "plugins"),
        # the same procedure settings as the neo4j service of docker-compose.yml
        "dbms.security.procedures.unrestricted": "gds.*",
        "dbms.security.procedures.allowlist": "gds.*,db.*,dbms.*",
        "server.memory.pagecache.size": settings.neo4j_pagecache,
        "db.memory.transaction.max": transaction_memory(settings.neo4j_heap),
        # a query that outlives every caller's own timeout is still stopped
        "db.transaction.timeout": f"{int(max(settings.query_timeout_s, 60) * 10)}s",
        "dbms.usage_report.enabled": "false",
    }
    return "".join(f"{k}={v}\n" for k, v in lines.items())


def ensure_server(settings: Settings) -> Neo4jServer:
    """Return the running local Neo4j of ``settings.neo4j_home``, starting it if needed.

    Raises
    ------
    StoreUnavailable
        When Java is missing or the server is not built (the message says how to fix it), the fixed
        port is taken, or the server does not answer within :data:`START_TIMEOUT_S` (its log is quoted).
    """
    reason = unavailable_reason()
    if reason:
        raise StoreUnavailable(reason)
    home = settings.neo4j_home
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    return find_or_start(home / LOCK_FILE, lambda: read_state(settings), lambda: _start(settings))


def _start(settings: Settings) -> Neo4jServer:
    home = settings.neo4j_home
    port = settings.neo4j_port
    if port is not None and port_open(port):
        raise StoreUnavailable(
            f"port {port} on 127.0.0.1 is already in use by another program, so the local Neo4j cannot "
            "start there; free it, or unset KLYNGE_NEO4J_PORT to use a free port"
        )
    chosen = port if port is not None else free_port()
    pw = password(settings)
    assert pw is not None
    conf = home / CONF_FILE
    conf.write_text(config_text(settings, chosen))
    for name in (READY_FILE, STATE_FILE):
        (home / name).unlink(missing_ok=True)
    classpath = os.pathsep.join([str(TARGET / "klynge-neo4j.jar"), str(TARGET / "lib" / "*")])
    args = ["java", f"-Xms{settings.neo4j_heap}", f"-Xmx{settings.neo4j_heap}", *JVM_OPTIONS,
            "-cp", classpath, MAIN_CLASS, str(home), str(conf)]
    log_path = home / LOG_FILE
    env = {**os.environ, "KLYNGE_NEO4J_PASSWORD": pw, "KLYNGE_NEO4J_LOG": str(log_path)}
    # started through sh so the JVM is not this process's child (it outlives it, and is never left for
    # this process to reap); a session of its own, so a Ctrl-C in the terminal does not reach it
    script = 'nohup "$@" </dev/null >>"$KLYNGE_NEO4J_LOG" 2>&1 & echo $!'
    try:
        out = subprocess.run(["sh", "-c", script, "sh", *args], env=env, cwd=str(home),  # noqa: S603,S607
                             capture_output=True, text=True, timeout=30, check=True, start_new_session=True)
        pid = int(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise StoreUnavailable(f"cannot start the local Neo4j (java): {exc}") from exc
    state = {"pid": pid, "port": chosen, "started": time.time()}
    tmp = home / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(home / STATE_FILE)
    print(f"klynge: starting the local Neo4j on 127.0.0.1:{chosen} (data in {home})", file=sys.stderr)
    deadline = time.monotonic() + START_TIMEOUT_S
    exited = False
    while time.monotonic() < deadline:
        if not _alive(pid):
            exited = True
            break
        if (home / READY_FILE).exists() and port_open(chosen):
            return Neo4jServer(pid=pid, port=chosen, home=home, password=pw, started_here=True)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    (home / STATE_FILE).unlink(missing_ok=True)
    tail = ""
    with contextlib.suppress(OSError):
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    what = "stopped while starting" if exited else f"did not answer within {START_TIMEOUT_S:.0f} s"
    raise StoreUnavailable(
        f"the local Neo4j on 127.0.0.1:{chosen} {what} (home {home}); its log ({log_path}) ends:\n{tail}"
    )


def stop_server(settings: Settings, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stop the local Neo4j cleanly (SIGTERM, then SIGKILL after ``timeout_s``).

    Returns True when a server was running and has stopped.
    """
    home = settings.neo4j_home
    try:
        pid = int(json.loads((home / STATE_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    running = _alive(pid)
    if running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for name in (STATE_FILE, READY_FILE):
        (home / name).unlink(missing_ok=True)
    return running
