"""What both grant sources share: which organisation a grant links to (by number or by resolved name)."""

from __future__ import annotations

from typing import Any

from loaders.core import LoadContext


def link_rows(ctx: LoadContext, resolver: Any, orgnr: str | None, name: str | None) -> tuple[list[str], str | None]:
    """The orgnrs to link (0 or 1) and how: by orgnr, by resolved name, or not at all."""
    if orgnr:
        return [orgnr], "orgnr"
    if name and resolver is not None:
        res = resolver.resolve(name)
        if res.orgnr:
            return [res.orgnr], res.status
    return [], None
