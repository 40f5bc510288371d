"""Turn units of a :class:`~loaders.synth.model.World` into records in the real source shapes.

Every value decided here (addresses, dates, titles, amounts) is a pure function of the
unit's orgnr and a salt, so records do not depend on chunk boundaries or write order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from loaders.synth.forms import (
    FORETAK_FORMS, FORM_CODES, FORMS, ROLE_CODES, ROLE_GROUP, ROLE_TYPES, SECTORS, VALGT_AV,
)
from loaders.synth.names import (
    DIVISION_WORDS, FIRM_WORDS, FIRST_NAMES, LAST_NAMES, MIDDLE_NAMES, SECTION_WORDS, STREET_STEMS, STREET_SUFFIXES,
)
from loaders.synth.model import (
    HOLDER_BOSTYRER, HOLDER_ENTITY, HOLDER_SAME_AS_CHAIR, KIND_INDEX, World,
)

API = "https://data.brreg.no/enhetsregisteret/api"
_DAY0 = dt.date(1970, 1, 1)
_FORM_SUFFIX = {"AS": "AS", "ASA": "ASA", "SA": "SA", "ANS": "ANS", "DA": "DA", "KS": "KS", "SF": "SF", "IKS": "IKS",
                "KF": "KF", "PRE": "PARTSREDERI"}
_NYNORSK_COUNTIES = {"46", "15"}


_M32 = 0xFFFFFFFF
_SALTS = np.arange(128, dtype=np.uint64)


def u01(orgnr: int, salt: int) -> float:
    """A uniform number in [0, 1) from an orgnr and a salt (the 'lowbias32' integer hash)."""
    z = ((orgnr * 0x9E3779B1) ^ (salt * 0x85EBCA6B)) & _M32
    z = ((z ^ (z >> 16)) * 0x7FEB352D) & _M32
    z = ((z ^ (z >> 15)) * 0x846CA68B) & _M32
    return (z ^ (z >> 16)) / 4294967296.0


def u01_matrix(orgnrs: np.ndarray) -> np.ndarray:
    """``M[i, s] == u01(orgnrs[i], s)`` for salts 0..127, computed with numpy."""
    m = np.uint64(_M32)
    o = np.asarray(orgnrs, dtype=np.uint64)[:, None]
    z = ((o * np.uint64(0x9E3779B1)) ^ (_SALTS[None, :] * np.uint64(0x85EBCA6B))) & m
    z = ((z ^ (z >> np.uint64(16))) * np.uint64(0x7FEB352D)) & m
    z = ((z ^ (z >> np.uint64(15))) * np.uint64(0x846CA68B)) & m
    return (z ^ (z >> np.uint64(16))) / 4294967296.0


def pick(seq: tuple[Any, ...] | list[Any], orgnr: int, salt: int) -> Any:
    return seq[int(u01(orgnr, salt) * len(seq))]


def pk(seq: tuple[Any, ...] | list[Any], x: float) -> Any:
    return seq[int(x * len(seq))]


@lru_cache(maxsize=65_536)
def iso(days: int) -> str:
    return (_DAY0 + dt.timedelta(days=int(days))).isoformat()


class Builder:
    """Record builders bound to one world."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.form_codes = [FORM_CODES[f] for f in w.form.tolist()]
        self.cum_w = np.cumsum(w.geo.weights)
        self.last_year = w.knobs.accounts_last_year
        self._names: dict[int, str] = {}
        self._row_u = -1
        self._row: list[float] = []
        self._lo, self._hi = 0, 0
        self._m = np.zeros((0, 128))
        self.acc_id = 0

    def prepare(self, lo: int, hi: int) -> None:
        """Precompute the per-unit uniforms of units ``lo..hi-1`` (a block of at most a few thousand)."""
        self._lo, self._hi = lo, hi
        self._m = u01_matrix(self.w.orgnr[lo:hi])

    def row(self, u: int) -> list[float]:
        """The 128 per-unit uniforms of unit ``u`` (``row(u)[s] == u01(orgnr, s)``)."""
        if u == self._row_u:
            return self._row
        if u == self._hi and u < self.w.n:  # sequential writing moved past the block: next block
            self.prepare(u, min(self.w.n, u + 1024))
        if self._lo <= u < self._hi:
            r = self._m[u - self._lo].tolist()
        else:
            r = u01_matrix(self.w.orgnr[u:u + 1])[0].tolist()
        self._row_u, self._row = u, r
        return r

    # ------------------------------------------------------------------ names and places
    def person_name(self, p: int) -> dict[str, str]:
        w = self.w
        d = {"fornavn": FIRST_NAMES[int(w.p_first[p])]}
        if w.p_middle[p] >= 0:
            d["mellomnavn"] = MIDDLE_NAMES[int(w.p_middle[p])]
        d["etternavn"] = LAST_NAMES[int(w.p_last[p])]
        return d

    def unit_name(self, u: int) -> str:
        if u in self._names:
            return self._names[u]
        w = self.w
        name = w.special_names.get(u)
        if name is None:
            R = self.row(u)
            f = self.form_codes[u]
            code = w.ind.codes[int(w.nace[u])]
            sec = w.ind.section.get(code, "N")
            word = pk(DIVISION_WORDS.get(code[:2]) or SECTION_WORDS.get(sec, ("Service",)), R[2])
            stem = pk(FIRM_WORDS, R[3]) + pk(FIRM_WORDS, R[4]).lower()
            place = w.geo.names[int(w.muni[u])]
            if f == "ENK":
                p = self.enk_owner(u)
                nm = self.person_name(p) if p >= 0 else {"fornavn": "Ola", "etternavn": "Nordmann"}
                name = f"{word} {nm['fornavn']} {nm['etternavn']}"
            elif f == "FLI":
                kind = pk(("Idrettslag", "Historielag", "Velforening", "Musikkorps", "Næringsforening"), R[5])
                name = f"{place} {kind}"
            elif f == "STI":
                name = f"Stiftelsen {stem}"
            elif f == "BRL":
                name = f"{stem} Borettslag"
            elif f in ("ESEK", "SAM"):
                name = f"Sameiet {self.street(u, 0)}"
            elif f == "NUF":
                name = f"{stem} {word} {pk(('AB', 'ApS', 'GmbH', 'Ltd', 'Oy'), R[6])}"
            elif f == "ORGL":
                name = f"{place} {pk(('skole', 'sykehjem', 'legekontor', 'barnehage', 'kulturhus'), R[7])}"
            elif f == "SPA":
                name = f"{place} Sparebank"
            else:
                use_place = R[8] < 0.3
                first = place if use_place else stem
                if w.holding[u]:
                    word = "Holding"
                name = f"{first} {word} {_FORM_SUFFIX.get(f, 'AS')}"
            name = name.upper()
        if len(self._names) < 200_000:
            self._names[u] = name
        return name

    def enk_owner(self, u: int) -> int:
        w = self.w
        lo, hi = int(w.seat_offset[u]), int(w.seat_offset[u + 1])
        for i in range(lo, hi):
            if ROLE_CODES[int(w.s_role[i])] == "INNH":
                return int(w.s_holder[i])
        return -1

    def street(self, u: int, salt: int) -> str:
        R = self.row(u)
        return (f"{pk(STREET_STEMS, R[20 + salt])}{pk(STREET_SUFFIXES, R[21 + salt])} "
                f"{1 + int(R[22 + salt] * 120)}")

    def address(self, m: int, street: str) -> dict[str, Any]:
        g = self.w.geo
        return {
            "land": "Norge", "landkode": "NO", "postnummer": g.postal[m], "poststed": g.names[m].upper(),
            "adresse": [street], "kommune": g.names[m].upper(), "kommunenummer": g.codes[m],
        }

    def muni_from(self, x: float) -> int:
        return min(int(np.searchsorted(self.cum_w, x)), len(self.cum_w) - 1)

    # ------------------------------------------------------------------ units
    def unit(self, u: int) -> dict[str, Any]:
        w = self.w
        o = int(w.orgnr[u])
        R = self.row(u)
        f = self.form_codes[u]
        orgnr = f"{o:09d}"
        form_obj = {"kode": f, "beskrivelse": FORMS[f][0],
                    "_links": {"self": {"href": f"{API}/organisasjonsformer/{f}"}}}
        links = {"self": {"href": f"{API}/enheter/{orgnr}"}}
        founded = int(w.founded[u])
        if w.status[u] == 1:
            return {"organisasjonsnummer": orgnr, "navn": self.unit_name(u), "organisasjonsform": form_obj,
                    "slettedato": iso(min(20_400, founded + 200 + int(R[30] * 4000))), "_links": links}
        code = w.ind.codes[int(w.nace[u])]
        m = int(w.muni[u])
        e = int(w.emp[u])
        reg = max(founded + int(R[31] * 40), 9131 + int(R[32] * 200))  # ER opened 1995
        rec: dict[str, Any] = {"organisasjonsnummer": orgnr, "navn": self.unit_name(u), "organisasjonsform": form_obj}
        if f in ("AS", "ASA", "SA") and e >= 10 and R[33] < 0.7:
            rec["hjemmeside"] = "www." + "".join(ch for ch in rec["navn"].lower().split(" ")[0] if ch.isalnum()) + ".no"
        if R[34] < 0.25:
            rec["postadresse"] = self.address(m, f"Postboks {1 + int(R[35] * 900)}")
        rec["registreringsdatoEnhetsregisteret"] = iso(reg)
        mva = f not in ("BRL", "ESEK", "SAM", "STAT", "FYLK") and (e > 0 or R[36] < 0.5)
        rec["registrertIMvaregisteret"] = mva
        if mva:
            rec["registreringsdatoMerverdiavgiftsregisteret"] = iso(reg + 10)
        rec["naeringskode1"] = {"kode": code, "beskrivelse": w.ind.names.get(code, "")}
        if w.kind[u] == KIND_INDEX["firm"] and R[37] < 0.08:
            c2 = w.ind.codes[int(R[38] * len(w.ind.codes))]
            if c2 != code:
                rec["naeringskode2"] = {"kode": c2, "beskrivelse": w.ind.names.get(c2, "")}
        if e >= 5:
            rec["antallAnsatte"] = e
        rec["harRegistrertAntallAnsatte"] = e > 0
        if e > 0:
            d = iso(20_300 + int(R[39] * 400))
            rec["registreringsdatoAntallAnsatteEnhetsregisteret"] = d
            rec["registreringsdatoAntallAnsatteNAVAaregisteret"] = iso(20_298 + int(R[39] * 400))
        if u in w.parent:
            rec["overordnetEnhet"] = f"{int(w.orgnr[w.parent[u]]):09d}"
        rec["forretningsadresse"] = self.address(m, self.street(u, 0))
        rec["stiftelsesdato"] = iso(founded)
        sector = FORMS[f][1]
        rec["institusjonellSektorkode"] = {"kode": sector, "beskrivelse": SECTORS[sector]}
        rec["registrertIForetaksregisteret"] = f in FORETAK_FORMS
        if f in FORETAK_FORMS:
            rec["registreringsdatoForetaksregisteret"] = iso(reg)
        rec["registrertIStiftelsesregisteret"] = f == "STI"
        fri = f == "FLI" and R[40] < 0.5
        rec["registrertIFrivillighetsregisteret"] = fri
        if fri:
            rec["registreringsdatoFrivillighetsregisteret"] = iso(reg + 30)
        if w.files[u]:
            rec["sisteInnsendteAarsregnskap"] = str(self.last_year)
        st = int(w.status[u])
        rec["konkurs"] = st == 2
        if st == 2:
            rec["konkursdato"] = iso(20_000 + int(R[41] * 700))
        rec["underAvvikling"] = st == 3
        if st == 3:
            rec["underAvviklingDato"] = iso(20_000 + int(R[42] * 700))
        rec["underTvangsavviklingEllerTvangsopplosning"] = False
        rec["maalform"] = "Nynorsk" if (w.geo.county[m] in _NYNORSK_COUNTIES and R[43] < 0.4) else "Bokmål"
        if f in ("AS", "ASA"):
            rec["erIKonsern"] = bool(w.konsern[u])
            shares = 30 + int(R[44] * 3000) if f == "AS" else 1_000_000
            rec["kapital"] = {"belop": float(shares * 1000), "antallAksjer": shares, "type": "Aksjekapital",
                              "valuta": "NOK", "innfortDato": iso(reg)}
        if f not in ("KOMM", "FYLK", "STAT", "ORGL"):
            rec["aktivitet"] = [f"{w.ind.names.get(code, 'Virksomhet')} og det som naturlig hører til."]
        rec["respons_klasse"] = "Enhet"
        rec["_links"] = links
        return rec

    def subunits(self, u: int) -> Iterator[dict[str, Any]]:
        w = self.w
        lo, hi = int(w.sub_offset[u]), int(w.sub_offset[u + 1])
        if hi == lo:
            return
        o = int(w.orgnr[u])
        f = self.form_codes[u]
        parent = f"{o:09d}"
        name = self.unit_name(u)
        e = int(w.emp[u])
        k = hi - lo
        code = w.ind.codes[int(w.nace[u])]
        home = int(w.muni[u])
        county = w.geo.county[home]
        same_county = [i for i, c in enumerate(w.geo.county) if c == county]
        for j in range(k):
            so = int(w.sub_orgnr[lo + j])
            sorg = f"{so:09d}"
            if j == 0 and u01(so, 1) < 0.92:
                m = home
            elif u01(so, 2) < 0.6:
                m = same_county[int(u01(so, 3) * len(same_county))]
            else:
                m = self.muni_from(u01(so, 4))
            se = int(round(e * 0.5)) if j == 0 and k > 1 else int(round(e * (0.5 if k > 1 else 1.0) / max(1, k - 1)))
            if k == 1:
                se = e
            aafy = f in ("FLI", "STI", "BRL", "ESEK", "SAM")
            rec: dict[str, Any] = {
                "organisasjonsnummer": sorg,
                "navn": name if j == 0 else f"{name} AVD {w.geo.names[m].upper()}",
                "organisasjonsform": {
                    "kode": "AAFY" if aafy else "BEDR",
                    "beskrivelse": ("Underenhet til ikke-næringsdrivende" if aafy
                                    else "Underenhet til næringsdrivende og offentlig forvaltning"),
                },
                "registreringsdatoEnhetsregisteret": iso(max(int(w.founded[u]), 9131) + j * 200),
                "registrertIMvaregisteret": not aafy,
                "naeringskode1": {"kode": code, "beskrivelse": w.ind.names.get(code, "")},
                "harRegistrertAntallAnsatte": se > 0,
            }
            if se >= 5:
                rec["antallAnsatte"] = se
            if se > 0:
                rec["registreringsdatoAntallAnsatteEnhetsregisteret"] = iso(20_300 + int(u01(so, 5) * 400))
            rec["overordnetEnhet"] = parent
            rec["oppstartsdato"] = iso(max(int(w.founded[u]), 9131) + j * 180)
            street = (f"{pick(STREET_STEMS, so, 8)}{pick(STREET_SUFFIXES, so, 9)} "
                      f"{1 + int(u01(so, 10) * 120)}")
            rec["beliggenhetsadresse"] = self.address(m, street)
            if u01(so, 6) < 0.03:
                rec["nedleggelsesdato"] = iso(19_000 + int(u01(so, 7) * 1500))
            rec["respons_klasse"] = "Underenhet"
            rec["_links"] = {"self": {"href": f"{API}/underenheter/{sorg}"},
                             "overordnetEnhet": {"href": f"{API}/enheter/{parent}"}}
            yield rec

    # ------------------------------------------------------------------ roles
    def roles(self, u: int) -> dict[str, Any] | None:
        w = self.w
        lo, hi = int(w.seat_offset[u]), int(w.seat_offset[u + 1])
        if hi == lo:
            return None
        o = int(w.orgnr[u])
        R = self.row(u)
        groups: dict[str, dict[str, Any]] = {}
        for i in range(lo, hi):
            rc = ROLE_CODES[int(w.s_role[i])]
            gcode, gdesc = ROLE_GROUP[rc]
            g = groups.get(gcode)
            if g is None:
                g = {"type": {"kode": gcode, "beskrivelse": gdesc},
                     "sistEndret": iso(18_000 + int(R[50 + min(len(groups), 9)] * 2400)), "roller": []}
                groups[gcode] = g
            role: dict[str, Any] = {"type": {"kode": rc, "beskrivelse": ROLE_TYPES[rc]}}
            ht = int(w.s_htype[i])
            h = int(w.s_holder[i])
            if ht == HOLDER_ENTITY:
                hf = self.form_codes[h]
                hname = self.unit_name(h)
                parts = hname.rsplit(" ", 1) if " " in hname else [hname]
                role["enhet"] = {"organisasjonsnummer": f"{int(w.orgnr[h]):09d}",
                                 "organisasjonsform": {"kode": hf, "beskrivelse": FORMS[hf][0]},
                                 "navn": parts, "erSlettet": bool(w.status[h] == 1)}
            elif ht == HOLDER_BOSTYRER:
                role["bostyrer"] = {"navn": f"Advokat {pk(FIRST_NAMES, R[60])} {pk(LAST_NAMES, R[61])}",
                                    "erDoed": False}
            else:
                if ht == HOLDER_SAME_AS_CHAIR:
                    ht = 0
                role["person"] = {"fodselsdato": iso(int(w.p_birth[h])), "navn": self.person_name(h),
                                  "erDoed": bool(w.p_dead[h])}
            va = int(w.s_valgt[i])
            if va:
                kode = "A-AK" if va == 1 else "AREP"
                role["valgtAv"] = {"kode": kode, "beskrivelse": VALGT_AV[kode]}
            if rc == "DTPR":
                role["ansvarsandel"] = "50%"
            role["fratraadt"] = bool(w.s_resigned[i])
            role["avregistrert"] = False
            role["rekkefolge"] = len(g["roller"])
            g["roller"].append(role)
        return {"organisasjonsnummer": f"{o:09d}", "rollegrupper": list(groups.values())}

    # ------------------------------------------------------------------ accounts
    def accounts(self, u: int) -> list[dict[str, Any]] | None:
        w = self.w
        if not w.files[u] or w.status[u] == 1:
            return None
        o = int(w.orgnr[u])
        R = self.row(u)
        orgnr = f"{o:09d}"
        f = self.form_codes[u]
        k = w.knobs
        out: list[dict[str, Any]] = []
        types = ["SELSKAP", "KONSERN"] if w.konsern[u] and w.emp[u] >= 10 else ["SELSKAP"]
        rev_last = float(w.revenue[u]) if not np.isnan(w.revenue[u]) else None
        g = 1.0 + float(w.growth[u])
        for rtype in types:
            mult = 1.0 if rtype == "SELSKAP" else 1.3 + R[70]
            for back in range(k.accounts_years - 1, -1, -1):
                year = self.last_year - back
                noise = 1.0 + (R[71 + back] - 0.5) * 0.04
                # margins drift with the unit's growth (members up, the focus region down), plus noise
                margin = float(w.margin[u]) - back * 0.1 * (float(w.growth[u]) - 0.03) + (R[80 + back] - 0.5) * 0.03
                if rev_last is not None:
                    rev = int(round(rev_last / g ** back * noise * mult))
                    assets = max(10_000, int(rev * float(w.asset_ratio[u])) + 50_000)
                    ebit = int(round(rev * margin))
                    cost = rev - ebit
                    fin_in = int(assets * 0.01 * R[90 + back])
                else:  # holding company: no operating revenue, income is financial
                    assets = int(2e6 * np.exp(3 * R[91]) * noise * mult)
                    rev = None
                    cost = int(40_000 + 0.002 * assets)
                    ebit = -cost
                    fin_in = int(assets * (0.02 + 0.08 * R[92 + back]))
                fin_cost = int(assets * (1 - float(w.equity_ratio[u])) * 0.04 * R[95 + back])
                net_fin = fin_in - fin_cost
                pretax = ebit + net_fin
                tax = max(0, int(pretax * 0.22))
                result = pretax - tax
                equity = int(assets * float(w.equity_ratio[u]))
                debt = assets - equity
                short = int(debt * (0.4 + 0.4 * R[97]))
                paid_in = min(equity, 30_000 + int(R[98] * 200_000)) if equity > 0 else 30_000
                small = assets < 23_000_000 and (rev or 0) < 70_000_000 and f != "ASA"
                self.acc_id += 1
                drift_inn: dict[str, Any] = {} if rev is None else {"salgsinntekter": int(rev * 0.97),
                                                                    "sumDriftsinntekter": rev}
                out.append({
                    "id": 10_000_000 + int(R[100 + back + (10 if rtype == 'KONSERN' else 0)] * 89_999_999),
                    "journalnr": f"{year + 1}{int(R[110 + back] * 999_999):06d}",
                    "regnskapstype": rtype,
                    "virksomhet": {"organisasjonsnummer": orgnr, "organisasjonsform": f,
                                   "morselskap": rtype == "KONSERN" or bool(w.konsern[u])},
                    "regnskapsperiode": {"fraDato": f"{year}-01-01", "tilDato": f"{year}-12-31"},
                    "valuta": "NOK",
                    "avviklingsregnskap": False,
                    "oppstillingsplan": "smaa" if small else "store",
                    "revisjon": {"ikkeRevidertAarsregnskap": False,
                                 "fravalgRevisjon": bool(small and R[120] < 0.6)},
                    "regnkapsprinsipper": {"smaaForetak": small,
                                           "regnskapsregler": ("IFRS" if f == "ASA" and rtype == "KONSERN"
                                                               else "regnskapslovenAlminneligRegler")},
                    "egenkapitalGjeld": {
                        "sumEgenkapitalGjeld": assets,
                        "egenkapital": {
                            "sumEgenkapital": equity,
                            "opptjentEgenkapital": ({"sumOpptjentEgenkapital": equity - paid_in}
                                                    if equity != paid_in else {}),
                            "innskuttEgenkapital": {"sumInnskuttEgenkaptial": paid_in},
                        },
                        "gjeldOversikt": {"sumGjeld": debt, "kortsiktigGjeld": {"sumKortsiktigGjeld": short},
                                          "langsiktigGjeld": {"sumLangsiktigGjeld": debt - short}},
                    },
                    "eiendeler": {
                        "sumEiendeler": assets,
                        "omloepsmidler": {"sumOmloepsmidler": int(assets * 0.45)},
                        "anleggsmidler": {"sumAnleggsmidler": assets - int(assets * 0.45)},
                    },
                    "resultatregnskapResultat": {
                        "ordinaertResultatFoerSkattekostnad": pretax,
                        "ordinaertResultatSkattekostnad": tax,
                        "aarsresultat": result,
                        "totalresultat": result,
                        "finansresultat": {"nettoFinans": net_fin,
                                           "finansinntekt": {"sumFinansinntekter": fin_in},
                                           "finanskostnad": {"sumFinanskostnad": fin_cost}},
                        "driftsresultat": {"driftsresultat": ebit, "driftsinntekter": drift_inn,
                                           "driftskostnad": {"sumDriftskostnad": cost}},
                    },
                })
        return out
