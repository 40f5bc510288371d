"""The loaders' declarations and positions: a source, a load's summary, where a record is, a rejected row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceOption:
    """An option a loader takes besides the ones every loader takes (``klynge load <kind> --<name>``).

    Attributes
    ----------
    name : the load option's name (``review_out``); the command line spells it ``--review-out``.
    help : one line for ``--help``.
    kind : ``flag`` (on/off), ``choice`` (one of ``choices``; ``-`` in a value is read as ``_``),
        ``file`` (an existing file) or ``path`` (a file to write).
    choices : the values of a ``choice``.
    required : the option must be given.
    """

    name: str
    help: str
    kind: str = "flag"
    choices: tuple[str, ...] = ()
    required: bool = False


NAME_MATCHING_OPTIONS: tuple[SourceOption, ...] = (
    SourceOption("review_out", "Where to write the name-matching review file.", "path"),
    SourceOption("confirmations", "CSV name,orgnr of confirmed matches.", "file"),
)
"""The options of a source whose rows name organisations without a number (:mod:`loaders.sources.names`)."""


@dataclass(frozen=True)
class Source:
    """The declaration of one loader, from which ``klynge load <kind>`` is made.

    Attributes
    ----------
    name : the ``source`` property written on nodes, e.g. ``"brreg_units"``.
    kind : the ``klynge load <kind>`` word.
    title : a human title.
    formats : the accepted file formats, in words.
    licence : the data licence.
    summary : the command's help (one line; default: the title).
    options : what the loader takes besides the options every loader takes.
    takes_path : the loader reads an input path (``reference`` reads its packaged files).
    """

    name: str
    kind: str
    title: str
    formats: tuple[str, ...]
    licence: str
    summary: str = ""
    options: tuple[SourceOption, ...] = ()
    takes_path: bool = True


@dataclass(frozen=True)
class LoadSummary:
    """What a load did. ``exit_code`` is 3 when rows were rejected, else 0."""

    kind: str
    source: str
    file: str
    read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    reject_file: str | None
    unknown_fields: tuple[str, ...]
    warnings: tuple[str, ...]
    duration_s: float
    dry_run: bool = False
    load_id: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def exit_code(self) -> int:
        return 3 if self.rejected else 0

    def line(self) -> str:
        """A one-line human summary."""
        rate = self.read / self.duration_s if self.duration_s > 0 else 0.0
        mode = " (dry run, nothing written)" if self.dry_run else ""
        s = (f"{self.kind} {self.file}: read {self.read}, created {self.created}, updated {self.updated}, "
             f"unchanged {self.unchanged}, rejected {self.rejected} in {self.duration_s:.1f} s "
             f"({rate:,.0f} rows/s){mode}")
        if self.reject_file:
            s += f"; rejects in {self.reject_file}"
        return s

    def describe(self) -> str:
        """The summary line followed by the warnings (unknown fields, review files), one per line."""
        return "\n".join([self.line(), *(f"warning: {w}" for w in self.warnings)])


@dataclass(frozen=True)
class Pos:
    """Where a record sits in its file (1-based record index, line, uncompressed byte offset)."""

    record: int | None = None
    line: int | None = None
    byte: int | None = None

    def describe(self) -> str:
        parts = []
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.byte is not None:
            parts.append(f"near byte {self.byte}")
        return ", ".join(parts) or "start of file"

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in (("record", self.record), ("line", self.line), ("byte", self.byte))
                if v is not None}


class RowRejected(Exception):
    """Raised inside row preparation to reject the current row (caught by the loader loop)."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason
