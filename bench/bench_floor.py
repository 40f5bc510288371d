"""The CPU floor of loading units: what each stage costs per unit, and the best rate it allows.

Usage::

    python bench/bench_floor.py                      # 100 k synthetic units
    python bench/bench_floor.py --units 10000 --synth-dir /tmp/synths

``bench_loaders.py`` measures whole loads. This benchmark takes the units bulk JSON of a
synthetic Norway (:func:`loaders.synth.generate`, the real file format) apart and times each
stage on its own, with the faster alternative the ecosystem offers beside each one, so the
question "how fast could a units load be on this machine?" has measured answers:

Loader process (CPU µs per unit, ``time.process_time``, the young-generation GC threshold a
load uses):

* gunzip (``zlib``);
* reading as loads do (``iter_json``: gunzip, then pieces cut at element boundaries and
  decoded by ``orjson``);
* decoding, four peers on the same decompressed bytes: ``ijson`` items (the streaming reader
  loads used before), ``orjson.loads``, ``msgspec`` generic and ``msgspec`` typed (a ``Struct``
  of only the 21 fields ``units.prepare`` reads — no unknown-field audit is possible on that
  path). ``msgspec`` is not a Klynge dependency: ``pip install msgspec`` to include it;
* the unknown-field audit, field access, ``units.prepare`` (validation, classification), the
  row hash, and the two encodings a batch can be sent in: the ``CYPHER rows=…`` parameter
  text and FalkorDB's binary ``GRAPH.BULK`` format.

Store process (server CPU µs per unit from ``/proc/<pid>/stat``), on a fresh embedded store
with the model's indexes, for the same prepared rows:

* **Cypher**, what the loader sends: the read-only check and the ``CREATE`` with its
  ``LOCATED_IN``/``IN_INDUSTRY`` links (``NodeUpsert.write``);
* **GRAPH.BULK**, FalkorDB's binary insert (appending to an existing graph): the nodes, a
  read of their internal ids, then the links as binary edges.

Both stores are hashed afterwards (:func:`cypher.snapshot.snapshot`) to show the two paths
wrote the same graph. From the figures it prints the rate each pipeline allows: with a core
each for loader and store (``1e6 / max(loader µs, store µs)``) and with both sharing this
machine's cores (``cores × 1e6 / (loader µs + store µs)``, never above the first). Goals are
printed, never asserted. Results: ``bench/results/floor.json`` and ``floor.md``.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import io
import json
import os
import shlex
import struct
import sys
import tempfile
import time
from itertools import chain
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_loaders import GOAL_ROWS_S, cpu_s, load1, machine

BATCH = 5000


def _cpu(fn, *args):
    """(result, CPU seconds of this process) for one call, cyclic GC as during a load."""
    from loaders.core import GC_GEN0_THRESHOLD

    saved = gc.get_threshold()
    gc.collect()
    gc.freeze()  # a streaming load holds one batch, not the whole file: keep the stages' inputs out of GC scans
    gc.set_threshold(GC_GEN0_THRESHOLD, *saved[1:])
    try:
        t = time.process_time()
        out = fn(*args)
        return out, time.process_time() - t
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()


# -- FalkorDB's GRAPH.BULK binary format: per token a header (labels ``A:B``\0, u32 property
# count, names\0…) then per entity its values, each a type byte and a payload (0 null,
# 1 bool, 2 double, 3 string\0, 4 int64, 5 array); edges start with source and target ids (u64).
_NULL, _TRUE, _FALSE = b"\x00", b"\x01\x01", b"\x01\x00"
_I64 = struct.Struct("<Bq").pack
_F64 = struct.Struct("<Bd").pack


def _bulk_value(v: Any) -> bytes:
    if v is None:
        return _NULL
    t = type(v)
    if t is str:
        return b"\x03" + v.encode() + b"\x00"
    if t is bool:
        return _TRUE if v else _FALSE
    if t is int:
        return _I64(4, v)
    if t is float:
        return _F64(2, v)
    raise TypeError(f"no GRAPH.BULK encoding for {t.__name__}")


def bulk_header(labels: str, props: list[str]) -> bytes:
    return labels.encode() + b"\x00" + struct.pack("<I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


def bulk_nodes(labels: str, props: list[str], rows: list[list[Any]]) -> bytes:
    return bulk_header(labels, props) + b"".join(map(_bulk_value, chain.from_iterable(rows)))


_IDS = struct.Struct("<QQ").pack


def bulk_edges(rel: str, props: list[str], edges: list[tuple[int, int, list[Any]]]) -> bytes:
    enc = _bulk_value
    return bulk_header(rel, props) + b"".join([_IDS(a, b) + b"".join(map(enc, vals)) for a, b, vals in edges])


def loader_stages(path: Path) -> tuple[dict[str, float], list[list[Any]], list[str], Any]:
    """CPU µs per unit of each loader stage; also the prepared rows, their labels and the context."""
    import ijson
    import orjson

    from cypher.store import params_header
    from loaders.core import LoadContext, iter_json, row_hash
    from loaders.sources import units

    raw = path.read_bytes()
    us: dict[str, float] = {}
    data, t = _cpu(gzip.decompress, raw)
    recs, t_orjson = _cpu(orjson.loads, data)
    n = len(recs)
    us["gunzip"] = t / n * 1e6
    us["decode: orjson.loads (dicts)"] = t_orjson / n * 1e6
    _, t = _cpu(lambda: list(ijson.items(io.BytesIO(data), "item", use_float=True)))
    us["decode: ijson items, yajl2_c (dicts; the reader before 2026-11-27)"] = t / n * 1e6
    _, t = _cpu(lambda: [d.value for d in iter_json(path)])
    us["read: iter_json, gunzip + orjson pieces (what loads use)"] = t / n * 1e6
    try:
        import msgspec

        _, t = _cpu(msgspec.json.decode, data)
        us["decode: msgspec generic (dicts)"] = t / n * 1e6
        typed = msgspec.json.Decoder(list[_unit_struct(msgspec)])
        _, t = _cpu(typed.decode, data)
        us["decode: msgspec typed (21 fields, no audit possible)"] = t / n * 1e6
    except ImportError:
        print("msgspec is not installed: its two decoding peers are skipped", file=sys.stderr)
    data = None  # only one decoded copy at a time from here on

    ctx = LoadContext(None, units.SOURCE, path, dry_run=True, progress=False, options={"synthetic": True})
    version = units.nace_version_for(ctx)

    def audit():
        for r in recs:
            ctx.audit(r, units.SCHEMA, file=path)

    _, t = _cpu(audit)
    us["unknown-field audit (every record)"] = t / n * 1e6
    getters, t = _cpu(lambda: [units._JSON_GET(r) for r in recs])
    us["field access (flat getter)"] = t / n * 1e6
    prepared, t = _cpu(lambda: [units.prepare(ctx, g, version) for g in getters])
    us["units.prepare (validate, classify)"] = t / n * 1e6
    getters = recs = None
    consts = ctx.provenance
    rows, t = _cpu(lambda: [[p["orgnr"], row_hash([p["values"], p["links"]], consts), *p["values"], *p["links"]]
                            for p in prepared])
    us["row hash"] = t / n * 1e6
    labels = [p["label"] for p in prepared]
    _, t = _cpu(lambda: [params_header({"rows": rows[i:i + BATCH]}) for i in range(0, n, BATCH)])
    us["encode: CYPHER rows=… parameter text"] = t / n * 1e6
    consts_v = [consts["source"], consts["as_of"], True if ctx.synthetic else None]
    _, t = _cpu(lambda: [bulk_nodes("Organization:Firm", _bulk_props(), [r[:units.NODES.width] + consts_v for r in rows[i:i + BATCH]])
                         for i in range(0, n, BATCH)])
    us["encode: GRAPH.BULK binary nodes"] = t / n * 1e6
    return us, rows, labels, ctx


def _bulk_props() -> list[str]:
    from loaders.sources import units

    return ["orgnr", "_hash", *units.NODES.props, "source", "as_of", "synthetic"]


def _unit_struct(msgspec):
    """A typed view of the fields ``units.prepare`` reads."""
    Code = msgspec.defstruct("Code", [("kode", str | None, None)])
    Address = msgspec.defstruct("Address", [(k, str | None, None)
                                            for k in ("kommunenummer", "postnummer", "poststed")])

    fields = {
        "organisasjonsnummer": str, "navn": str | None, "slettedato": str | None, "konkurs": bool | None,
        "underTvangsavviklingEllerTvangsopplosning": bool | None, "underAvvikling": bool | None,
        "organisasjonsform": Code | None, "institusjonellSektorkode": Code | None,
        "naeringskode1": Code | None, "naeringskode2": Code | None, "naeringskode3": Code | None,
        "forretningsadresse": Address | None, "overordnetEnhet": str | None,
        "sisteInnsendteAarsregnskap": str | None, "antallAnsatte": int | None,
        "harRegistrertAntallAnsatte": bool | None, "stiftelsesdato": str | None,
        "registreringsdatoEnhetsregisteret": str | None, "hjemmeside": str | None,
    }
    return msgspec.defstruct("UnitView", [(k, v, None) if k != "organisasjonsnummer" else (k, v)
                                          for k, v in sorted(fields.items(), key=lambda kv: kv[0] != "organisasjonsnummer")])


def _bulk_load(store: Any, graph: str, rows: list[list[Any]], labels: list[str], version: str,
               consts_v: list[Any]) -> float:
    """Write the prepared unit rows through GRAPH.BULK (the graph exists); returns the loader's
    encoding CPU seconds."""
    from loaders.sources import units

    props = _bulk_props()
    enc_s = 0.0
    for i in range(0, len(rows), BATCH):
        batch, labs = rows[i:i + BATCH], labels[i:i + BATCH]
        t = time.process_time()
        groups: dict[str, list[list[Any]]] = {}
        for r, lab in zip(batch, labs):
            groups.setdefault(lab, []).append(r[:units.NODES.width] + consts_v)
        tokens = [bulk_nodes(f"Organization:{lab}", props, rs) for lab, rs in groups.items()]
        enc_s += time.process_time() - t
        store.command("GRAPH.BULK", graph, len(batch), 0, len(tokens), 0, *tokens)
        ids = {r["k"]: r["id"] for r in store.read(
            "UNWIND $keys AS k MATCH (o:Organization {orgnr: k}) RETURN k, id(o) AS id",
            {"keys": [r[0] for r in batch]})}
        muns = sorted({c for r in batch for c in r[units.NODES.width]})
        inds = {ind[2]: ind[0] for r in batch for ind in r[units.NODES.width + 1]}
        mun_id = {r["c"]: r["id"] for r in store.run(
            "UNWIND $codes AS c MERGE (m:Municipality {code: c}) RETURN c, id(m) AS id", {"codes": muns})}
        ind_id = {r["k"]: r["id"] for r in store.run(
            "UNWIND $rows AS r MERGE (i:Industry {industry_id: r[0]}) ON CREATE SET i.code = r[1], "
            "i.version = $version RETURN r[0] AS k, id(i) AS id",
            {"rows": [[k, c] for k, c in sorted(inds.items())], "version": version})}
        t = time.process_time()
        located = [(ids[r[0]], mun_id[c], ["business"]) for r in batch for c in r[units.NODES.width]]
        industry = [(ids[r[0]], ind_id[ind[2]], [ind[1]]) for r in batch for ind in r[units.NODES.width + 1]]
        edge_tokens = [bulk_edges("LOCATED_IN", ["address_type"], located),
                       bulk_edges("IN_INDUSTRY", ["rank"], industry)]
        enc_s += time.process_time() - t
        store.command("GRAPH.BULK", graph, 0, len(located) + len(industry), 0, 2, *edge_tokens)
    return enc_s


def _wait_indexes(store: Any, timeout_s: float = 600.0) -> None:
    """Wait until every index of the graph is operational (FalkorDB builds them in the background)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = store.read("CALL db.indexes() YIELD status RETURN collect(status) AS s")
        if all(st == "OPERATIONAL" for st in (rows[0]["s"] if rows else [])):
            return
        time.sleep(0.05)
    raise TimeoutError("indexes still under construction")


def store_stages(rows: list[list[Any]], labels: list[str], ctx: Any, data_dir: Path) -> dict[str, Any]:
    """Server CPU µs per unit of the Cypher path and of two GRAPH.BULK paths, and the graphs' hashes."""
    from cypher import open_store
    from cypher.snapshot import snapshot
    from klynge.config import load_settings
    from loaders.core import LoadContext
    from loaders.sources import units

    n = len(rows)
    out: dict[str, Any] = {}
    names = ("floor_cypher", "floor_bulk", "floor_bulk_then_index")
    cy, bk, bi = (open_store(load_settings({"data_dir": str(data_dir), "graph_name": g}, environ={})) for g in names)
    pid = cy.server.pid
    try:
        for s in (cy, bk, bi):
            s.wipe()
        cy.init_schema()
        bk.init_schema()
        wctx = LoadContext(cy, units.SOURCE, ctx.path, progress=False, options={"synthetic": True})
        version = units.nace_version_for(wctx)
        c0, w0 = cpu_s(pid), time.perf_counter()
        for i in range(0, n, BATCH):
            units.NODES.write(wctx, rows[i:i + BATCH], labels[i:i + BATCH], {"version": version})
        out["cypher_server_us"] = (cpu_s(pid) - c0) / n * 1e6
        out["cypher_wall_s"] = time.perf_counter() - w0

        consts_v = [wctx.provenance["source"], wctx.provenance["as_of"], True if wctx.synthetic else None]
        c0, w0 = cpu_s(pid), time.perf_counter()
        enc_s = _bulk_load(bk, names[1], rows, labels, version, consts_v)
        out["bulk_server_us"] = (cpu_s(pid) - c0) / n * 1e6
        out["bulk_wall_s"] = time.perf_counter() - w0
        out["bulk_encode_loader_us"] = enc_s / n * 1e6

        c0, w0 = cpu_s(pid), time.perf_counter()
        bi.run("CREATE INDEX FOR (o:Organization) ON (o.orgnr)")  # the key lookups need it
        _wait_indexes(bi)
        _bulk_load(bi, names[2], rows, labels, version, consts_v)
        mid = cpu_s(pid)
        bi.init_schema()
        _wait_indexes(bi)
        out["bulk_then_index_server_us"] = (cpu_s(pid) - c0) / n * 1e6
        out["bulk_then_index_build_us"] = (cpu_s(pid) - mid) / n * 1e6
        out["bulk_then_index_wall_s"] = time.perf_counter() - w0

        snaps = [snapshot(s) for s in (cy, bk, bi)]
        for name, sn in zip(("cypher", "bulk", "bulk_then_index"), snaps):
            out[f"{name}_graph"] = sn.counts() | {"digest": sn.digest[:16]}
        out["same_graph"] = snaps[0].digest == snaps[1].digest == snaps[2].digest
        out["differences"] = snaps[0].diff(snaps[1]) + snaps[0].diff(snaps[2])
    finally:
        for s in (bi, bk, cy):
            try:
                s.wipe()
            except Exception:  # noqa: BLE001 - best effort before the server stops
                pass
        from cypher.embedded import stop_server

        for s in (bi, bk, cy):
            s.close()
        stop_server(data_dir)
    return out


def rates(loader_us: float, store_us: float, cores: int) -> tuple[float, float]:
    """(rows/s with a core each, rows/s with both on ``cores`` shared cores)."""
    each = 1e6 / max(loader_us, store_us)
    shared = min(each, cores * 1e6 / (loader_us + store_us))
    return each, shared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--synth-dir", help="reuse synthetic folders (synth-<units> below it)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "floor"))
    a = ap.parse_args()
    command = "python bench/bench_floor.py " + shlex.join(sys.argv[1:])
    from loaders.synth import generate

    work = Path(tempfile.mkdtemp(prefix="klynge-bench-floor-"))
    folder = Path(a.synth_dir) / f"synth-{a.units}" if a.synth_dir else work / f"synth-{a.units}"
    if not (folder / "enheter_alle.json.gz").exists():
        generate(folder, units=a.units, seed=1)
    la0 = load1()
    try:
        us, rows, labels, ctx = loader_stages(folder / "enheter_alle.json.gz")
        store = store_stages(rows, labels, ctx, work / "graph")
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    us["encode: GRAPH.BULK nodes and edges (as sent)"] = store["bulk_encode_loader_us"]
    cores = os.cpu_count() or 1

    dec_ijson = us["decode: ijson items, yajl2_c (dicts; the reader before 2026-11-27)"]
    fastest_dec = min(v for k, v in us.items() if k.startswith("decode:"))
    common = us["gunzip"] + us["field access (flat getter)"] + us["units.prepare (validate, classify)"] + us["row hash"]
    after = us["unknown-field audit (every record)"] + us["field access (flat getter)"] + \
        us["units.prepare (validate, classify)"] + us["row hash"] + us["encode: CYPHER rows=… parameter text"]
    pipelines = {
        "before: ijson, audit, Cypher": (us["gunzip"] + dec_ijson + after, store["cypher_server_us"]),
        "today: iter_json (orjson pieces), audit, Cypher": (
            us["read: iter_json, gunzip + orjson pieces (what loads use)"] + after, store["cypher_server_us"]),
        "fastest decoder, audit, Cypher": (common + fastest_dec + us["unknown-field audit (every record)"]
                                           + us["encode: CYPHER rows=… parameter text"], store["cypher_server_us"]),
        "fastest decoder, audit, GRAPH.BULK": (common + fastest_dec + us["unknown-field audit (every record)"]
                                               + store["bulk_encode_loader_us"], store["bulk_server_us"]),
        "fastest decoder, no audit, GRAPH.BULK": (common + fastest_dec + store["bulk_encode_loader_us"],
                                                  store["bulk_server_us"]),
        "fastest decoder, no audit, GRAPH.BULK, other indexes after": (
            common + fastest_dec + store["bulk_encode_loader_us"], store["bulk_then_index_server_us"]),
        "store only (loader free), GRAPH.BULK": (0.0, store["bulk_server_us"]),
        "store only (loader free), GRAPH.BULK, other indexes after": (0.0, store["bulk_then_index_server_us"]),
    }
    result = {"command": command, "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": machine(), "units": len(rows), "load1_before": la0, "load1_after": load1(),
              "loader_us": {k: round(v, 2) for k, v in us.items()},
              "store": {k: (round(v, 2) if isinstance(v, float) else v) for k, v in store.items()},
              "pipelines": {}}
    for name, (lu, su) in pipelines.items():
        each, shared = rates(lu, su, cores)
        result["pipelines"][name] = {"loader_us": round(lu, 1), "store_us": round(su, 1),
                                     "rows_s_core_each": round(each), "rows_s_shared": round(shared)}

    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    m = result["machine"]
    lines = ["# The CPU floor of a units load", "",
             f"Command: `{command}`  ",
             f"Measured {result['measured']} on {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB, "
             f"Python {m['python']}; 1-minute load average {la0} before, {result['load1_after']} after. "
             f"{len(rows):,} synthetic units (`enheter_alle.json.gz`).", "",
             "## Loader process, CPU µs per unit", "", "| stage | µs/unit | vs ijson |", "|---|---:|---:|"]
    for k, v in us.items():
        ratio = f"{v / dec_ijson:.2f}×" if k.startswith("decode:") else ""  # the same bytes, decoded
        lines.append(f"| {k} | {v:.1f} | {ratio} |")
    lines += ["", "## Store process (FalkorDB), server CPU µs per unit", "",
              "| path | server µs/unit | wall s | vs Cypher |", "|---|---:|---:|---:|",
              f"| Cypher: check + CREATE with links (what loads send) | {store['cypher_server_us']:.1f} | "
              f"{store['cypher_wall_s']:.1f} | 1.00× |",
              f"| GRAPH.BULK: nodes, id read, merges, binary edges | {store['bulk_server_us']:.1f} | "
              f"{store['bulk_wall_s']:.1f} | {store['bulk_server_us'] / store['cypher_server_us']:.2f}× |",
              f"| GRAPH.BULK with only the orgnr index, the other indexes built after "
              f"({store['bulk_then_index_build_us']:.1f} µs/unit of it) | {store['bulk_then_index_server_us']:.1f} | "
              f"{store['bulk_then_index_wall_s']:.1f} | "
              f"{store['bulk_then_index_server_us'] / store['cypher_server_us']:.2f}× |", "",
              f"Same graph from all three paths (sha256 of every node, relationship and property): "
              f"**{'yes' if store['same_graph'] else 'no: ' + '; '.join(store['differences'])}** "
              f"({store['cypher_graph']['nodes']:,} nodes, {store['cypher_graph']['relationships']:,} relationships).",
              "", f"## Attainable units rows/s (goal ≥ {GOAL_ROWS_S:,})", "",
              f"*core each*: `1e6 / max(loader, store)`; *shared*: both on this machine's {cores} cores, "
              "`cores × 1e6 / (loader + store)`, at most the first.", "",
              "| pipeline | loader µs | store µs | rows/s, core each | rows/s, shared | goal |",
              "|---|---:|---:|---:|---:|---|"]
    for name, p in result["pipelines"].items():
        ok = "met" if p["rows_s_shared"] >= GOAL_ROWS_S else "missed"
        lines.append(f"| {name} | {p['loader_us']} | {p['store_us']} | {p['rows_s_core_each']:,} | "
                     f"{p['rows_s_shared']:,} | {ok} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
