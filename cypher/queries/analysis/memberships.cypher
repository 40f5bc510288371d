// name: analysis/memberships
// title: Cluster memberships of all organisations
// description: One row per organisation and cluster it is a member of, with
//   the membership dates and role.
// params:
// mode: read
MATCH (o:Organization)-[m:MEMBER_OF]->(c:Cluster)
RETURN o.orgnr AS orgnr, c.cluster_id AS cluster_id, m.since AS since, m.until AS until, m.role AS role
ORDER BY cluster_id, orgnr
