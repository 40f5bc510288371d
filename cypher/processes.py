"""What the two local servers (the embedded FalkorDB, the local Neo4j) share: ports on loopback and a
start lock, so several processes on one machine start one server, not several."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created when missing, mode 0600) for the ``with`` block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def find_or_start(lock: Path, find: Callable[[], T | None], start: Callable[[], T]) -> T:
    """The running server that ``find`` returns; else, holding the start lock ``lock``, ``find`` again
    (another process may have started it meanwhile) and otherwise ``start`` it."""
    found = find()
    if found is not None:
        return found
    with locked(lock):
        found = find()
        return found if found is not None else start()
