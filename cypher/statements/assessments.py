"""Statements of the assessments loader (loaders.sources.assessments): the content hash of an imported row and
the export of every assessment. Confidential (docs/assessments.md)."""

from __future__ import annotations

from cypher.registry import register
from klynge.assessments import THEMES


SET_HASH = register("loaders.assessments.set_hash", """
UNWIND $rows AS row
MATCH (a:Assessment {assessment_id: row[0]})
SET a._hash = row[1]
""")


EXPORT = register("loaders.assessments.export", f"""
MATCH (a:Assessment)
RETURN a.assessment_id AS assessment_id, a.orgnr AS orgnr, a.interview_date AS interview_date,
       a.advisor AS advisor, a.status AS status, a.instrument_version AS instrument_version, a.items AS items,
       a.answers AS answers, {", ".join(f"a.{t} AS {t}" for t in THEMES)}
ORDER BY a.orgnr, a.interview_date, a.assessment_id
""")
