"""One measures run at a time: a lock node in the graph with an owner and an expiry.

The lock is ``(:Lock {key: 'measures'})`` with ``owner`` (``host:pid``), ``host``,
``pid``, ``run_id`` and ``expires`` (epoch seconds). Taking it is one query: MERGE the
node, touch it (which, on Neo4j, takes the node's write lock before anything is read),
then set the new owner only when the lock is free, expired, already ours, or held by
the exact stale owner the caller proved dead. A background thread extends the expiry
every third of its time-to-live while the run lives, so a lock outlives its run by at
most one time-to-live when the run is killed; on the same host a dead owner pid is
noticed at once.

Notes
-----
Works on both stores: FalkorDB runs each query alone; on Neo4j the ``SET`` before
the read serialises two concurrent takers on the node lock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cypher.statements.lock import ACQUIRE, READ, REFRESH, RELEASE
from klynge.errors import JobFailed

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)

LOCK_KEY = "measures"


class JobLocked(JobFailed):
    """Another measures run holds the lock."""


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (zombies count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass(frozen=True)
class Takeover:
    """A stale lock this run took over: whose it was and why it was stale."""

    owner: str
    run_id: str | None
    reason: str


class JobLock:
    """The measures lock for one run.

    Parameters
    ----------
    store : the graph store.
    run_id : the run that will hold the lock.
    ttl_s : time-to-live; the holder extends it every ``ttl_s / 3`` seconds.
    key : the lock's key (one lock per job family).
    clock : epoch seconds (tests pass a fake).
    """

    def __init__(self, store: GraphStore, run_id: str, *, ttl_s: float = 900.0, key: str = LOCK_KEY,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.run_id = run_id
        self.ttl_s = float(ttl_s)
        self.key = key
        self.clock = clock
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.owner = f"{self.host}:{self.pid}"
        self.takeover: Takeover | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def _try(self, stale_owner: str | None = None) -> dict[str, Any]:
        now = self.clock()
        rows = self.store.run(ACQUIRE, {
            "key": self.key, "now": now, "owner": self.owner, "host": self.host, "pid": self.pid,
            "run_id": self.run_id, "expires": now + self.ttl_s, "stale_owner": stale_owner,
        })
        return rows[0]

    def acquire(self, wait_s: float = 0.0, poll_s: float = 2.0,
                sleep: Callable[[float], None] = time.sleep) -> Takeover | None:
        """Take the lock, taking over a stale one; wait up to ``wait_s`` for a live holder.

        Returns
        -------
        Takeover or None
            What was taken over (the caller logs it and marks that run interrupted).

        Raises
        ------
        JobLocked
            When a live run holds the lock past ``wait_s``; the message names its owner,
            run and expiry.
        """
        deadline = self.clock() + max(0.0, wait_s)
        while True:
            row = self._try()
            prev = row.get("prev_owner")
            if row.get("acquired"):
                if prev and prev != self.owner:
                    self.takeover = Takeover(prev, row.get("prev_run"),
                                             f"its lock expired at {_iso(row.get('prev_expires'))}")
                break
            # held by someone else: dead on this host?
            if row.get("host") == self.host and row.get("pid") is not None and not pid_alive(int(row["pid"])):
                again = self._try(stale_owner=prev)
                if again.get("acquired"):
                    self.takeover = Takeover(prev, row.get("prev_run"),
                                             f"its process {row['pid']} on {self.host} is no longer running")
                    break
                continue
            if self.clock() >= deadline:
                raise JobLocked(
                    f"another measures run holds the lock: run {row.get('prev_run')} owned by {prev}, "
                    f"lock valid until {_iso(row.get('prev_expires'))}; wait for it to finish "
                    "(`klynge jobs status`), or stop it — a killed run's lock is taken over "
                    "automatically once its process is gone or the lock has expired"
                )
            sleep(min(poll_s, max(0.0, deadline - self.clock())))
        if self.takeover:
            log.warning("took over the measures lock from %s (run %s): %s",
                        self.takeover.owner, self.takeover.run_id, self.takeover.reason)
        self._start_heartbeat()
        return self.takeover

    def refresh(self) -> bool:
        """Extend the expiry; False when this run no longer owns the lock."""
        rows = self.store.run(REFRESH, {"key": self.key, "owner": self.owner,
                                        "expires": self.clock() + self.ttl_s})
        ok = bool(rows and rows[0]["n"])
        if not ok:
            self.lost = True
        return ok

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl_s / 3.0):
            try:
                if not self.refresh():
                    log.error("run %s lost the measures lock to another run", self.run_id)
                    return
            except Exception as exc:  # noqa: BLE001 - a heartbeat failure must not kill the thread noisily
                log.warning("could not extend the measures lock of run %s: %s", self.run_id, exc)

    def _start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat, name=f"lock-{self.run_id}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop the heartbeat and delete the lock if this run still owns it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.store.run(RELEASE, {"key": self.key, "owner": self.owner})
        except Exception as exc:  # noqa: BLE001 - an expired lock is harmless
            log.warning("could not release the measures lock of run %s: %s", self.run_id, exc)

    def __enter__(self) -> JobLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_lock(store: GraphStore, key: str = LOCK_KEY) -> dict[str, Any] | None:
    """The lock's current holder, or None when nobody holds it."""
    rows = store.read(READ, {"key": key})
    return rows[0] if rows else None
