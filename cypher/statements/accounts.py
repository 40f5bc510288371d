"""Statements of the accounts loader (loaders.sources.accounts)."""

from __future__ import annotations

from cypher.upsert import NodeUpsert


def accounts_upsert(amounts: tuple[str, ...]) -> NodeUpsert:
    """Accounts nodes with the FILED link from their organisation (created as a stub when unknown);
    ``amounts`` are the key-figure properties between the period and ``ebitda``."""
    props = ("orgnr", "year", "accounts_type", "currency", "period_start", "period_end", *amounts, "ebitda")
    return NodeUpsert("loaders.accounts", "Accounts", "accounts_id", props, create_tail="""
WITH o, row
MERGE (org:Organization {orgnr: row.orgnr})
CREATE (org)-[:FILED]->(o)
""", update_tail="""
WITH o, row
MERGE (org:Organization {orgnr: row.orgnr})
MERGE (org)-[:FILED]->(o)
""")
