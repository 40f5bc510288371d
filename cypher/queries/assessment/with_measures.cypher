// name: assessment/with_measures
// title: Interviewed firms beside their network position (confidential)
// description: Each organisation's latest final absorptive-capacity assessment
//   (dimension scores 1-7 and the overall score) beside its network measures of
//   the current measures run: degree, Burt's constraint, eigenvector centrality,
//   betweenness. Advisors' interview data: confidential (docs/assessments.md).
// params: min_acap: float = 0.0
// mode: read
MATCH (a:Assessment)-[:ASSESSES]->(o:Organization)
WHERE a.status = 'final' AND coalesce(a.acap, 0.0) >= $min_acap
WITH o, a ORDER BY a.interview_date DESC, a.assessment_id DESC
WITH o, collect(a)[0] AS a
OPTIONAL MATCH (m:Meta {key: 'measures'})
WITH o, a, m
OPTIONAL MATCH (v:MeasureValue {key: m.measures_run + ':' + o.orgnr})
RETURN o.orgnr AS orgnr, o.name AS name, a.interview_date AS interview_date, a.advisor AS advisor,
       a.acquisition AS acquisition, a.assimilation AS assimilation, a.transformation AS transformation,
       a.exploitation AS exploitation, a.acap AS acap, v.degree AS degree, v.constraint AS `constraint`,
       v.eigenvector AS eigenvector, v.betweenness AS betweenness
ORDER BY acap DESC, name
