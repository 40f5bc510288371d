"""``python -m loaders.synth --out DIR --units N --seed S [--knob name=value ...]``."""

from __future__ import annotations

import argparse
import json
import sys

from klynge.errors import KlyngeError
from loaders.synth import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders.synth", description="Write a synthetic Norway.")
    ap.add_argument("--out", required=True)
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--knob", action="append", default=[], help="name=value (value parsed as JSON when possible)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    knobs = {}
    for kv in a.knob:
        name, _, value = kv.partition("=")
        try:
            knobs[name] = json.loads(value)
        except json.JSONDecodeError:
            knobs[name] = value
    try:
        m = generate(a.out, a.units, a.seed, progress=not a.quiet, **knobs)
    except KlyngeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(m.counts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
