"""A synthetic Norway in the real file formats, at any scale.

``generate(out_dir, units, seed, **knobs) -> Manifest`` writes Enhetsregisteret units
(JSON and CSV bulk), sub-units, roles (``roller/totalbestand``), Regnskapsregisteret
accounts, Forskningsrådet and Innovasjon Norge grants, patents and clusters, plus a
``manifest.json`` marking the folder synthetic.  Structure and knobs are documented in
``loaders/synth/README.md``.
"""

from __future__ import annotations

from loaders.synth.generate import FILES, generate
from loaders.synth.knobs import TABLE5, Knobs, Manifest
from loaders.synth.memberships import membership_rule

__all__ = ["FILES", "TABLE5", "Knobs", "Manifest", "generate", "membership_rule"]
