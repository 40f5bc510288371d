"""A few synthetic absorptive-capacity assessments for the demo, in the import template's CSV layout.

The USN study interviewed twelve managers (§4.3); the generator writes up to :data:`INTERVIEWS` interviews
of active firms with at least five employees that file accounts: a third of them cluster or business-garden
members (anywhere: the focus region has few), the rest firms of the focus region. Answers
follow a latent capacity per firm — higher for cluster and business-garden members, for firms tied to
a member through a shared board member and for larger firms — plus a dimension offset and item noise,
rounded and clipped to the 1–7 scale. One interview is a draft with open items. Interview dates fall
in the last accounts year, advisors are drawn from the generator's name lists, and the theme texts are
stock phrases; every note says the interview is synthetic.

Its draws come from a generator of their own (seeded from the world's seed), so adding this file
left every other synthetic file byte for byte as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from klynge.assessments import instrument
from loaders.synth.names import FIRST_NAMES, LAST_NAMES
from loaders.synth.model import KIND_INDEX, World

INTERVIEWS = 12
_STREAM = 22  # second entropy word of the generator: keeps these draws apart from the world's
DIMENSION_OFFSET = {"acquisition": 0.3, "assimilation": 0.0, "transformation": -0.1, "exploitation": -0.3}

RD = ("No own R&D; the owner follows suppliers' product news.", "Two engineers spend part of their time on "
      "product development.", "A small development team; works with a university college on testing.",
      "Competence is built on the job; little formal training.")
COLLAB = ("Close to a few large customers; little contact with research.", "Buys testing from a research "
          "institute now and then.", "Takes part in a regional supplier network.", "Works with the municipality "
          "on a local project.")
NETWORK = ("Has not taken part in a cluster.", "Member of the business garden for three years; used its "
           "courses.", "Tried a network project once; found it took too much time.", "Active in the cluster's "
           "working group on timber construction.")
PLANS = ("Wants to grow in Eastern Norway; needs people more than capital.", "Plans a new product line within "
         "two years.", "Looking for partners to bid for larger contracts.", "No growth plans; wants to keep "
         "the firm as it is.")


def write_assessments(w: World, path: Path) -> int:
    """Write the interviews to ``path`` (CSV, the template's columns); returns how many."""
    inst = instrument()
    rng = np.random.default_rng([w.seed, _STREAM])
    elig = np.flatnonzero(w.files & (w.status == 0) & (w.emp >= 5) & (w.kind == KIND_INDEX["firm"]) & ~w.holding)
    members = elig[w.member[elig] | w.siva[elig]]
    others = elig[w.region[elig] & ~(w.member[elig] | w.siva[elig])]
    n_members = min(len(members), INTERVIEWS // 3)
    chosen = list(rng.choice(members, n_members, replace=False)) if n_members else []
    rest = min(len(others), INTERVIEWS - n_members)
    chosen += list(rng.choice(others, rest, replace=False)) if rest else []
    year = w.knobs.accounts_last_year
    advisors = [f"{FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]} {LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]}"
                for _ in range(3)]
    cols = ["orgnr", "interview_date", "advisor", "status", "assessment_id", "instrument_version",
            *inst.item_ids, *(t.id for t in inst.themes)]
    rows = []
    for k, u in enumerate(sorted(int(x) for x in chosen)):
        latent = (4.0 + 0.7 * w.member[u] + 0.4 * w.siva[u] + 0.4 * w.tied[u] + 0.25 * np.log10(max(1, w.emp[u]))
                  + rng.normal(0, 0.6))
        month, day = int(rng.integers(2, 12)), int(rng.integers(1, 29))
        row: dict[str, object] = {"orgnr": f"{int(w.orgnr[u]):09d}", "interview_date": f"{year}-{month:02d}-{day:02d}",
                                  "advisor": advisors[k % len(advisors)], "status": "final",
                                  "instrument_version": inst.version}
        for d in inst.dimensions:
            for item in d.items:
                v = latent + DIMENSION_OFFSET[d.id] + rng.normal(0, 0.7)
                row[item.id] = int(np.clip(np.rint(v), inst.scale_min, inst.scale_max))
        row.update({"rd_competence": RD[int(rng.integers(len(RD)))],
                    "external_collaboration": COLLAB[int(rng.integers(len(COLLAB)))],
                    "network_experience": NETWORK[int(rng.integers(len(NETWORK)))],
                    "plans": PLANS[int(rng.integers(len(PLANS)))],
                    "notes": "Synthetic interview written by loaders.synth for the demo; no real firm was asked."})
        if k == 0:  # one interview not yet finished
            row["status"] = "draft"
            for item in inst.dimensions[-1].items:
                row[item.id] = None
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        out.writeheader()
        for r in rows:
            out.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    return len(rows)
