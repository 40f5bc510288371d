// name: organization/clusters
// title: Cluster memberships of an organisation
// description: The innovation clusters the organisation is a member of, with
//   membership dates, role and the source of the membership.
// params: orgnr: str
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (o)-[m:MEMBER_OF]->(c:Cluster)
RETURN c.cluster_id AS cluster_id, c.name AS name, c.level AS level, c.programme AS programme,
       m.since AS since, m.until AS until, m.role AS role, m.source AS source, c.as_of AS as_of
ORDER BY name, cluster_id
