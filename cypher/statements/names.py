"""Statements of the name matching (loaders.sources.names)."""

from __future__ import annotations

from cypher.registry import register


ORG_BY_ORGNR = register("loaders.common.org_names_by_orgnr", """
UNWIND $orgnrs AS k
MATCH (o:Organization {orgnr: k})
RETURN o.orgnr AS orgnr, o.name AS name
""")
