"""Statements of the roles loader (loaders.sources.roles): Person nodes and HOLDS_ROLE relationships from
persons and organisations, and roles a unit's newer record no longer lists."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert

PERSON_PROPS = ("name", "name_key", "birth_year", "deceased")
PERSONS = NodeUpsert("loaders.roles.person", "Person", "person_key", PERSON_PROPS)
"""Person nodes (counted separately from the role rows in the summary)."""

ROLE_PROPS = ("role_group", "role_label", "active", "resigned", "order", "elected_by", "share", "changed")
"""``changed``: the role group's ``sistEndret``, the last date the register changed that board (or CEO,
auditor …); the open data gives no start date per role, so this is the date shown beside a role."""
_SET = ", ".join(f"r.{p} = row[{i + 4}]" for i, p in enumerate(ROLE_PROPS))
_REMOVE = ", ".join(f"r.{p}" for p in ROLE_PROPS)  # before SET: see cypher.upsert.NodeUpsert (FalkorDB nulls)


_CREATE_PROPS = ", ".join(["role: row[2]"] + [f"{p}: row[{i + 4}]" for i, p in enumerate(ROLE_PROPS)]
                          + ["source: $source", "as_of: $as_of", "_hash: row[3]"])


def _rel_upsert(holder: str, key: str) -> str:
    # A role (holder, unit, role code) occurs once per batch (duplicates within a unit's record are
    # rejected, a unit's record once per batch), so a missing relationship is CREATEd without a
    # second MERGE lookup; an existing one with another hash is updated in place.
    return f"""
UNWIND $rows AS row
MATCH (h:{holder} {{{key}: row[0]}})
MATCH (o:Organization {{orgnr: row[1]}})
OPTIONAL MATCH (h)-[r:HOLDS_ROLE {{role: row[2]}}]->(o)
WITH h, o, row, r, CASE WHEN r IS NULL THEN 'created' WHEN r._hash = row[3] THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  CREATE (h)-[:HOLDS_ROLE {{{_CREATE_PROPS}}}]->(o))
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END |
  REMOVE {_REMOVE}
  SET {_SET}, r.source = $source, r.as_of = $as_of, r._hash = row[3])
RETURN outcome, count(*) AS n
"""


PERSON_ROLES = register("loaders.roles.person_roles", _rel_upsert("Person", "person_key"))
ORG_ROLES = register("loaders.roles.org_roles", _rel_upsert("Organization", "orgnr"))

REMOVE_STALE = register("loaders.roles.remove_stale", """
UNWIND $units AS u
MATCH (o:Organization {orgnr: u[0]})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WITH r, u, coalesce(h.person_key, h.orgnr) + '|' + r.role AS rid
WHERE NOT rid IN u[1]
DELETE r
RETURN count(*) AS removed
""")
"""Set semantics: delete the unit's roles that its newest record no longer lists."""
