"""Statements of the main-unit loader (loaders.sources.units): Organization upserts with their helix label,
municipality and industry links; inactive, unlisted and removed units."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert


PROPS = ("name", "name_key", "org_form", "nace1", "nace2", "nace3", "nace_version", "sector_code", "employees",
         "has_employee_count", "municipality_code", "postal_code", "postal_place", "founded", "registered",
         "active", "deleted_date", "status", "parent_orgnr", "helix", "helix_rule", "last_accounts_year", "website")
"""Organization properties written from a unit, in row order (after orgnr and hash)."""


LINKS_CREATE = """
FOREACH (c IN row.municipalities |
  MERGE (m:Municipality {code: c})
  CREATE (o)-[:LOCATED_IN {address_type: 'business'}]->(m))
FOREACH (ind IN row.industries |
  MERGE (i:Industry {industry_id: ind[2]})
  ON CREATE SET i.code = ind[0], i.version = $version
  CREATE (o)-[:IN_INDUSTRY {rank: ind[1]}]->(i))
"""


LINKS_UPDATE = """
WITH o, row
OPTIONAL MATCH (o)-[l:LOCATED_IN]->(:Municipality)
WITH o, row, collect(l) AS ls
FOREACH (x IN ls | DELETE x)
WITH o, row
OPTIONAL MATCH (o)-[r:IN_INDUSTRY]->(:Industry)
WITH o, row, collect(r) AS rs
FOREACH (x IN rs | DELETE x)
FOREACH (c IN row.municipalities |
  MERGE (m:Municipality {code: c})
  MERGE (o)-[:LOCATED_IN {address_type: 'business'}]->(m))
FOREACH (ind IN row.industries |
  MERGE (i:Industry {industry_id: ind[2]})
  ON CREATE SET i.code = ind[0], i.version = $version
  MERGE (o)-[:IN_INDUSTRY {rank: ind[1]}]->(i))
"""


NODES = NodeUpsert("loaders.units", "Organization", "orgnr", PROPS, create_tail=LINKS_CREATE,
                   update_tail=LINKS_UPDATE,
                   links=("municipalities", "industries"), labelled=True)
"""Organization upserts with their helix label, LOCATED_IN and IN_INDUSTRY links."""


MARK_INACTIVE = register("loaders.units.mark_inactive", """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
WITH o, row, CASE WHEN o.active = false AND o.status = row.status THEN 'unchanged' ELSE 'updated' END AS outcome
SET o.active = false, o.status = row.status,
    o.deleted_date = coalesce(o.deleted_date, row.date)
RETURN outcome, count(*) AS n
""")


MARK_UNLISTED = register("loaders.units.mark_unlisted", """
MATCH (o:Organization)
WHERE o.source = $source AND o.as_of < $as_of AND o.active = true
SET o.active = false, o.status = 'unlisted'
RETURN count(o) AS n
""")
"""Snapshot semantics: units of this source that a newer full bulk file no longer lists are kept,
marked inactive with status ``unlisted`` (the file omits deleted and removed units alike)."""


REMOVE_UNITS = register("loaders.units.remove", """
UNWIND $orgnrs AS k
MATCH (o:Organization {orgnr: k})
OPTIONAL MATCH (o)-[:FILED]->(a:Accounts)
WITH o, collect(a) AS accounts
FOREACH (a IN accounts | DETACH DELETE a)
DETACH DELETE o
RETURN count(*) AS n
""")
"""Units removed on legal grounds (Fjernet / HTTP 410): the organisation, every relationship
(roles held and holding, locations, industries, memberships, grants, patents) and its accounts."""
