"""Statements of the patent loader (loaders.sources.patents)."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert


PROPS = ("application_number", "title", "filing_date", "year", "applicant_name")


NODES = NodeUpsert("loaders.patents", "Patent", "patent_id", PROPS)


APPLIED = register("loaders.patents.applied_for", """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row[0]})
MATCH (p:Patent {patent_id: row[1]})
MERGE (o)-[:APPLIED_FOR]->(p)
""")
