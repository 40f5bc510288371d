// name: analysis/clusters
// title: Clusters with level, programme and host
// description: Every cluster (Innovasjon Norge levels and SIVA programmes) with
//   the facts the group definitions and the cluster-fit scores use.
// params:
// mode: read
MATCH (c:Cluster)
RETURN c.cluster_id AS cluster_id, c.name AS name, c.level AS level, c.programme AS programme,
       c.host_county AS host_county, c.host_orgnr AS host_orgnr, c.since AS since, c.until AS until,
       c.synthetic AS synthetic, c.as_of AS as_of
ORDER BY cluster_id
