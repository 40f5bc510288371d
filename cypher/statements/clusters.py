"""Statements of the cluster loader (loaders.sources.clusters): clusters in their programme, members and
stale members."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert


PROPS = ("name", "name_key", "level", "programme", "since", "until", "host_county", "host_orgnr", "url")


NODES = NodeUpsert("loaders.clusters", "Cluster", "cluster_id", PROPS, create_tail="""
MERGE (p:Programme {programme_id: row.programme_id})
ON CREATE SET p.name = row.programme_name, p.owner = row.programme_owner
CREATE (o)-[:IN_PROGRAMME]->(p)
""", update_tail="""
WITH o, row
OPTIONAL MATCH (o)-[x:IN_PROGRAMME]->(:Programme)
WITH o, row, collect(x) AS xs
FOREACH (r IN xs | DELETE r)
MERGE (p:Programme {programme_id: row.programme_id})
ON CREATE SET p.name = row.programme_name, p.owner = row.programme_owner
MERGE (o)-[:IN_PROGRAMME]->(p)
""", links=("programme_id", "programme_name", "programme_owner"))


MEMBERS = register("loaders.clusters.members", """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row[0]})
MATCH (c:Cluster {cluster_id: row[1]})
OPTIONAL MATCH (o)-[old:MEMBER_OF]->(c)
WITH o, c, row, CASE WHEN old IS NULL THEN 'created' WHEN old._hash = row[2] THEN 'unchanged' ELSE 'updated' END AS outcome
MERGE (o)-[m:MEMBER_OF]->(c)
FOREACH (_ IN CASE WHEN outcome = 'unchanged' THEN [] ELSE [1] END |
  REMOVE m.since, m.until, m.role, m.match_score
  SET m.since = row[3], m.until = row[4], m.role = row[5], m.match_score = row[6], m.source = $source,
      m._hash = row[2])
RETURN outcome, count(*) AS n
""")


REMOVE_STALE = register("loaders.clusters.remove_stale_members", """
UNWIND $clusters AS c
MATCH (x:Cluster {cluster_id: c[0]})
WITH x, c
MATCH (x)<-[m:MEMBER_OF]-(o)
WHERE o:Organization AND NOT o.orgnr IN c[1]
DELETE m
RETURN count(*) AS removed
""")
