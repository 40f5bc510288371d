// name: search/orgnrs_in_cluster
// title: Members of clusters
// description: Organisation numbers of the members of one of the clusters,
//   largest first (a search seed).
// params: cluster: list[str], limit: int = 2000
// example: cluster=ocean
// mode: read
UNWIND $cluster AS cid
MATCH (c:Cluster {cluster_id: cid})
MATCH (c)<-[:MEMBER_OF]-(o:Organization)
RETURN DISTINCT o.orgnr AS orgnr, coalesce(o.employees, 0) AS employees
ORDER BY employees DESC, orgnr
LIMIT $limit
