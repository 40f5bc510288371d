"""Statements of the synthetic load (loaders.sources.synthetic)."""

from __future__ import annotations

from cypher.registry import register

RECORD_MEMBER_RULE = register("loaders.synthetic.member_rule", """
MERGE (m:Meta {key: 'synthetic'})
SET m.member_rule = $rule, m.updated = $updated
""")
"""Keep the generator's member rule in the graph, so analyses of synthetic clusters can state it."""
