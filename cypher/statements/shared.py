"""Statements several loaders share: organisations known only from another source (stubs), missing
organisations, persons without roles, and the helix labels of unclassified organisations.

Helix labels are set with literal label text from the fixed set (Firm, University,
ResearchInstitute, PublicBody, Intermediary, OtherOrganization): one registered statement per
label (rows are grouped by label in Python), and a relabel removes all of them first, so a reclassified
organisation never keeps a stale label."""

from __future__ import annotations

from cypher.registry import register
from cypher.schema.model import EXTRA_ORG_LABELS


# The Cypher fragment that (re)labels organisation ``o`` from ``row.label``; only literal labels.
_REMOVE_ALL = "REMOVE o:Firm:University:ResearchInstitute:PublicBody:Intermediary:OtherOrganization"


ORG_STUBS: dict[str, str] = {
    lab: register(f"loaders.common.org_stubs_{lab.lower()}", f"""
UNWIND $rows AS row
OPTIONAL MATCH (x:Organization {{orgnr: row.orgnr}})
WITH row, x
WHERE x IS NULL
CREATE (o:Organization:{lab})
SET o += row.props
""")
    for lab in EXTRA_ORG_LABELS
}
"""Create organisations known only from another source (holder of a role, grant receiver …).

An existing organisation keeps its properties; a new one gets a name, the
source and its classification from what that source knows.
"""


MISSING_ORGS = register("loaders.common.missing_orgs", """
UNWIND $keys AS k
OPTIONAL MATCH (x:Organization {orgnr: k})
WITH k, x
WHERE x IS NULL
RETURN collect(k) AS missing
""")
"""Which of the given orgnrs have no organisation yet (a read, so only those stubs are sent)."""


ORPHAN_PERSONS = register("loaders.common.drop_orphan_persons", """
MATCH (p:Person)
OPTIONAL MATCH (p)-[r]-()
WITH p, count(r) AS degree
WHERE degree = 0
DELETE p
RETURN count(*) AS n
""")
"""Persons left without any relationship (every role they held was removed)."""


UNCLASSIFIED = register("loaders.common.unclassified", """
MATCH (o:Organization)
WHERE o.helix IS NULL
RETURN o.orgnr AS orgnr, o.org_form AS org_form, o.sector_code AS sector, o.nace1 AS nace,
       o.nace_version AS version, o.fr_sector AS fr_sector
""")


CLASSIFY: dict[str, str] = {
    lab: register(f"loaders.common.classify_{lab.lower()}", f"""
UNWIND $rows AS row
MATCH (o:Organization {{orgnr: row[0]}})
SET o.helix = row[1], o.helix_rule = row[2]
{_REMOVE_ALL}
SET o:{lab}
""")
    for lab in EXTRA_ORG_LABELS
}
