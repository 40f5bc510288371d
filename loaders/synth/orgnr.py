"""Valid Norwegian organisation numbers from a deterministic generator.

An orgnr is an 8-digit base plus a mod-11 check digit (weights 3,2,7,6,5,4,3,2);
a base whose remainder is 1 has no valid check digit and is skipped, remainder 0
gives check digit 0.
"""

from __future__ import annotations

import numpy as np

from klynge.reference.orgnr import WEIGHTS as ORGNR_WEIGHTS

WEIGHTS = np.array(ORGNR_WEIGHTS, dtype=np.int64)
_LOW, _SPAN = 80_000_000, 20_000_000  # bases 80000000..99999999 give orgnrs starting with 8 or 9
_MULT = 7_654_321  # coprime with _SPAN (not divisible by 2 or 5): i -> base is a bijection


def check_digits(bases: np.ndarray) -> np.ndarray:
    """Check digit for each 8-digit base, or -1 where the base is invalid (remainder 1)."""
    b = np.asarray(bases, dtype=np.int64)
    digits = np.stack([(b // 10 ** (7 - i)) % 10 for i in range(8)], axis=-1)
    rem = (digits * WEIGHTS).sum(axis=-1) % 11
    check = (11 - rem) % 11
    return np.where(rem == 1, -1, check)


def generate(n: int, seed: int) -> np.ndarray:
    """``n`` distinct valid orgnrs (int64) in a seed-dependent but deterministic order.

    Candidate ``i`` maps to base ``80000000 + (MULT*i + offset) mod 20000000``, a
    permutation of the base range, so numbers never repeat; invalid bases are skipped.
    """
    if n > 18_000_000:
        raise ValueError(f"cannot generate {n} orgnrs; the base range holds about 18 million valid numbers")
    offset = (seed * 2_654_435_761) % _SPAN
    out: list[np.ndarray] = []
    have, start = 0, 0
    while have < n:
        m = int((n - have) * 1.12) + 64
        i = np.arange(start, start + m, dtype=np.int64)
        start += m
        bases = _LOW + (_MULT * i + offset) % _SPAN
        cd = check_digits(bases)
        ok = cd >= 0
        nums = bases[ok] * 10 + cd[ok]
        out.append(nums[: n - have])
        have += len(out[-1])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
