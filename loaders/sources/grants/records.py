"""What both grant sources write: Grant nodes with the lead organisation's RECEIVED link."""

from __future__ import annotations

from typing import Any

from loaders.core import LoadContext, NodeUpsert

PROPS = ("project_number", "title", "programme", "year", "status", "granted", "amount_applied",
         "amount_granted", "orgnr")
W = 2 + len(PROPS)

NODES = NodeUpsert("loaders.grants", "Grant", "grant_id", PROPS, create_tail=f"""
FOREACH (k IN row[{W}] |
  MERGE (org:Organization {{orgnr: k}})
  CREATE (org)-[:RECEIVED {{role: 'lead'}}]->(o))
""", update_tail=f"""
WITH o, row
OPTIONAL MATCH (o)<-[x:RECEIVED]-(a)
WHERE a:Organization
WITH o, row, collect(x) AS xs
FOREACH (r IN xs | DELETE r)
FOREACH (k IN row[{W}] |
  MERGE (org:Organization {{orgnr: k}})
  MERGE (org)-[:RECEIVED {{role: 'lead'}}]->(o))
""")
"""Grant nodes and the lead organisation's RECEIVED link."""


def link_rows(ctx: LoadContext, resolver: Any, orgnr: str | None, name: str | None) -> tuple[list[str], str | None]:
    """The orgnrs to link (0 or 1) and how: by orgnr, by resolved name, or not at all."""
    if orgnr:
        return [orgnr], "orgnr"
    if name and resolver is not None:
        res = resolver.resolve(name)
        if res.orgnr:
            return [res.orgnr], res.status
    return [], None
