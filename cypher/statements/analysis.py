"""Statements of the region analyses (gds_jobs.analysis): what a kept analysis depends on, and the synthetic
generator's member rule as the synthetic load recorded it."""

from __future__ import annotations

from cypher.registry import register


#: What an analysis kept in memory depends on (:func:`data_version`), one simple statement each so both stores
#: answer from their counts and indexes (a constant column or a pipeline would make them scan).
VERSION_QUERIES: tuple[tuple[str, str], ...] = (
    ("organizations", register("gds_jobs.analysis.version.organizations",
                               "MATCH (o:Organization) RETURN count(o) AS v")),
    ("memberships", register("gds_jobs.analysis.version.memberships",
                             "MATCH ()-[r:MEMBER_OF]->() RETURN count(r) AS v")),
    ("roles", register("gds_jobs.analysis.version.roles", "MATCH ()-[r:HOLDS_ROLE]->() RETURN count(r) AS v")),
    ("measures_run", register("gds_jobs.analysis.version.measures_run",
                              "MATCH (m:Meta {key: 'measures'}) RETURN m.measures_run AS v")),
    ("load", register("gds_jobs.analysis.version.load", "MATCH (l:LoadRun) RETURN l.load_id AS v "
                                                        "ORDER BY l.started DESC, l.load_id DESC LIMIT 1")),
)


SYNTHETIC_MEMBER_RULE = register("gds_jobs.analysis.synthetic_member_rule",
                                 "MATCH (m:Meta {key: 'synthetic'}) RETURN m.member_rule AS rule")
"""How the synthetic generator chose cluster members, as the synthetic load recorded it (no row: not loaded)."""
