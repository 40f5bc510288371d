"""The synthetic world's board seats and the persons who hold them (matched so that seats interlock as the
register's do)."""

from __future__ import annotations

import math
from array import array

import numpy as np

from loaders.synth.model import HOLDER_BOSTYRER, HOLDER_ENTITY, HOLDER_PERSON, HOLDER_SAME_AS_CHAIR, KIND_INDEX, World

from loaders.synth.forms import (
    FORM_CODES, FORM_INDEX, ROLE_INDEX,
)
from loaders.synth.names import FIRST_NAMES, LAST_NAMES, MIDDLE_NAMES


def draw_seats(w: World, rng: np.random.Generator) -> None:
    """Every unit's board seats, CEO, auditors, accountants and owners (holders matched later)."""
    k = w.knobs
    n = w.n
    s_unit, s_role, s_htype, s_holder, s_valgt = (array("i"), array("b"), array("b"), array("i"), array("b"))
    forms = [FORM_CODES[f] for f in w.form.tolist()]
    county_of_muni = np.array([int(c) for c in w.geo.county])
    ucounty = county_of_muni[w.muni]
    # entity pools by county
    div = np.array([c[:4] for c in w.ind.codes])[w.nace]
    alive = w.status == 0
    auditors = np.flatnonzero(alive & (np.char.startswith(div.astype(str), "69.2")) & (w.form == FORM_INDEX["AS"]))
    if len(auditors) == 0:
        auditors = np.flatnonzero(alive & (w.form == FORM_INDEX["AS"]))
    as_units = np.flatnonzero(alive & (w.form == FORM_INDEX["AS"]))
    komm = np.flatnonzero(w.form == FORM_INDEX["KOMM"])
    aud_by_c = {c: auditors[ucounty[auditors] == c] for c in np.unique(ucounty)}
    as_by_c = {c: as_units[ucounty[as_units] == c] for c in np.unique(ucounty)}
    komm_by_c = {c: komm[ucounty[komm] == c] for c in np.unique(ucounty)}

    R = rng.random((n, 8))
    emp = w.emp.tolist()
    status = w.status.tolist()
    kinds = w.kind.tolist()
    ucl = ucounty.tolist()
    L, N_, M_, V, D = ROLE_INDEX["LEDE"], ROLE_INDEX["NEST"], ROLE_INDEX["MEDL"], ROLE_INDEX["VARA"], ROLE_INDEX["DAGL"]
    offsets = np.zeros(n + 1, dtype=np.int64)

    def pick(pool_by_c: dict, pool_all: np.ndarray, c: int, u01: float, exclude: int) -> int:
        pool = pool_by_c.get(c)
        if pool is None or len(pool) == 0 or u01 < 0.25:
            pool = pool_all
        if len(pool) == 0:
            return -1
        h = pool[int(u01 * 7919 * len(pool)) % len(pool)]
        return int(h) if int(h) != exclude else -1

    def add(u: int, role: int, htype: int = HOLDER_PERSON, holder: int = -1, valgt: int = 0) -> None:
        s_unit.append(u)
        s_role.append(role)
        s_htype.append(htype)
        s_holder.append(holder)
        s_valgt.append(valgt)

    for u in range(n):
        offsets[u] = len(s_unit)
        st = status[u]
        if st == 1:
            continue
        f = forms[u]
        e = emp[u]
        r = R[u]
        kd = kinds[u]
        if f == "ENK":
            add(u, ROLE_INDEX["INNH"])
            if r[0] < 0.45:
                h = pick(aud_by_c, auditors, ucl[u], r[1], u)
                if h >= 0:
                    add(u, ROLE_INDEX["REGN"], HOLDER_ENTITY, h)
        elif f in ("ANS", "DA"):
            role = ROLE_INDEX["DTSO"] if f == "ANS" else ROLE_INDEX["DTPR"]
            partners: set[int] = set()
            for j in range(2 + int(r[0] < 0.3)):
                if r[1 + j] < 0.15:
                    h = pick(as_by_c, as_units, ucl[u], r[4 + j], u)
                    if h >= 0 and h not in partners:
                        partners.add(h)
                        add(u, role, HOLDER_ENTITY, h)
                        continue
                add(u, role)
            if e > 0 and r[6] < 0.5:
                add(u, D)
        elif f in ("KOMM", "FYLK", "STAT"):
            add(u, D)
        elif f == "NUF":
            add(u, ROLE_INDEX["REPR"])
            if e > 0:
                add(u, D)
        elif f == "KS":
            h = pick(as_by_c, as_units, ucl[u], r[0], u)
            if h >= 0:
                add(u, ROLE_INDEX["KOMP"], HOLDER_ENTITY, h)
            add(u, D)
        else:
            # organisations with a board
            if kd in (KIND_INDEX["university"], KIND_INDEX["college"]):
                size = 8 + int(r[0] * 4)
            elif f in ("ASA", "SPA", "SF", "SÆR") or kd in (KIND_INDEX["institute"], KIND_INDEX["government"]):
                size = 5 + int(r[0] * 4)
            elif f == "ORGL":
                size = 0 if r[0] < 0.7 else 3
            elif e >= 10:
                size = 3 + min(4, int(math.log2(1 + e / 10)) + int(r[0] * 2))
            elif f in ("FLI", "BRL", "SA", "STI", "ESEK", "SAM", "IKS"):
                size = 3 + int(r[0] * 4)
            else:  # small AS, KF, PRE
                size = 1 + (r[0] < 0.5) + (r[0] < 0.2)
            chair_ceo = f == "AS" and e < 5 and r[1] < k.ceo_is_chair_share
            if size > 0:
                add(u, L)
                if size >= 5 and r[2] < 0.2:
                    add(u, N_)
                    size -= 1
                for j in range(size - 1):
                    employee_rep = e >= 30 and j >= size - 3 and r[3] < 0.6
                    add(u, M_, valgt=2 if employee_rep else (1 if f in ("AS", "ASA") and r[4] < 0.1 else 0))
                for _ in range(int(r[5] < 0.55) + int(r[5] < 0.2)):
                    add(u, V)
            has_ceo = e > 0 or f in ("ASA", "SF", "SÆR", "SPA") or (f == "AS" and r[6] < 0.35)
            if f == "ORGL" or has_ceo:
                if chair_ceo and size > 0:
                    add(u, D, HOLDER_SAME_AS_CHAIR)
                else:
                    add(u, D)
            if f == "IKS":
                owners: set[int] = set()
                for j in range(2 + int(r[7] * 3)):
                    h = pick(komm_by_c, komm, ucl[u], (r[7] * (j + 3)) % 1.0, u)
                    if h >= 0 and h not in owners:
                        owners.add(h)
                        add(u, ROLE_INDEX["EIKM"], HOLDER_ENTITY, h)
        if f in ("AS", "ASA", "SA", "STI", "SF", "SPA", "NUF", "IKS", "KF", "SÆR", "FLI") and st != 1:
            audited = f != "AS" or e >= 5 or r[7] < 0.3
            if f == "FLI":
                audited = e >= 5
            if audited:
                h = pick(aud_by_c, auditors, ucl[u], (r[7] * 13.7) % 1.0, u)
                if h >= 0:
                    add(u, ROLE_INDEX["REVI"], HOLDER_ENTITY, h)
            if f in ("AS", "SA", "NUF") and r[6] < 0.6:
                h = pick(aud_by_c, auditors, ucl[u], (r[6] * 31.3) % 1.0, u)
                if h >= 0:
                    add(u, ROLE_INDEX["REGN"], HOLDER_ENTITY, h)
        if st == 2:
            add(u, ROLE_INDEX["BOBE"], HOLDER_BOSTYRER)
    offsets[n] = len(s_unit)
    w.seat_offset = offsets
    w.s_unit = np.frombuffer(s_unit, dtype=np.int32).copy()
    w.s_role = np.frombuffer(s_role, dtype=np.int8).copy()
    w.s_htype = np.frombuffer(s_htype, dtype=np.int8).copy()
    w.s_holder = np.frombuffer(s_holder, dtype=np.int32).copy()
    w.s_valgt = np.frombuffer(s_valgt, dtype=np.int8).copy()
    w.s_resigned = rng.random(len(w.s_unit)) < k.resigned_share
    w.s_resigned &= w.s_htype == HOLDER_PERSON


# --------------------------------------------------------------------------- persons
def draw_persons(w: World, rng: np.random.Generator) -> None:
    """Create persons with heavy-tailed seat counts and match them to person seats.

    Each seat is *local* (filled from its municipality's residents) with a probability
    that depends on its unit (ordinary, focus region, cluster member, public body);
    each person's first seat is local to the home municipality, later seats stay local
    with ``extra_slot_local_share``.  Local seats and local slots are paired inside a
    municipality, global ones across the country, leftovers within the county and then
    anywhere; a person never holds two seats in one unit.
    """
    k = w.knobs
    ps = np.flatnonzero(w.s_htype == HOLDER_PERSON)
    S = len(ps)
    seat_unit = w.s_unit[ps]
    seat_muni = w.muni[seat_unit].astype(np.int64)
    p_local = np.full(S, k.local_seat_share)
    p_local[w.region[seat_unit]] = k.region_local_seat_share
    public = np.isin(w.kind[seat_unit], [KIND_INDEX[x] for x in ("university", "college", "institute", "government",
                                                                   "intermediary")])
    p_local[public] = k.public_local_seat_share
    p_local[w.member[seat_unit]] = k.member_local_seat_share
    seat_local = rng.random(S) < p_local
    # persons and their seat counts: P(k) ~ k^-a
    ks = np.arange(1, k.max_seats + 1)
    pk = ks.astype(float) ** -k.seat_exponent
    pk /= pk.sum()
    mean_k = float((ks * pk).sum())
    P = int(S / mean_k * 1.03) + 10
    kp = rng.choice(ks, size=P, p=pk)
    seat_count_by_muni = np.bincount(seat_muni, minlength=len(w.geo.codes)).astype(float)
    home = rng.choice(len(w.geo.codes), size=P, p=seat_count_by_muni / seat_count_by_muni.sum())
    # slots
    slot_person = np.repeat(np.arange(P), kp)
    first = np.ones(len(slot_person), dtype=bool)
    first[1:] = slot_person[1:] != slot_person[:-1]
    slot_home = home[slot_person]
    p_stay = np.where(np.isin(slot_home, np.flatnonzero([c in set(k.region_municipalities) for c in w.geo.codes])),
                      min(1.0, k.extra_slot_local_share + 0.15), k.extra_slot_local_share)
    slot_local = first | (rng.random(len(slot_person)) < p_stay)
    holder = np.full(S, -1, dtype=np.int64)
    used_slot = np.zeros(len(slot_person), dtype=bool)

    def match(seat_sel: np.ndarray, seat_key: np.ndarray, slot_sel: np.ndarray, slot_key: np.ndarray) -> None:
        a = seat_sel[np.lexsort((rng.random(len(seat_sel)), seat_key))]
        b = slot_sel[np.lexsort((rng.random(len(slot_sel)), slot_key))]
        ka, kb = np.sort(seat_key), np.sort(slot_key)
        # rank within group
        ra = np.arange(len(a)) - np.searchsorted(ka, ka, side="left")
        rb = np.arange(len(b)) - np.searchsorted(kb, kb, side="left")
        # pair a's with b's of the same key and same rank
        ga = ka * (len(a) + len(b) + 1) + ra
        gb = kb * (len(a) + len(b) + 1) + rb
        common, ia, ib = np.intersect1d(ga, gb, assume_unique=True, return_indices=True)
        holder[a[ia]] = slot_person[b[ib]]
        used_slot[b[ib]] = True

    si = np.flatnonzero(seat_local)
    li = np.flatnonzero(slot_local)
    match(si, seat_muni[si], li, slot_home[li])
    gs = np.flatnonzero(~seat_local & (holder < 0))
    gl = np.flatnonzero(~slot_local & ~used_slot)
    match(gs, np.zeros(len(gs), np.int64), gl, np.zeros(len(gl), np.int64))
    county_of_muni = np.array([int(c) for c in w.geo.county])
    rs = np.flatnonzero(holder < 0)
    rl = np.flatnonzero(~used_slot)
    match(rs, county_of_muni[seat_muni[rs]], rl, county_of_muni[slot_home[rl]])
    rs = np.flatnonzero(holder < 0)
    rl = np.flatnonzero(~used_slot)
    match(rs, np.zeros(len(rs), np.int64), rl, np.zeros(len(rl), np.int64))
    # remaining seats: new one-seat persons; also persons holding two seats in one unit
    key = seat_unit.astype(np.int64) * (P + S + 1) + holder
    order = np.argsort(key, kind="stable")
    dup = np.zeros(S, dtype=bool)
    sk = key[order]
    dup[order[1:]] = (sk[1:] == sk[:-1]) & (holder[order[1:]] >= 0)
    fresh = np.flatnonzero((holder < 0) | dup)
    holder[fresh] = P + np.arange(len(fresh))
    home = np.concatenate([home, seat_muni[fresh]])
    P += len(fresh)
    # drop persons without seats and renumber
    used = np.zeros(P, dtype=bool)
    used[holder] = True
    remap = np.cumsum(used) - 1
    holder = remap[holder]
    Pn = int(used.sum())
    w.s_holder[ps] = holder.astype(np.int32)
    # CEO who is also chair: copy the chair's holder
    same = np.flatnonzero(w.s_htype == HOLDER_SAME_AS_CHAIR)
    for i in same:
        u = w.s_unit[i]
        lo = w.seat_offset[u]
        chair = lo + int(np.flatnonzero(w.s_role[lo:w.seat_offset[u + 1]] == ROLE_INDEX["LEDE"])[0])
        w.s_holder[i] = w.s_holder[chair]
    # person attributes, unique (name, birth date)
    w.p_first = rng.integers(0, len(FIRST_NAMES), Pn).astype(np.int16)
    w.p_middle = np.where(rng.random(Pn) < 0.3, rng.integers(0, len(MIDDLE_NAMES), Pn), -1).astype(np.int16)
    w.p_last = rng.integers(0, len(LAST_NAMES), Pn).astype(np.int16)
    seats_per_person = np.bincount(holder, minlength=Pn)
    age = rng.normal(52, 11, Pn) + np.minimum(seats_per_person, 10) * 0.8
    birth = ((2025.5 - np.clip(age, 19, 92) - 1970) * 365.25).astype(np.int32)
    for _ in range(50):
        key2 = ((w.p_first.astype(np.int64) * 32 + (w.p_middle + 1)) * 128 + w.p_last) * 100_000 + birth
        _, first_idx = np.unique(key2, return_index=True)
        dupmask = np.ones(Pn, dtype=bool)
        dupmask[first_idx] = False
        if not dupmask.any():
            break
        birth[dupmask] += rng.integers(-400, 400, int(dupmask.sum())).astype(np.int32)
    w.p_birth = birth
    w.p_dead = rng.random(Pn) < 0.002
