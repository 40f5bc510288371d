"""Rows of the funding and patent files: Forskningsrådet Søknader v2, Innovasjon Norge
Tildelinger and the patents CSV.  Per-unit counts come from the world; the details are
pure functions of the orgnr (see :func:`loaders.synth.records.u01`)."""

from __future__ import annotations

from collections.abc import Iterator

from loaders.synth.geo import LANDSDEL
from loaders.synth.names import PATENT_OBJECTS, PATENT_TOPICS, TITLE_OBJECTS, TITLE_WORDS
from loaders.synth.records import Builder, pick, u01
from loaders.synth.model import KIND_INDEX

# (code, aktivitet, hovedaktivitet, hovedaktivitet_sekvens, virkemiddel, virkemiddel_sekvens,
#  fagomraade, fag, fagdisiplin)
_ACTIVITIES = {
    "energy": ("ENERGIX", "Stort program energi", "Store programmer", 4, "Programmer", 1, "Teknologi", "Maskinfag",
               "Maskintekn. energi-/miljøtekn."),
    "petro": ("PETROMAKS2", "Stort program petroleum", "Store programmer", 4, "Programmer", 1, "Teknologi",
              "Berg- og petroleumsfag", "Petroleumsteknologi"),
    "bio": ("BIONAER", "Bionæringsprogram", "Handlingsrettede programmer", 3, "Programmer", 1,
            "Landbruks- og fiskerifag", "Landbruksfag", "Skogbruk"),
    "ict": ("IKTPLUSS", "IKT og digital innovasjon", "Store programmer", 4, "Programmer", 1, "Teknologi",
            "Informasjons- og kommunikasjonsteknologi", "Datateknologi"),
    "aqua": ("HAVBRUK2", "Havbruk - en næring i vekst", "Handlingsrettede programmer", 3, "Programmer", 1,
             "Landbruks- og fiskerifag", "Fiskerifag", "Akvakultur"),
    "bia": ("BIA", "Brukerstyrt innovasjonsarena", "Brukerstyrte innovasjonsprogrammer", 1, "Programmer", 1,
            "Teknologi", "Teknologi - tverrfaglig", "Tverr/flerfaglig teknologi"),
    "fripro": ("FRIPRO", "Fri prosjektstøtte", "Fri prosjektstøtte", 7, "Frittstående prosjekter", 2,
               "Matematikk og naturvitenskap", "Matematikk/naturvitenskap - tverrfaglig",
               "Tverr/flerfaglig matematikk/naturvitenskap"),
    "region": ("FORREGION", "Forskningsbasert innovasjon i regionene", "Regionale satsinger", 9, "Programmer", 1,
               "Samfunnsvitenskap", "Samfunnsvitenskap - tverrfaglig",
               "Tverr/flerfaglig samfunnsvit og andre fagområder"),
}
_DIV_ACT = {"35": "energy", "06": "petro", "09": "petro", "02": "bio", "16": "bio", "01": "bio", "10": "bio",
            "03": "aqua", "62": "ict", "63": "ict", "26": "ict"}
_FACULTIES = ("DET MATEMATISK-NATURVITENSKAPELIGE FAKULTET", "DET MEDISINSKE FAKULTET",
              "FAKULTET FOR INGENIØRVITENSKAP", "DET SAMFUNNSVITENSKAPELIGE FAKULTET", "FAKULTET FOR HUMANIORA")


def _title(o: int, salt: int, what: str) -> str:
    t = f"{pick(TITLE_WORDS, o, salt).capitalize()} {pick(TITLE_OBJECTS, o, salt + 1)} for {what}"
    r = u01(o, salt + 2)
    if r < 0.15:
        t += f", {pick(TITLE_WORDS, o, salt + 3)} og {pick(TITLE_WORDS, o, salt + 4)}"
    elif r < 0.17:
        t += "\nDelprosjekt 2"
    return t


def _place(b: Builder, m: int, year: int, o: int) -> tuple[str, str, str, str]:
    """(municipality code, county code, county name, landsdel) valid in ``year``."""
    g = b.w.geo
    code = g.codes[m]
    county = g.county[m]
    if year < 2024 and code in g.old_codes:
        olds = g.old_codes[code]
        code = olds[int(u01(o, 300) * len(olds))]
        county = g.old_county.get(code, county)
    return code, county, g.county_names.get(county, county), LANDSDEL.get(county, "")


def fr_rows(b: Builder, u: int, counter: list[int]) -> Iterator[list[str]]:
    w = b.w
    o = int(w.orgnr[u])
    kind = int(w.kind[u])
    academic = kind in (KIND_INDEX["university"], KIND_INDEX["college"], KIND_INDEX["institute"])
    code = w.ind.codes[int(w.nace[u])]
    name = b.unit_name(u)
    last = w.knobs.accounts_last_year
    for j in range(int(w.n_grants[u])):
        s = 1000 + 40 * j
        counter[0] += 1
        year = last - 5 + int(u01(o, s) * 5)  # application year
        act = _ACTIVITIES["fripro" if academic and u01(o, s + 1) < 0.5 else
                          _DIV_ACT.get(code[:2], "bia" if u01(o, s + 2) < 0.7 else "region")]
        if academic:
            stype, variant = "Forskerprosjekt", ("Fornyelse" if u01(o, s + 3) < 0.6 else "Unge forskertalenter")
            p_grant = 0.25
        else:
            stype, variant = "Innovasjonsprosjekt", "Innovasjonsprosjekt i næringslivet"
            p_grant = 0.35 + (0.1 if w.member[u] else 0.0)
        granted = u01(o, s + 4) < p_grant
        start, end = year + 1, year + 2 + int(u01(o, s + 5) * 3)
        phase = ("Avsluttet" if end < last else "Bevilgning") if granted else "Avslag"
        if not granted and year == last - 1 and u01(o, s + 6) < 0.2:
            phase = "Vurderes"
        sought = (2 + int(u01(o, s + 7) * 28)) * 500_000 if academic else (1 + int(u01(o, s + 7) * 32)) * 500_000
        given = round(sought * (0.7 + 0.3 * u01(o, s + 8))) if granted else 0
        m = int(w.muni[u])
        kcode, ccode, cname, landsdel = _place(b, m, year, o)
        if academic:
            faculty = kind != KIND_INDEX["institute"] and u01(o, s + 9) < 0.3
            resp = pick(_FACULTIES, o, s + 10) if faculty else name
            orgnr = "0" if faculty else f"{o:09d}"
            sektor = "Instituttsektor" if kind == KIND_INDEX["institute"] else "UoH-sektor"
            kategori = {KIND_INDEX["institute"]: "Teknisk-industrielle institutter",
                        KIND_INDEX["college"]: "Statlige høyskoler"}.get(kind, "Universiteter")
            initials = "".join(x[0] for x in name.split() if x[0].isalpha())[:6]
            kortnavn = initials if kind != KIND_INDEX["institute"] else ""
            kp1, kp2 = ("501" if kind == KIND_INDEX["institute"] else "102"), f"{int(u01(o, s + 11) * 20):02d}"
            dr, pd_ = f"{round(u01(o, s + 12) * 4, 2)}", f"{round(u01(o, s + 13) * 3, 2)}"
        else:
            resp, orgnr, sektor, kategori, kortnavn, kp1, kp2, dr, pd_ = (
                name, f"{o:09d}", "Næringsliv", "Næringsliv", "", "601", "00", "0.0", "0.0")
        deadline = f"{year}-{9 + int(u01(o, s + 14) * 3):02d}-{10 + int(u01(o, s + 15) * 15):02d}"
        yield [
            str(300_000 + counter[0]),
            _title(o, s + 16, w.ind.names.get(code, "næringen").lower()),
            f"{deadline} 13:00:00", f"{deadline} 00:00:00",
            str(1_253_978_000_000 + int(u01(o, s + 20) * 999_999)),
            act[0], f"{act[0]} {'IPN' if not academic else 'FP'} {year}", "Prosjektstøtte", stype, variant,
            str(start), str(end), phase, str(start), str(end),
            "KVINNE" if u01(o, s + 21) < 0.32 else "MANN", "Organisasjon", resp, kortnavn, orgnr, kp1, kp2,
            sektor, kategori, w.geo.full_names[m], kcode, cname, ccode, landsdel,
            str(act[5]), act[4], str(act[3]), act[2], act[1], act[0], act[6], act[7], act[8],
            dr if academic else "0.0", pd_ if academic else "0.0", f"{float(sought)}", f"{float(given)}",
        ]


_IN_KINDS = (
    ("Tilskudd", ("Oppstartstilskudd", "Innovasjonskontrakter", "Miljøteknologi", "Bedriftsnettverk",
                  "Distriktsrettede tilskudd")),
    ("Lån", ("Lavrisikolån", "Innovasjonslån", "Distriktsrettede risikolån")),
    ("Garanti", ("Garantier",)),
)


def in_rows(b: Builder, u: int, section_names: dict[str, str]) -> Iterator[list[str]]:
    w = b.w
    o = int(w.orgnr[u])
    code = w.ind.codes[int(w.nace[u])]
    last = w.knobs.accounts_last_year
    for j in range(int(w.n_in[u])):
        s = 2000 + 30 * j
        year = last - 6 + int(u01(o, s) * 7)
        cat, subs = _IN_KINDS[0 if u01(o, s + 1) < 0.7 else (1 if u01(o, s + 2) < 0.85 else 2)]
        sub = pick(subs, o, s + 3)
        if w.member[u] and cat == "Tilskudd" and u01(o, s + 4) < 0.3:
            sub = "Klyngeprogrammet"
        amount = int((50 + u01(o, s + 5) ** 2 * 4950) * 1000) // 1000 * 1000
        day = f"{year}-{1 + int(u01(o, s + 6) * 12):02d}-{1 + int(u01(o, s + 7) * 28):02d}"
        m = int(w.muni[u])
        _, ccode, cname, _ = _place(b, m, year, o)
        yield [cname, w.geo.names[m], f"{o:09d}", b.unit_name(u), cat, sub, str(amount), day,
               f"Innovasjon Norge {cname}", section_names.get(w.ind.section.get(code, ""), ""),
               w.ind.names.get(code, ""), cat]


def patent_rows(b: Builder, u: int, counter: dict[int, int], co_pool: list[int]) -> Iterator[list[str]]:
    w = b.w
    o = int(w.orgnr[u])
    last = w.knobs.accounts_last_year
    for j in range(int(w.n_patents[u])):
        s = 3000 + 20 * j
        year = last - 5 + int(u01(o, s) * 6)
        counter[year] = counter.get(year, 0) + 1
        number = f"{year}{counter[year]:04d}"
        day = f"{year}-{1 + int(u01(o, s + 1) * 12):02d}-{1 + int(u01(o, s + 2) * 28):02d}"
        title = f"{pick(PATENT_OBJECTS, o, s + 3)} {pick(PATENT_TOPICS, o, s + 4)}"
        yield [f"{o:09d}", b.unit_name(u), number, day, title]
        r = u01(o, s + 5)
        if r < 0.15 and co_pool:
            c = co_pool[int(u01(o, s + 6) * len(co_pool))]
            if c != u:
                yield [f"{int(w.orgnr[c]):09d}", b.unit_name(c), number, day, title]
        elif r < 0.18:
            yield ["", pick(("NORDIC PROCESS AB", "SEAFLOOR SYSTEMS LTD", "HOLZBAU TECHNIK GMBH"), o, s + 7),
                   number, day, title]
