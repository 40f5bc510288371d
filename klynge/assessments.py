"""Absorptive-capacity assessments: the instrument, validation of one interview's answers, and its scores.

The instrument is a versioned data file, ``klynge/instruments/acap-v<N>.yaml``: the scale of Flatten,
Engelen, Zahra & Brettel (2011) — four dimensions of 7-point agreement items — plus the study's open
interview themes. This module reads it, checks an advisor's (or a spreadsheet row's) answers against it and
computes the dimension scores. It reads no store: :mod:`cypher.assessments` writes and reads the graph,
the web form, the loader (``klynge load assessments``) and the region report all validate through here.

Scores
------
A dimension's score is the mean of its items' answers (1–7); it exists only when every item of the
dimension is answered. The overall score ``acap`` is the mean of the four dimension scores (each dimension
weighs the same, as in the paper's second-order model), and exists only when all four do. A final
assessment answers every item; a draft may leave items open (stored as 0, "not answered").

References
----------
T. C. Flatten, A. Engelen, S. A. Zahra and M. Brettel, "A measure of absorptive capacity: Scale
development and validation", *European Management Journal* 29(2), 2011, 98–116.
W. M. Cohen and D. A. Levinthal, "Absorptive capacity: a new perspective on learning and innovation",
*Administrative Science Quarterly* 35(1), 1990, 128–152.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from klynge.errors import ConfigError, KlyngeError, Message, message

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
INSTRUMENT_ID = "acap"
#: The four dimensions of the construct; each is an (:Assessment) property holding the dimension's score.
DIMENSIONS: tuple[str, ...] = ("acquisition", "assimilation", "transformation", "exploitation")
#: The overall score's property.
OVERALL = "acap"
#: The study's open interview themes (and free notes); each is an (:Assessment) text property.
THEMES: tuple[str, ...] = ("rd_competence", "external_collaboration", "network_experience", "plans", "notes")
STATUSES: tuple[str, ...] = ("draft", "final")
#: Longest text of one theme (characters).
MAX_THEME = 4000
MAX_ADVISOR = 100
#: Earliest interview date accepted (the instrument was published in 2011; older interviews are typos).
EARLIEST = _dt.date(2000, 1, 1)
SCORE_DECIMALS = 6
NOT_ANSWERED = 0
"""How an open item of a draft is stored in ``answers`` (graph list properties cannot hold nulls)."""
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,63}$")


class AssessmentInvalid(KlyngeError):
    """Answers that do not fit the instrument; ``errors`` maps each bad field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    wording: str | None
    dimension: str

    @property
    def text(self) -> str:
        """What the form shows: the published wording when filled in, else the label."""
        return self.wording or self.label


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    description: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    help: str


@dataclass(frozen=True)
class Instrument:
    """One version of the instrument (see the module docstring and the YAML file)."""

    id: str
    version: int
    title: str
    reference: str
    wording_complete: bool
    scale_min: int
    scale_max: int
    scale_low: str
    scale_high: str
    dimensions: tuple[Dimension, ...]
    themes: tuple[Theme, ...]
    path: Path

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for d in self.dimensions for i in d.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def as_dict(self) -> dict[str, Any]:
        """The instrument as plain values (the form's JSON twin, the template's documentation)."""
        return {"instrument": self.id, "version": self.version, "title": self.title, "reference": self.reference,
                "wording_complete": self.wording_complete,
                "scale": {"min": self.scale_min, "max": self.scale_max, "low": self.scale_low,
                          "high": self.scale_high},
                "dimensions": [{"id": d.id, "title": d.title, "description": d.description,
                                "items": [{"id": i.id, "label": i.label, "wording": i.wording} for i in d.items]}
                               for d in self.dimensions],
                "themes": [{"id": t.id, "title": t.title, "help": t.help} for t in self.themes]}


def _parse(path: Path) -> Instrument:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the instrument file {path}: {exc}") from exc
    try:
        dims = tuple(Dimension(str(d["id"]), str(d["title"]), str(d.get("description") or ""),
                               tuple(Item(str(i["id"]), str(i["label"]), i.get("wording") or None, str(d["id"]))
                                     for i in d["items"]))
                     for d in doc["dimensions"])
        themes = tuple(Theme(str(t["id"]), str(t["title"]), str(t.get("help") or "")) for t in doc["themes"])
        inst = Instrument(str(doc["instrument"]), int(doc["version"]), str(doc["title"]), str(doc["reference"]),
                          bool(doc.get("wording_complete")), int(doc["scale"]["min"]), int(doc["scale"]["max"]),
                          str(doc["scale"]["low"]), str(doc["scale"]["high"]), dims, themes, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"instrument file {path} lacks or mistypes {exc}; see klynge/instruments/acap-v1.yaml "
                          "for the layout") from exc
    if inst.id != INSTRUMENT_ID:
        raise ConfigError(f"instrument file {path} is for {inst.id!r}, expected {INSTRUMENT_ID!r}")
    if tuple(d.id for d in dims) != DIMENSIONS:
        raise ConfigError(f"instrument file {path} has dimensions {[d.id for d in dims]}; the graph model stores "
                          f"exactly {list(DIMENSIONS)}, in that order")
    if tuple(t.id for t in themes) != THEMES:
        raise ConfigError(f"instrument file {path} has themes {[t.id for t in themes]}; the graph model stores "
                          f"exactly {list(THEMES)}, in that order")
    ids = inst.item_ids
    bad = [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", i)]
    if bad or len(set(ids)) != len(ids) or any(not d.items for d in dims):
        raise ConfigError(f"instrument file {path}: item ids must be unique lower-case names and every dimension "
                          f"needs an item (bad: {bad or 'duplicates or an empty dimension'})")
    if not 1 <= inst.scale_min < inst.scale_max <= 10:
        raise ConfigError(f"instrument file {path}: scale {inst.scale_min}..{inst.scale_max} is not a rating scale")
    return inst


@lru_cache(maxsize=8)
def instrument(version: int | None = None) -> Instrument:
    """The instrument of ``version`` (default: the newest file in ``klynge/instruments``).

    Raises
    ------
    ConfigError
        When no file has that version, or a file is malformed (the message names it).
    """
    files = {}
    for p in INSTRUMENT_DIR.glob(f"{INSTRUMENT_ID}-v*.yaml"):
        m = re.fullmatch(rf"{INSTRUMENT_ID}-v(\d+)\.yaml", p.name)
        if m:
            files[int(m.group(1))] = p
    if not files:
        raise ConfigError(f"no instrument file {INSTRUMENT_ID}-v<N>.yaml in {INSTRUMENT_DIR}")
    v = max(files) if version is None else int(version)
    if v not in files:
        raise ConfigError(f"instrument version {v} is unknown; versions: {', '.join(map(str, sorted(files)))}")
    inst = _parse(files[v])
    if inst.version != v:
        raise ConfigError(f"{files[v]} says version {inst.version}; its file name says {v}")
    return inst


def versions() -> list[int]:
    """Every instrument version shipped, oldest first."""
    return sorted(int(m.group(1)) for p in INSTRUMENT_DIR.glob(f"{INSTRUMENT_ID}-v*.yaml")
                  if (m := re.fullmatch(rf"{INSTRUMENT_ID}-v(\d+)\.yaml", p.name)))


# ------------------------------------------------------------------------------------------------ validation

@dataclass(frozen=True)
class Answers:
    """One interview's answers, checked: what is stored besides the identifiers and the history."""

    interview_date: str
    advisor: str
    status: str
    instrument_version: int
    answers: dict[str, int | None]
    themes: dict[str, str | None]

    def scores(self) -> dict[str, float | None]:
        """The dimension scores and the overall score (:func:`scores`)."""
        return scores(self.answers, instrument(self.instrument_version))

    def properties(self) -> dict[str, Any]:
        """The (:Assessment) properties these answers set (no key, organisation, history or provenance)."""
        inst = instrument(self.instrument_version)
        return {"instrument": inst.id, "instrument_version": inst.version, "interview_date": self.interview_date,
                "advisor": self.advisor, "status": self.status, "items": list(inst.item_ids),
                "answers": [self.answers.get(i) or NOT_ANSWERED for i in inst.item_ids],
                **self.scores(), **{t: self.themes.get(t) for t in THEMES}}


def _date(value: Any, today: _dt.date) -> tuple[str | None, str | None]:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        d = value
    else:
        s = str(value or "").strip()
        if not s:
            return None, message("the interview date is missing (YYYY-MM-DD)")
        d = None
        for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", (1, 2, 3)), (r"(\d{2})\.(\d{2})\.(\d{4})", (3, 2, 1))):
            m = re.fullmatch(pattern, s)
            if m:
                try:
                    d = _dt.date(int(m.group(order[0])), int(m.group(order[1])), int(m.group(order[2])))
                except ValueError:
                    return None, message("%(value)s is not a calendar date", value=repr(s))
                break
        if d is None:
            return None, message("%(value)s is not a date; write YYYY-MM-DD (or DD.MM.YYYY)", value=repr(s))
    if d > today:
        return None, message("%(date)s is in the future; the interview date is the day it was held",
                             date=d.isoformat())
    if d < EARLIEST:
        return None, message("%(date)s is before %(earliest)s; check the year", date=d.isoformat(),
                             earliest=EARLIEST.isoformat())
    return d.isoformat(), None


def _answer(value: Any, inst: Instrument) -> tuple[int | None, str | None]:
    rng = message("a whole number from %(min)s (%(low)s) to %(max)s (%(high)s)", min=inst.scale_min,
                  low=message(inst.scale_low), max=inst.scale_max, high=message(inst.scale_high))
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, message("expected %(range)s, got %(value)s", range=rng, value=repr(value))
    if isinstance(value, float):
        if math.isnan(value):
            return None, None
        if not value.is_integer():
            return None, message("expected %(range)s, got %(value)s", range=rng, value=f"{value:g}")
        value = int(value)
    if isinstance(value, str):
        s = value.strip()
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", s):
            return None, message("expected %(range)s, got %(value)s", range=rng, value=repr(s))
        value = int(float(s))
    if not isinstance(value, int):
        return None, message("expected %(range)s, got %(value)s", range=rng, value=repr(value))
    if not inst.scale_min <= value <= inst.scale_max:
        return None, message("%(value)s is outside the scale; expected %(range)s", value=value, range=rng)
    return value, None


def _text(value: Any, field: str | Message, limit: int) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    s = str(value).replace("\r\n", "\n").strip()
    if not s:
        return None, None
    if len(s) > limit:
        return None, message("%(field)s is %(length)s characters long; the limit is %(limit)s", field=field,
                             length=len(s), limit=limit)
    if any(ord(c) < 32 and c not in "\n\t" for c in s) or "\x7f" in s:
        return None, message("%(field)s contains control characters", field=field)
    return s, None


def validate(values: Mapping[str, Any], *, version: int | None = None, today: _dt.date | None = None) -> Answers:
    """Check one interview's answers against the instrument and return them normalised.

    Parameters
    ----------
    values : ``interview_date`` (a date, ``YYYY-MM-DD`` or ``DD.MM.YYYY``), ``advisor`` (who held the
        interview), ``status`` (``draft`` or ``final``; default final), one value per item id (a whole
        number on the scale; empty = not answered), one text per theme id.
    version : the instrument version (default ``values["instrument_version"]``, else the newest).
    today : the latest interview date accepted (default today).

    Returns
    -------
    Answers

    Raises
    ------
    AssessmentInvalid
        With a message for every bad field: a missing or future date, a missing advisor, an unknown
        status, an answer off the scale or not a whole number, an open item in a final assessment
        (each open item is named), a theme text over :data:`MAX_THEME` characters.
    ConfigError
        When the instrument version is unknown.
    """
    today = today or _dt.date.today()
    v = version if version is not None else values.get("instrument_version")
    try:
        inst = instrument(int(v) if v not in (None, "") else None)
    except (TypeError, ValueError):
        raise AssessmentInvalid({"instrument_version": f"{v!r} is not a version number"}) from None
    except ConfigError as exc:
        raise AssessmentInvalid({"instrument_version": str(exc)}) from None
    errors: dict[str, str] = {}
    date, err = _date(values.get("interview_date"), today)
    if err:
        errors["interview_date"] = err
    advisor, err = _text(values.get("advisor"), message("advisor"), MAX_ADVISOR)
    if err or not advisor:
        errors["advisor"] = err or message("the advisor who held the interview is missing")
    status = str(values.get("status") or "final").strip().lower()
    if status not in STATUSES:
        errors["status"] = message("%(value)s is not a status; use draft or final", value=repr(status))
    answers: dict[str, int | None] = {}
    for item in inst.items:
        a, err = _answer(values.get(item.id), inst)
        if err:
            errors[item.id] = err
        answers[item.id] = a
    if status == "final":
        for item in inst.items:
            if answers[item.id] is None and item.id not in errors:
                errors[item.id] = message("not answered; a final assessment answers every item (save it as a "
                                          "draft to finish later)")
    themes: dict[str, str | None] = {}
    for t in inst.themes:
        themes[t.id], err = _text(values.get(t.id), message(t.title), MAX_THEME)
        if err:
            errors[t.id] = err
    if errors:
        raise AssessmentInvalid(errors)
    return Answers(str(date), str(advisor), status, inst.version, answers, themes)


def scores(answers: Mapping[str, int | None], inst: Instrument | None = None) -> dict[str, float | None]:
    """The four dimension scores and the overall score of ``answers`` (item id → 1..7 or None).

    ``score(d) = mean of the answers to d's items`` when every item of ``d`` is answered, else None;
    ``acap = mean of the four dimension scores`` when all four exist, else None. Answers of
    :data:`NOT_ANSWERED` (0) count as open. Scores are rounded to :data:`SCORE_DECIMALS` decimals: the
    embedded store returns doubles with 15 significant digits, so a third (4.333…) would come back
    different from Neo4j's; six decimals both keep exactly.
    """
    inst = inst or instrument()
    out: dict[str, float | None] = {}
    for d in inst.dimensions:
        vals = [answers.get(i.id) for i in d.items]
        ok = [v for v in vals if v not in (None, NOT_ANSWERED)]
        out[d.id] = sum(ok) / len(ok) if len(ok) == len(vals) else None
    dims = [out[d] for d in DIMENSIONS]
    out[OVERALL] = sum(dims) / len(dims) if all(x is not None for x in dims) else None  # type: ignore[arg-type]
    return {k: (round(v, SCORE_DECIMALS) if v is not None else None) for k, v in out.items()}


def answers_of(items: list[str] | None, answers: list[int] | None) -> dict[str, int | None]:
    """The stored parallel lists (``items``, ``answers``) as ``{item id: answer or None}``."""
    return {i: (a if a not in (None, NOT_ANSWERED) else None) for i, a in zip(items or [], answers or [], strict=False)}


def new_id() -> str:
    """A fresh assessment id for one recorded in the web app: ``a-`` and 16 random hex digits."""
    return "a-" + secrets.token_hex(8)


def import_id(orgnr: str, interview_date: str, advisor: str) -> str:
    """The id of an imported row without an ``assessment_id``: stable for the same firm, date and advisor,
    so importing the spreadsheet again updates the assessment instead of adding one."""
    key = f"{orgnr}|{interview_date}|{' '.join(advisor.casefold().split())}"
    return "a-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def check_id(value: str) -> str | None:
    """An error message when ``value`` cannot be an assessment id, else None."""
    if not ID_PATTERN.fullmatch(value or ""):
        return message("%(value)s is not an assessment id: 1 to 64 letters, digits and _ : - , starting with a "
                       "letter or digit", value=repr(value))
    return None
