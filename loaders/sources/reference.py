"""``klynge load reference``: the reference tables into the graph.

Writes, from :mod:`klynge.reference` (packaged data; SSB KLASS, CC BY 4.0):
``Municipality`` nodes (2020–2023 and current numbers, ``current_code``) with
``SUCCEEDED_BY`` (old → new, with the date) and ``IN_COUNTY``; ``County`` nodes;
``Region`` nodes with ``IN_REGION`` (a region's member list replaces its previous
one); the NACE hierarchy of SN2025 and SN2007 as ``Industry`` nodes
(``industry_id`` = ``SN2025:62.100``) with ``PARENT`` (child → parent) and
``CORRESPONDS_TO`` (SN2025 → SN2007); ``ValueArea`` nodes with ``IN_VALUE_AREA``
from every SN2025 code at level 5. The path argument is ignored (the data ships
with the package; extra regions come from ``KLYNGE_REGIONS_FILE``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from cypher.statements.reference import (
    CORRESPONDS,
    COUNTIES,
    IN_COUNTY,
    IN_REGION,
    IN_VALUE_AREA,
    INDUSTRIES,
    MUNICIPALITIES,
    PARENT,
    REGION_STALE,
    REGIONS,
    SUCCEEDED_BY,
    VALUE_AREA_STALE,
    VALUE_AREAS,
)
from loaders.core import LoadContext, NodeUpsert, Source, row_hash

SOURCE = Source(
    name="reference",
    kind="reference",
    title="Reference data: municipalities, counties, regions, NACE (SN2025/SN2007), value areas",
    formats=("packaged CSV/YAML in klynge/reference/data",),
    licence="SSB KLASS CC BY 4.0; see klynge/reference/data/SOURCES.md",
    summary="Municipalities, counties, regions, NACE hierarchies and value-creation areas (shipped data).",
    takes_path=False,
)


def _s(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return v or None
    if hasattr(v, "item"):
        return v.item()
    return v


def _nodes(ctx: LoadContext, spec: NodeUpsert, rows: list[list[Any]]) -> None:
    out = [[r[0], row_hash(r[1:], {}), *r[1:]] for r in rows]
    ctx.tick(len(out))
    for i in range(0, len(out), ctx.batch_size):
        spec.write(ctx, out[i:i + ctx.batch_size])


def _rels(ctx: LoadContext, q: str, rows: list[list[Any]]) -> None:
    for i in range(0, len(rows), ctx.batch_size):
        ctx.execute(q, rows[i:i + ctx.batch_size])


def load(ctx: LoadContext, path: Path) -> None:
    from klynge import reference as ref

    if ctx.options.get("path_given"):
        ctx.warn("`load reference` reads the packaged reference data; the given path is not used")
    mun = ref.municipalities()
    cty = ref.counties()
    _nodes(ctx, COUNTIES, [[_s(r.code), _s(r.name), _s(r.valid_from), _s(r.valid_to)] for r in cty.itertuples()])
    _nodes(ctx, MUNICIPALITIES, [[_s(r.code), _s(r.name), _s(r.county_code), _s(r.valid_from), _s(r.valid_to),
                                  _s(r.current_code)] for r in mun.itertuples()])
    _rels(ctx, IN_COUNTY, [[_s(r.code), _s(r.county_code)] for r in mun.itertuples() if _s(r.county_code)])
    _rels(ctx, SUCCEEDED_BY, [[_s(r.old_code), _s(r.new_code), _s(r.date)]
                              for r in ref.municipality_changes().itertuples()])
    regions = ref.regions()
    _nodes(ctx, REGIONS, [[rid, reg.name, getattr(reg, "description", None)] for rid, reg in sorted(regions.items())])
    _rels(ctx, IN_REGION, [[m, rid] for rid, reg in sorted(regions.items()) for m in reg.municipalities])
    _rels(ctx, REGION_STALE, [[rid, list(reg.municipalities)] for rid, reg in sorted(regions.items())])
    for version in ("SN2025", "SN2007"):
        tab = ref.nace(version)
        _nodes(ctx, INDUSTRIES, [[f"{version}:{_s(r.code)}", _s(r.code), version, int(r.level), _s(r.name),
                                  _s(r.section)] for r in tab.itertuples()])
        _rels(ctx, PARENT, [[f"{version}:{_s(r.code)}", f"{version}:{_s(r.parent_code)}"]
                            for r in tab.itertuples() if _s(r.parent_code)])
    sn25 = ref.nace("SN2025")
    pairs = []
    for r in sn25.itertuples():
        if int(r.level) == 5:
            for old in ref.sn2025_to_sn2007(r.code):
                pairs.append([f"SN2025:{r.code}", f"SN2007:{old}"])
    _rels(ctx, CORRESPONDS, pairs)
    _nodes(ctx, VALUE_AREAS, [[a.id, a.name, a.name_en] for a in ref.value_areas()])  # the default area last
    links = [[f"SN2025:{r.code}", ref.value_area(r.code, "SN2025")] for r in sn25.itertuples() if int(r.level) == 5]
    _rels(ctx, VALUE_AREA_STALE, links)
    _rels(ctx, IN_VALUE_AREA, links)
