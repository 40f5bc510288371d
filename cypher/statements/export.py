"""Statement of the measures export (gds_jobs.export)."""

from __future__ import annotations

from cypher.registry import register

EXPORT_PAGE = register("gds_jobs.export.page", """
MATCH (v:MeasureValue {run_id: $run_id})
WHERE v.orgnr > $after AND v.degree IS NOT NULL
WITH v ORDER BY v.orgnr LIMIT $page
OPTIONAL MATCH (o:Organization {orgnr: v.orgnr})
RETURN v.orgnr AS orgnr, o.name AS name, o.helix AS helix, v.packed AS packed
ORDER BY orgnr
""")
