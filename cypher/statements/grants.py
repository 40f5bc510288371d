"""Statements of the grant loaders (loaders.sources.grants): Grant nodes with the lead organisation's
RECEIVED link."""

from __future__ import annotations

from cypher.upsert import NodeUpsert


PROPS = ("project_number", "title", "programme", "year", "status", "granted", "amount_applied",
         "amount_granted", "orgnr")


NODES = NodeUpsert("loaders.grants", "Grant", "grant_id", PROPS, create_tail="""
FOREACH (k IN row.lead_orgnrs |
  MERGE (org:Organization {orgnr: k})
  CREATE (org)-[:RECEIVED {role: 'lead'}]->(o))
""", update_tail="""
WITH o, row
OPTIONAL MATCH (o)<-[x:RECEIVED]-(a)
WHERE a:Organization
WITH o, row, collect(x) AS xs
FOREACH (r IN xs | DELETE r)
FOREACH (k IN row.lead_orgnrs |
  MERGE (org:Organization {orgnr: k})
  MERGE (org)-[:RECEIVED {role: 'lead'}]->(o))
""", links=("lead_orgnrs",))
"""Grant nodes and the lead organisation's RECEIVED link."""
