"""Grants: ``klynge load grants`` for Forskningsrådet "Søknader v2" and Innovasjon Norge ``Tildelinger.csv``.

The source is taken from the ``source`` option (``forskningsradet`` or
``innovasjon_norge``) or detected from the CSV header. Both write ``Grant`` nodes
(``grant_id`` = ``<source>:<id>``) with a ``RECEIVED`` link from the responsible
organisation: linked by orgnr, or, where only a name is given, by name resolution
against the loaded organisations (review and confirmations files as for clusters).
"""

from __future__ import annotations

from pathlib import Path

from klynge.errors import LoadError
from loaders.core import LoadContext, Source, iter_csv, sniff_csv
from loaders.declarations import NAME_MATCHING_OPTIONS, SourceOption

SOURCE = Source(
    name="grants",
    kind="grants",
    title="Research and innovation grants (Forskningsrådet, Innovasjon Norge)",
    formats=("Forskningsrådet Søknader v2 CSV (',' or ';')", "Innovasjon Norge Tildelinger.csv (';')"),
    licence="NLOD 2.0 (Forskningsrådet: presumed); Innovasjon Norge open data",
    summary="Grants and applications: Forskningsrådet Søknader v2 CSV or Innovasjon Norge Tildelinger.csv.",
    options=(SourceOption("source", "Which register the file comes from.", "choice",
                          ("forskningsradet", "innovasjon-norge"), required=True), *NAME_MATCHING_OPTIONS),
)

def detect(path: Path) -> str:
    """``forskningsradet`` or ``innovasjon_norge`` from the first file's header."""
    f = path if path.is_file() else next(iter(sorted(path.glob("*.csv*"))), None)
    if f is None:
        raise LoadError(f"no CSV file in {path}; give a Forskningsrådet or Innovasjon Norge grants CSV")
    header, rows, _ = iter_csv(f, sniff_csv(f))
    rows.close()  # type: ignore[attr-defined]
    low = {h.lower() for h in header}
    if "prosjektnummer" in low:
        return "forskningsradet"
    if "org-nr" in low or "innvilget beløp" in low:
        return "innovasjon_norge"
    raise LoadError(f"cannot tell the grants source of {f} from its header ({', '.join(header[:6])} …); "
                    "pass source='forskningsradet' or 'innovasjon_norge'")


def load(ctx: LoadContext, path: Path) -> None:
    src = ctx.options.get("source") or detect(path)
    if src in ("forskningsradet", "fr", "nfr"):
        from loaders.sources.grants import forskningsradet as mod
    elif src in ("innovasjon_norge", "in", "innovasjonnorge"):
        from loaders.sources.grants import innovasjon_norge as mod  # type: ignore[no-redef]
    else:
        raise LoadError(f"unknown grants source {src!r}; expected forskningsradet or innovasjon_norge")
    ctx.source_name = mod.SOURCE.name
    mod.load(ctx, path)
