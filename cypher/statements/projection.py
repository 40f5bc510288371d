"""Statements that read the jobs' projections (gds_jobs.projection): board seats per person, cluster
members, joint grants, sectors, and the GDS interlock projection."""

from __future__ import annotations

from cypher.registry import register

_SEAT_FILTER = ("r.active = true AND ((r.role_group = $board_group AND r.role IN $roles) "
                "OR ($include_ceo AND r.role = $ceo_role))")


PERSON_PAGE = register("gds_jobs.projection.person_page", f"""
MATCH (p:Person)
WHERE p.person_key > $after
WITH p ORDER BY p.person_key LIMIT $page
OPTIONAL MATCH (p)-[r:HOLDS_ROLE]->(o:Organization)
WHERE {_SEAT_FILTER}
RETURN p.person_key AS member, collect(DISTINCT o.orgnr) AS orgnrs
ORDER BY member
""")


#: FalkorDB: the same page by a range of internal node ids. FalkorDB seeks an id range directly, while
#: the portable page above scans and sorts every Person for every page (quadratic: 20-30 s a page at
#: 2 M persons); pages by id cost the same at any size.
PERSON_ID_BOUNDS = register("gds_jobs.projection.person_id_bounds", """
MATCH (p:Person)
RETURN min(id(p)) AS lo, max(id(p)) AS hi, count(p) AS n
""", dialect="falkordb")


PERSON_ID_PAGE = register("gds_jobs.projection.person_id_page", f"""
MATCH (p:Person)
WHERE id(p) >= $lo AND id(p) < $hi
OPTIONAL MATCH (p)-[r:HOLDS_ROLE]->(o:Organization)
WHERE {_SEAT_FILTER}
RETURN p.person_key AS member, collect(DISTINCT o.orgnr) AS orgnrs
""", dialect="falkordb")


CLUSTER_MEMBERS = register("gds_jobs.projection.cluster_members", """
MATCH (o:Organization)-[m:MEMBER_OF]->(c:Cluster)
WHERE m.until IS NULL OR m.until >= $today
RETURN c.cluster_id AS member, collect(DISTINCT o.orgnr) AS orgnrs
ORDER BY member
""")


JOINT_GRANTS = register("gds_jobs.projection.joint_grants", """
MATCH (o:Organization)-[:RECEIVED]->(g:Grant)
WITH g, collect(DISTINCT o.orgnr) AS orgnrs
WHERE size(orgnrs) > 1
RETURN g.grant_id AS member, orgnrs
ORDER BY member
""")


ORG_SECTORS = register("gds_jobs.projection.org_sectors", """
UNWIND $orgnrs AS k
MATCH (o:Organization {orgnr: k})
RETURN o.orgnr AS orgnr, o.helix AS helix
""")


#: The interlock projection for GDS (Cypher aggregation): one row per person and pair of
#: organisations (lower orgnr first), an organisation with no partner once with a null
#: target so isolates stay in the graph; weight = number of shared persons.
GDS_INTERLOCK_PROJECTION = register("gds_jobs.projection.gds_interlock", f"""
MATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization)
WHERE {_SEAT_FILTER}
WITH p, collect(DISTINCT o) AS orgs
UNWIND orgs AS a
WITH a, [x IN orgs WHERE x.orgnr > a.orgnr] AS partners
UNWIND (CASE WHEN size(partners) = 0 THEN [null] ELSE partners END) AS b
WITH a, b, count(*) AS shared
WITH gds.graph.project($name, a, b,
       {{relationshipProperties: CASE WHEN b IS NULL THEN null ELSE {{weight: toFloat(shared)}} END}},
       {{undirectedRelationshipTypes: ['*']}}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
""", dialect="neo4j")
