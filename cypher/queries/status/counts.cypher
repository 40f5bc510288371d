// name: status/label_counts
// title: Nodes per label
// description: How many nodes carry each of Klynge's main labels.
// params:
// mode: read
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS nodes
ORDER BY nodes DESC, label
