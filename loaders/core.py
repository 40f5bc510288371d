"""The loaders' frame: everything a loader imports, from one place.

A loader is a :class:`Source` declaration plus one ``load(ctx, path)`` function (house style §4).
:class:`LoadContext` owns everything around it: batching, counting created/updated/unchanged
honestly through a content hash ``_hash`` stored on each node or relationship, the reject file,
unknown-field reports, the progress bar, the ``LoadRun`` record and the person pseudonym key. A
loader never sees a driver, only its :class:`NodeUpsert` statements and ``ctx``.

The frame is split by concern: :mod:`loaders.declarations` (source, summary, positions, rejected
rows), :mod:`loaders.values` (value parsing, the known-field audit, row hashes),
:mod:`loaders.readers` (streaming JSON and CSV readers; any read failure is a
:class:`~klynge.errors.LoadError` naming the file and the position), :mod:`loaders.context`
(the load context and :func:`run_loader`) and :mod:`cypher.upsert` (the generated upsert
statements).
"""

from __future__ import annotations

from cypher.upsert import HELIX_NODE_LABELS, NodeUpsert
from loaders.context import BATCH_SIZE, GC_GEN0_THRESHOLD, LoadContext, graph_fingerprint, run_loader
from loaders.declarations import LoadSummary, Pos, RowRejected, Source
from loaders.readers import CsvFormat, CsvRow, JsonDoc, iter_csv, iter_files, iter_json, sniff_csv
from loaders.values import (
    ANY,
    MAX_TEXT,
    clean_orgnr,
    dig,
    norm_name,
    orgnr_ok,
    person_key,
    row_hash,
    schema_from_paths,
    to_bool,
    to_date,
    to_int,
    to_number,
    to_text,
    unknown_paths,
)

__all__ = [
    "ANY", "BATCH_SIZE", "GC_GEN0_THRESHOLD", "HELIX_NODE_LABELS", "MAX_TEXT", "CsvFormat", "CsvRow", "JsonDoc",
    "LoadContext", "LoadSummary", "NodeUpsert", "Pos", "RowRejected", "Source", "clean_orgnr", "dig",
    "graph_fingerprint", "iter_csv", "iter_files", "iter_json", "norm_name", "orgnr_ok", "person_key",
    "row_hash", "run_loader", "schema_from_paths", "sniff_csv", "to_bool", "to_date", "to_int", "to_number",
    "to_text", "unknown_paths",
]
