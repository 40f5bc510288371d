"""Organisation forms, institutional sector codes and role codes used by the generator."""

from __future__ import annotations

#: code -> (description, sector code, share of ordinary units, P(has registered employees))
FORMS: dict[str, tuple[str, str, float, float]] = {
    "ENK": ("Enkeltpersonforetak", "8200", 0.360, 0.12),
    "AS": ("Aksjeselskap", "2100", 0.330, 0.45),
    "ASA": ("Allmennaksjeselskap", "2100", 0.0004, 0.95),
    "NUF": ("Norskregistrert utenlandsk foretak", "2100", 0.015, 0.30),
    "ANS": ("Ansvarlig selskap med solidarisk ansvar", "8200", 0.012, 0.35),
    "DA": ("Selskap med delt ansvar", "8200", 0.008, 0.35),
    "KS": ("Kommandittselskap", "2100", 0.003, 0.20),
    "SA": ("Samvirkeforetak", "2100", 0.006, 0.55),
    "FLI": ("Forening/lag/innretning", "7000", 0.075, 0.10),
    "STI": ("Stiftelse", "7000", 0.010, 0.35),
    "BRL": ("Borettslag", "7000", 0.035, 0.02),
    "ESEK": ("Eierseksjonssameie", "7000", 0.025, 0.01),
    "SAM": ("Tingsrettslig sameie", "7000", 0.012, 0.05),
    "PRE": ("Partsrederi", "8200", 0.002, 0.30),
    "ORGL": ("Organisasjonsledd", "6100", 0.004, 0.85),
    "IKS": ("Interkommunalt selskap", "1510", 0.0008, 0.90),
    "KF": ("Kommunalt foretak", "1510", 0.0010, 0.90),
    "SPA": ("Sparebank", "3200", 0.0001, 1.00),
    "STAT": ("Staten", "6100", 0.0, 1.0),
    "KOMM": ("Kommune", "6500", 0.0, 1.0),
    "FYLK": ("Fylkeskommune", "6500", 0.0, 1.0),
    "SF": ("Statsforetak", "1120", 0.0, 1.0),
    "SÆR": ("Annet foretak iflg. særskilt lov", "6100", 0.0, 1.0),
}
FORM_CODES: tuple[str, ...] = tuple(FORMS)
FORM_INDEX: dict[str, int] = {c: i for i, c in enumerate(FORM_CODES)}

SECTORS: dict[str, str] = {
    "1120": "Statlig eide aksjeselskaper mv.",
    "1510": "Kommunale foretak med ubegrenset ansvar",
    "1520": "Kommunalt eide aksjeselskaper mv.",
    "2100": "Private aksjeselskaper mv.",
    "3200": "Banker",
    "6100": "Statsforvaltningen",
    "6500": "Kommuneforvaltningen",
    "7000": "Ideelle organisasjoner",
    "8200": "Personlig næringsdrivende",
}

#: Forms that file annual accounts with Regnskapsregisteret in the synthetic data.
FILING_FORMS: frozenset[str] = frozenset({"AS", "ASA", "SA", "NUF", "SF", "IKS", "KF", "STI"})
#: Forms that belong to the register of business enterprises (Foretaksregisteret).
FORETAK_FORMS: frozenset[str] = frozenset({"AS", "ASA", "ENK", "NUF", "ANS", "DA", "KS", "SA", "PRE", "SF", "IKS",
                                            "KF", "SPA"})

#: Division restrictions for non-business forms (ordinary units).
FORM_DIVISIONS: dict[str, tuple[str, ...]] = {
    "FLI": ("94", "93", "90", "85", "88", "91"),
    "STI": ("94", "85", "88", "72", "91", "87"),
    "BRL": ("68",),
    "ESEK": ("68",),
    "SAM": ("68", "81", "01"),
    "ORGL": ("84", "85", "86", "91"),
    "IKS": ("38", "36", "84", "35", "86"),
    "KF": ("38", "36", "68", "93", "87"),
    "SPA": ("64",),
    "PRE": ("50",),
}
#: Divisions business forms never get (public administration, organisations).
BUSINESS_EXCLUDED: frozenset[str] = frozenset({"84", "94", "99", "97", "98"})

ROLE_TYPES: dict[str, str] = {
    "DAGL": "Daglig leder/ adm.direktør",
    "LEDE": "Styrets leder",
    "NEST": "Nestleder",
    "MEDL": "Styremedlem",
    "VARA": "Varamedlem",
    "REVI": "Revisor",
    "REGN": "Regnskapsfører",
    "INNH": "Innehaver",
    "DTSO": "Deltaker med solidarisk ansvar (fullt ansvarlig)",
    "DTPR": "Deltaker med proratarisk ansvar (delt ansvar)",
    "KOMP": "Komplementar",
    "REPR": "Norsk representant for utenlandsk enhet",
    "EIKM": "Eierkommune",
    "BOBE": "Bostyrer",
}
ROLE_CODES: tuple[str, ...] = tuple(ROLE_TYPES)
ROLE_INDEX: dict[str, int] = {c: i for i, c in enumerate(ROLE_CODES)}

#: role type -> (group code, group description)
ROLE_GROUP: dict[str, tuple[str, str]] = {
    "DAGL": ("DAGL", "Daglig leder/ adm.direktør"),
    "LEDE": ("STYR", "Styre"), "NEST": ("STYR", "Styre"), "MEDL": ("STYR", "Styre"), "VARA": ("STYR", "Styre"),
    "REVI": ("REVI", "Revisor"),
    "REGN": ("REGN", "Regnskapsfører"),
    "INNH": ("INNH", "Innehaver"),
    "DTSO": ("DELT", "Deltakere"), "DTPR": ("DELT", "Deltakere"),
    "KOMP": ("KOMP", "Komplementar"),
    "REPR": ("REPR", "Norsk representant for utenlandsk enhet"),
    "EIKM": ("EIKM", "Eierkommune"),
    "BOBE": ("BOBE", "Bostyrer"),
}
VALGT_AV: dict[str, str] = {
    "A-AK": "Representant for A-aksjonærene",
    "AREP": "Representant for de ansatte",
}
