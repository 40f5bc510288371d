"""Organisation names to organisation numbers: the name matching that clusters, grants and patents share.

A source whose rows name organisations without a number opens a :class:`NameResolver` for its input
file (:meth:`NameResolver.for_input`: the ``confirmations`` option or ``<input>.confirmations.csv``),
resolves each name, and finishes with :meth:`NameResolver.finish`, which writes the review file next to
the input (or to ``review_out``) and warns about names left open.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from cypher import search
from klynge.errors import LoadError
from loaders.core import LoadContext, norm_name
from loaders.sources.common import sidecar


def name_key(name: str) -> str:
    """The comparison form of an organisation name: :func:`cypher.search.name_key` (the key the
    graph stores and every search folds to), "" for an empty name."""
    return search.name_key(name) or ""


@dataclass(frozen=True)
class Resolution:
    name: str
    status: str  # matched | confirmed | ambiguous | unmatched
    orgnr: str | None
    matched_name: str | None
    score: float | None
    candidates: tuple[tuple[str, str, float], ...] = ()


class NameResolver:
    """Resolve organisation names to orgnrs by fuzzy matching against loaded Organization names.

    Candidates come from the store's fulltext index on ``Organization.name`` (one
    prefix query per name token), scored with rapidfuzz ``token_sort_ratio`` on
    :func:`name_key` forms. A name is *matched* when the best score is at least
    ``accept`` and beats the runner-up by ``margin``; *ambiguous* when it scores
    at least ``review`` but is not clear; otherwise *unmatched*. A confirmations
    file (CSV ``name,orgnr``) overrides everything: a confirmed name is linked
    as given (an empty orgnr there means "no match, stop asking").
    """

    def __init__(self, ctx: LoadContext, confirmations: Path | None, *, accept: float = 90.0,
                 review: float = 70.0, margin: float = 4.0) -> None:
        self.ctx = ctx
        self.accept = accept
        self.review = review
        self.margin = margin
        self.confirmed: dict[str, str | None] = {}
        self.confirmations_path = confirmations
        self.results: list[Resolution] = []
        self._cache: dict[str, Resolution] = {}
        if confirmations is not None and confirmations.exists():
            self._read_confirmations(confirmations)

    def _read_confirmations(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                fields = {f.lower() for f in (reader.fieldnames or [])}
                if not {"name", "orgnr"} <= fields:
                    raise LoadError(f"confirmations file {path} must have the columns name,orgnr; "
                                    f"it has {', '.join(reader.fieldnames or [])}")
                for i, r in enumerate(reader, 2):
                    r = {k.lower(): (v or "").strip() for k, v in r.items() if k}
                    if not r.get("name"):
                        continue
                    o = r.get("orgnr") or None
                    if o is not None:
                        try:
                            o = self.ctx.orgnr(o, "orgnr")
                        except Exception as exc:  # RowRejected
                            raise LoadError(f"confirmations file {path} line {i}: orgnr {o!r} is not a valid "
                                            "organisation number; fix or empty it") from exc
                    self.confirmed[name_key(r["name"])] = o
        except UnicodeDecodeError as exc:
            raise LoadError(f"confirmations file {path} is not UTF-8 ({exc}); save it as UTF-8") from exc

    def _candidates(self, name: str) -> list[tuple[str, str]]:
        if self.ctx.store is None:
            return []
        return search.organisations_by_words(self.ctx.store, name)

    def resolve(self, name: str) -> Resolution:
        key = name_key(name)
        if key in self._cache:
            return self._cache[key]
        if key in self.confirmed:
            o = self.confirmed[key]
            res = Resolution(name, "confirmed" if o else "unmatched", o, None, 100.0 if o else None)
        else:
            res = self._fuzzy(name, key)
        self._cache[key] = res
        self.results.append(res)
        return res

    def _fuzzy(self, name: str, key: str) -> Resolution:
        from rapidfuzz import fuzz

        scored = []
        for orgnr, cand in self._candidates(name):
            s = fuzz.token_sort_ratio(key, name_key(cand))
            s = max(s, fuzz.ratio(norm_name(name), norm_name(cand)))
            scored.append((orgnr, cand, float(round(s, 1))))
        scored.sort(key=lambda t: (-t[2], t[0]))
        top = tuple(scored[:5])
        if not scored or scored[0][2] < self.review:
            return Resolution(name, "unmatched", None, None, scored[0][2] if scored else None, top)
        best = scored[0]
        runner = scored[1][2] if len(scored) > 1 else 0.0
        if best[2] >= self.accept and best[2] - runner >= self.margin:
            return Resolution(name, "matched", best[0], best[1], best[2], top)
        return Resolution(name, "ambiguous", None, None, best[2], top)

    @classmethod
    def for_input(cls, ctx: LoadContext, path: Path) -> NameResolver:
        """A resolver for the names of input ``path``: confirmations from the ``confirmations`` option, else
        ``<input>.confirmations.csv`` next to it (read when it exists)."""
        given = ctx.options.get("confirmations")
        return cls(ctx, Path(given) if given else sidecar(path, ".confirmations.csv", None, ctx))

    def finish(self, path: Path, what: str = "organisation name(s)") -> None:
        """Write the review file of input ``path`` (next to it, or the ``review_out`` option) and warn about
        the names left ambiguous or unmatched; nothing on a dry run or when no name was resolved."""
        if not self.results or self.ctx.dry_run:
            return
        out = sidecar(path, ".review.csv", self.ctx.options.get("review_out"), self.ctx)
        self.write_review(out)
        self.ctx.extra["review_file"] = str(out)
        n_open = sum(1 for r in self.results if r.status in ("ambiguous", "unmatched"))
        if n_open:
            self.ctx.warn(f"{n_open} {what} could not be linked; review {out} and add name,orgnr lines to "
                          f"{self.confirmations_path}")

    def write_review(self, path: Path) -> Path:
        """Write the review file (CSV): status, name, orgnr, matched name, score, candidates."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["status", "name", "orgnr", "matched_name", "score", "candidates"])
            order = {"unmatched": 0, "ambiguous": 1, "matched": 2, "confirmed": 3}
            for r in sorted(self.results, key=lambda r: (order[r.status], r.name)):
                cands = "; ".join(f"{o} {n} ({s:g})" for o, n, s in r.candidates)
                w.writerow([r.status, r.name, r.orgnr or "", r.matched_name or "",
                            "" if r.score is None else f"{r.score:g}", cands])
        return path


