// name: analysis/municipalities
// title: Municipality names
// description: Every municipality's number and name, for the words of the
//   cluster-fit explanations ("same municipality as member X: Ringerike").
// params:
// mode: read
MATCH (m:Municipality)
RETURN m.code AS code, m.name AS name
ORDER BY code
