"""Statements of the sub-unit loader (loaders.sources.subunits)."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert


PROPS = ("name", "parent_orgnr", "org_form", "nace1", "nace_version", "employees", "has_employee_count",
         "municipality_code", "active", "closed_date", "deleted_date")


_TAIL_CREATE = """
FOREACH (p IN row.parents |
  MERGE (org:Organization {orgnr: p})
  CREATE (o)-[:PART_OF]->(org))
FOREACH (c IN row.municipalities |
  MERGE (m:Municipality {code: c})
  CREATE (o)-[:LOCATED_IN {address_type: 'location'}]->(m))
"""


_TAIL_UPDATE = """
WITH o, row
OPTIONAL MATCH (o)-[l:LOCATED_IN]->(:Municipality)
WITH o, row, collect(l) AS ls
FOREACH (x IN ls | DELETE x)
WITH o, row
OPTIONAL MATCH (o)-[r:PART_OF]->(:Organization)
WITH o, row, collect(r) AS rs
FOREACH (x IN rs | DELETE x)
FOREACH (p IN row.parents |
  MERGE (org:Organization {orgnr: p})
  MERGE (o)-[:PART_OF]->(org))
FOREACH (c IN row.municipalities |
  MERGE (m:Municipality {code: c})
  MERGE (o)-[:LOCATED_IN {address_type: 'location'}]->(m))
"""


NODES = NodeUpsert("loaders.subunits", "SubUnit", "orgnr", PROPS, create_tail=_TAIL_CREATE,
                   update_tail=_TAIL_UPDATE, links=("parents", "municipalities"))


MARK_DELETED = register("loaders.subunits.mark_deleted", """
UNWIND $rows AS row
MATCH (s:SubUnit {orgnr: row.orgnr})
WITH s, row, CASE WHEN s.active = false AND s.deleted_date IS NOT NULL THEN 'unchanged' ELSE 'updated' END AS outcome
SET s.active = false, s.deleted_date = coalesce(s.deleted_date, row.date)
RETURN outcome, count(*) AS n
""")


REMOVE = register("loaders.subunits.remove", """
UNWIND $orgnrs AS k
MATCH (s:SubUnit {orgnr: k})
DETACH DELETE s
RETURN count(*) AS n
""")
"""Sub-units removed on legal grounds (Fjernet / HTTP 410), with their links."""
