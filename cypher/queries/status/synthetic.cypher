// name: status/synthetic_loads
// title: Synthetic data loaded
// description: How many loads of generated (synthetic) data the graph has seen;
//   the web app says so on every page when it is more than zero.
// params:
// mode: read
MATCH (l:LoadRun)
WHERE l.source = 'synthetic'
RETURN count(l) AS loads
