"""Named units every synthetic Norway contains: academia, public bodies, regional actors and
the Norwegian Wood Cluster members named in the study (seed digest).

All organisation numbers are synthetic.  Names of public bodies and of the study's cluster
members are kept so that the product's name matching and helix rules have something real
to work on; everything else about these units (numbers, people, accounts) is invented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Special:
    name: str
    form: str
    nace: tuple[str, ...]  # code prefixes, first existing wins
    municipality: str  # 2024 code (falls back to the county, then to any municipality)
    kind: str  # university | college | institute | government | intermediary | firm | bank | other
    employees: int
    parent: str | None = None  # name of the overordnetEnhet


MINISTRIES = (
    Special("NÆRINGS- OG FISKERIDEPARTEMENTET", "STAT", ("84.1",), "0301", "government", 400),
    Special("KUNNSKAPSDEPARTEMENTET", "STAT", ("84.1",), "0301", "government", 350),
)
UNIVERSITIES = (
    Special("UNIVERSITETET I OSLO", "ORGL", ("85.401", "85.4"), "0301", "university", 7500, "KUNNSKAPSDEPARTEMENTET"),
    Special("UNIVERSITETET I BERGEN", "ORGL", ("85.401", "85.4"), "4601", "university", 4200, "KUNNSKAPSDEPARTEMENTET"),
    Special("NORGES TEKNISK-NATURVITENSKAPELIGE UNIVERSITET NTNU", "ORGL", ("85.401", "85.4"), "5001", "university",
            8000, "KUNNSKAPSDEPARTEMENTET"),
    Special("UNIVERSITETET I TROMSØ - NORGES ARKTISKE UNIVERSITET", "ORGL", ("85.401", "85.4"), "5501", "university",
            3900, "KUNNSKAPSDEPARTEMENTET"),
    Special("UNIVERSITETET I STAVANGER", "ORGL", ("85.401", "85.4"), "1103", "university", 1900,
            "KUNNSKAPSDEPARTEMENTET"),
    Special("UNIVERSITETET I AGDER", "ORGL", ("85.401", "85.4"), "4204", "university", 1500, "KUNNSKAPSDEPARTEMENTET"),
    Special("UNIVERSITETET I SØRØST-NORGE", "ORGL", ("85.401", "85.4"), "3303", "university", 1700,
            "KUNNSKAPSDEPARTEMENTET"),
    Special("NORD UNIVERSITET", "ORGL", ("85.401", "85.4"), "1804", "university", 1300, "KUNNSKAPSDEPARTEMENTET"),
    Special("OSLOMET - STORBYUNIVERSITETET", "ORGL", ("85.401", "85.4"), "0301", "university", 2300,
            "KUNNSKAPSDEPARTEMENTET"),
)
COLLEGES = (
    Special("HØGSKULEN PÅ VESTLANDET", "ORGL", ("85.403", "85.402", "85.4"), "4601", "college", 1400,
            "KUNNSKAPSDEPARTEMENTET"),
    Special("HØGSKOLEN I MOLDE", "ORGL", ("85.403", "85.402", "85.4"), "1506", "college", 300,
            "KUNNSKAPSDEPARTEMENTET"),
    Special("HØGSKOLEN I ØSTFOLD", "ORGL", ("85.403", "85.402", "85.4"), "3101", "college", 600,
            "KUNNSKAPSDEPARTEMENTET"),
)
INSTITUTES = tuple(
    Special(f"{stem} FORSKNING AS", "AS", ("72.1", "72.2", "72"), muni, "institute", emp)
    for stem, muni, emp in (
        ("HAVTEKNOLOGISK", "5001", 420), ("VESTLANDSK", "4601", 210), ("POLAR", "5501", 150),
        ("ENERGITEKNISK", "3201", 380), ("PROSESSTEKNISK", "5001", 260), ("AGDER", "4204", 90),
        ("ROGALAND", "1103", 230), ("DIGITAL", "0301", 140),
    )
) + tuple(
    Special(f"STIFTELSEN {stem} INSTITUTT", "STI", ("72.2", "72.1", "72"), muni, "institute", emp)
    for stem, muni, emp in (
        ("SAMFUNNS", "0301", 120), ("NORDLANDS", "1804", 60), ("FISKERI", "5501", 180), ("MATVARE", "3218", 170),
    )
)
GOVERNMENT = (
    Special("INNOVASJON NORGE", "SÆR", ("84.13", "84.1", "84"), "0301", "intermediary", 700),
    Special("SIVA SF", "SF", ("84.13", "84.1", "84"), "5001", "intermediary", 60),
    Special("NORGES FORSKNINGSRÅD", "ORGL", ("84.13", "84.1", "84"), "3201", "government", 450,
            "KUNNSKAPSDEPARTEMENTET"),
)
REGIONAL = (
    Special("RINGERIKE NÆRINGSFORENING", "FLI", ("94.1", "94"), "3305", "intermediary", 4),
    Special("PAN INNOVASJON AS", "AS", ("70.2", "70"), "3305", "intermediary", 6),
    Special("TYRIFJORD SPAREBANK", "SPA", ("64.19", "64.1"), "3305", "bank", 110),
    Special("MODUM SPAREBANK", "SPA", ("64.19", "64.1"), "3316", "bank", 45),
)
#: The Norwegian Wood Cluster members named in the study (seed digest), as ER units.
NWC_MEMBERS = (
    Special("GLOMMEN MJØSEN SKOG SA", "SA", ("02",), "3420", "firm", 110),
    Special("STATSKOG SF", "SF", ("02",), "5007", "firm", 180),
    Special("GAUSDAL BRUVOLL SA", "SA", ("16.1", "16"), "3441", "firm", 120),
    Special("MOELVEN INDUSTRIER ASA", "ASA", ("16.1", "16"), "3411", "firm", 1400),
    Special("HUNTON FIBER AS", "AS", ("16.2", "16"), "3407", "firm", 260),
    Special("FORESTIA AS", "AS", ("16.2", "16"), "3419", "firm", 230),
    Special("BOLIGPARTNER AS", "AS", ("41",), "0301", "firm", 160),
    Special("KONTUR ARKITEKTER SA", "SA", ("71.1", "71"), "3405", "firm", 25),
    Special("BEGNA BRUK SA", "SA", ("16.1", "16"), "3449", "firm", 70),
    Special("NTNU GJØVIK", "ORGL", ("85.401", "85.4"), "3407", "university", 700,
            "NORGES TEKNISK-NATURVITENSKAPELIGE UNIVERSITET NTNU"),
    Special("ALVDAL SKURLAG AS", "AS", ("16.1", "16"), "3428", "firm", 45),
    Special("NORSK TEKNISK INSTITUTT", "STI", ("72.1", "72"), "0301", "institute", 40),
    Special("HØGSKOLEN I INNLANDET", "ORGL", ("85.403", "85.402", "85.4"), "3405", "college", 1000,
            "KUNNSKAPSDEPARTEMENTET"),
    Special("TRETORGET AS", "AS", ("16.2", "16"), "3403", "firm", 12),
    Special("NORSK MASSIVTRE AS", "AS", ("16.2", "16"), "3403", "firm", 30),
    Special("SKOGBRUKETS KURSINSTITUTT", "STI", ("85.5", "85"), "3420", "other", 20),
    Special("SPAREBANK 1 ØSTLANDET", "SPA", ("64.19", "64.1"), "3403", "bank", 1100),
    Special("TREFOKUS", "AS", ("70.2", "70"), "0301", "intermediary", 8),
    Special("VIKEN SKOG SA", "SA", ("02",), "3301", "firm", 90),
    Special("NMBU", "ORGL", ("85.401", "85.4"), "3218", "university", 1900, "KUNNSKAPSDEPARTEMENTET"),
    Special("VILL ENERGI", "AS", ("35.1", "35"), "3403", "firm", 15),
    Special("HAUGEN/ZOHAR ARKITEKTER", "AS", ("71.1", "71"), "5001", "firm", 18),
    Special("LOOPING", "AS", ("62", "73"), "3407", "firm", 9),
    Special("NIBIO", "ORGL", ("72.1", "72"), "3218", "institute", 700, "NÆRINGS- OG FISKERIDEPARTEMENTET"),
    Special("SWECO", "AS", ("71.1", "71"), "0301", "firm", 1800),
)
#: Study names of the Norwegian Wood Cluster members, as the clusters YAML lists them.
NWC_STUDY_NAMES = (
    "Glommen Mjøsen Skog SA", "Statskog SF", "Gausdal Bruvoll SA", "Moelven Industrier ASA", "Hunton Fiber AS",
    "Forestia AS", "Boligpartner AS", "Kontur Arkitekter SA", "Begna Bruk SA", "NTNU Gjøvik", "Alvdal Skurlag AS",
    "Norsk Teknisk Institutt", "Høgskolen i Innlandet", "Tretorget AS", "Norsk Massivtre AS",
    "Skogbrukets Kursinstitutt", "SpareBank 1 Østlandet", "TreFokus", "Viken Skog SA", "NMBU", "Vill Energi",
    "Haugen/Zohar Arkitekter", "Looping", "NIBIO", "Sweco",
)
