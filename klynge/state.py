"""Secrets kept in the state directory (``KLYNGE_STATE_DIR``): created once, mode 0600, shared by every process."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def private_secret(path: Path) -> str:
    """The secret in ``path`` (64 hex digits), generated on first use with mode 0600 (its directory 0700).

    Several processes may start at once: the secret is written to a temporary file and hard-linked
    into place, so exactly one wins and every process reads it.

    Raises
    ------
    OSError
        When the directory or the file cannot be created or read.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
