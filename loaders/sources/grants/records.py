"""What both grant sources share: which organisation a grant links to (by number or by resolved name), and
how a batch is written."""

from __future__ import annotations

from typing import Any

from cypher.statements.grants import NODES
from loaders.core import LoadContext
from loaders.sources.common import write_stubs


def link_rows(ctx: LoadContext, resolver: Any, orgnr: str | None, name: str | None) -> tuple[list[str], str | None]:
    """The orgnrs to link (0 or 1) and how: by orgnr, by resolved name, or not at all."""
    if orgnr:
        return [orgnr], "orgnr"
    if name and resolver is not None:
        res = resolver.resolve(name)
        if res.orgnr:
            return [res.orgnr], res.status
    return [], None


def write_grants(ctx: LoadContext, items: list[tuple[list[Any], dict[str, Any] | None]]) -> None:
    """One batch of ``(grant row, stub of its organisation or None)``: the organisations the grants link to
    first (stubs where unknown), then the grants."""
    write_stubs(ctx, [stub for _, stub in items if stub])
    NODES.write(ctx, [row for row, _ in items])
