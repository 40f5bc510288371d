"""Load a folder written by the synthetic generator (:func:`loaders.synth.generate`).

The folder's ``manifest.json`` must say ``"synthetic": true``; its ``files`` map
names the files, which are in the real public formats. Each is loaded by its
ordinary loader (units, sub-units, roles, accounts, Forskningsrådet and
Innovasjon Norge grants, patents, clusters, advisors' assessments, in that order) and every node and
relationship source written from here carries ``synthetic = true``. Each file
gets its own ``LoadRun``; the summary adds them up.
"""

from __future__ import annotations

import json
from pathlib import Path

from cypher.statements.synthetic import RECORD_MEMBER_RULE
from klynge.errors import LoadError
from loaders.core import LoadContext, Source, run_loader

SOURCE = Source(
    name="synthetic",
    kind="synthetic",
    title="A synthetic Norway written by loaders.synth (manifest.json + files in the real formats)",
    formats=("folder with manifest.json",),
    licence="generated; no real persons",
    summary="Every file of a folder written by `klynge synth`.",
)

STEPS: tuple[tuple[str, str, str | None], ...] = (
    ("units_json", "loaders.sources.units", None),
    ("subunits_json", "loaders.sources.subunits", None),
    ("roles_json", "loaders.sources.roles", None),
    ("accounts_jsonl", "loaders.sources.accounts", None),
    ("grants_forskningsradet", "loaders.sources.grants", "forskningsradet"),
    ("grants_innovasjon_norge", "loaders.sources.grants", "innovasjon_norge"),
    ("patents", "loaders.sources.patents", None),
    ("clusters", "loaders.sources.clusters", None),
    ("assessments", "loaders.sources.assessments", None),
)


def read_manifest(path: Path) -> dict:
    folder = path if path.is_dir() else path.parent
    mf = folder / "manifest.json"
    try:
        doc = json.loads(mf.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LoadError(f"{folder} has no manifest.json; `load synthetic` takes a folder written by "
                        "`klynge synth`") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(f"{mf} is not valid JSON ({exc}); regenerate the folder") from exc
    if doc.get("synthetic") is not True:
        raise LoadError(f"{mf} does not say \"synthetic\": true; refusing to mark its data synthetic")
    return doc


def load(ctx: LoadContext, path: Path) -> None:
    import importlib

    folder = path if path.is_dir() else path.parent
    manifest = read_manifest(path)
    files = manifest.get("files") or {}
    only = ctx.options.get("only")
    for key, module, source in STEPS:
        if only and key not in only:
            continue
        name = files.get(key)
        if not name or not (folder / name).exists():
            ctx.warn(f"{folder}: manifest lists no {key} file; skipped")
            continue
        mod = importlib.import_module(module)
        opts = {k: v for k, v in ctx.options.items() if k not in ("source", "source_name")}
        opts.update({"synthetic": True, "source": source})
        if ctx.options.get("review_out"):
            opts["review_out"] = Path(ctx.options["review_out"]).with_suffix(f".{key}.csv")
        child = LoadContext(ctx.store, mod.SOURCE, folder / name, dry_run=ctx.dry_run, batch_size=ctx.batch_size,
                            progress=ctx._progress.bar is not None, options=opts)
        s = run_loader(child, mod.load)
        for f in ("read", "created", "updated", "unchanged", "rejected"):
            setattr(ctx.stats, f, getattr(ctx.stats, f) + getattr(s, f))
        ctx.warnings.extend(s.warnings)
        for uf in s.unknown_fields:
            ctx.unknown.setdefault(str(folder / name), set()).add(uf)
        ctx.extra[key] = {"read": s.read, "created": s.created, "updated": s.updated, "unchanged": s.unchanged,
                          "rejected": s.rejected, "reject_file": s.reject_file, "load_id": s.load_id}
        if s.reject_file and ctx._reject_path is None:
            ctx._reject_path = Path(s.reject_file)
    if not ctx.dry_run and (not only or "clusters" in only):
        from loaders.synth import Knobs, membership_rule

        rule = membership_rule(Knobs.from_mapping(manifest.get("knobs") or {}))
        ctx.store.run(RECORD_MEMBER_RULE, {"rule": rule, "updated": ctx.as_of})
