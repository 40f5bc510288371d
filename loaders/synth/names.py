"""Built-in word lists: common Norwegian given names and surnames, street and firm words.

Persons in the synthetic data are combinations of these lists with random birth dates;
no list entry refers to a real individual.  Tests check that every person name in the
output is built only from these lists.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas",
    "Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Erik", "Martin", "Andreas", "Rune",
    "John", "Anders", "Trond", "Tore", "Jon", "Kristian", "Marius", "Harald", "Espen", "Stian",
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth", "Kristin",
    "Silje", "Hanne", "Tone", "Camilla", "Ragnhild", "Heidi", "Gunn", "Wenche", "Turid", "Line",
    "Sondre", "Emil", "Jonas", "Henrik", "Sindre", "Eirik", "Magnus", "Håkon", "Øystein", "Vegard",
    "Ingvild", "Sigrid", "Guro", "Tuva", "Nora", "Emma", "Thea", "Maren", "Åse", "Sissel",
)

MIDDLE_NAMES: tuple[str, ...] = (
    "Marie", "Johanne", "Kristine", "Elise", "Helene", "Louise", "Andre", "Magnus", "Olav", "Johan",
    "Kristoffer", "Alexander", "Sofie", "Emilie", "Petter", "Nikolai",
)

LAST_NAMES: tuple[str, ...] = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
    "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
    "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen",
    "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen",
    "Bakken", "Kristoffersen", "Mathisen", "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde",
    "Solheim", "Berge", "Moe", "Nygård", "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge",
    "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther", "Aas", "Myhre", "Hanssen",
    "Ahmed", "Haugland", "Thomassen", "Sivertsen", "Simonsen", "Danielsen", "Berntsen", "Sandvik",
    "Rønning", "Arnesen", "Antonsen", "Næss", "Vik", "Haug", "Ellingsen", "Thorsen", "Edvardsen",
    "Birkeland", "Isaksen", "Gulbrandsen", "Ruud", "Aasen", "Strøm", "Myklebust", "Tangen", "Ødegård",
)

STREET_STEMS: tuple[str, ...] = (
    "Stor", "Kirke", "Skole", "Stasjons", "Industri", "Storgata", "Møller", "Fjord", "Skog", "Elve",
    "Sentrum", "Hamne", "Bjørke", "Grønland", "Sol", "Lien", "Brugata", "Torg", "Nærings", "Mølle",
)
STREET_SUFFIXES: tuple[str, ...] = ("veien", "gata", "vegen", "gate", "bakken", "svingen", "tunet")

FIRM_WORDS: tuple[str, ...] = (
    "Nord", "Sør", "Vest", "Øst", "Fjell", "Fjord", "Skog", "Elv", "Bre", "Vik", "Nes", "Dal",
    "Viking", "Polar", "Aurora", "Norrøn", "Kyst", "Tind", "Lyng", "Furu", "Gran", "Bjørk", "Eik",
    "Havbris", "Nordlys", "Midnatt", "Solvang", "Lysglimt", "Trollheim", "Stein", "Berg", "Øy",
)

#: Firm-name descriptors by NACE section (SN2025 letters).
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("Gård", "Landbruk", "Skogdrift", "Havbruk", "Fiske"),
    "B": ("Bergverk", "Offshore", "Pukk", "Mineral"),
    "C": ("Industri", "Mekaniske", "Produksjon", "Sagbruk", "Treindustri", "Bakeri", "Plast"),
    "D": ("Kraft", "Energi", "Kraftverk", "Solenergi"),
    "E": ("Gjenvinning", "Renovasjon", "Miljø"),
    "F": ("Bygg", "Entreprenør", "Anlegg", "Elektro", "Rør", "Maler", "Tak"),
    "G": ("Handel", "Engros", "Bil", "Butikk", "Agentur"),
    "H": ("Transport", "Logistikk", "Frakt", "Taxi"),
    "I": ("Hotell", "Restaurant", "Kafé", "Overnatting", "Fjellstue"),
    "J": ("Forlag", "Media", "Film"),
    "K": ("Data", "IT", "Software", "Digital", "Nett"),
    "L": ("Finans", "Invest", "Kapital", "Sparebank"),
    "M": ("Eiendom", "Boligutleie", "Eiendomsutvikling"),
    "N": ("Rådgivning", "Regnskap", "Revisjon", "Arkitekter", "Ingeniører", "Konsult", "Forskning"),
    "O": ("Utleie", "Bemanning", "Reise", "Service", "Renhold"),
    "P": ("Forvaltning",),
    "Q": ("Skole", "Opplæring", "Kurs"),
    "R": ("Helse", "Klinikk", "Omsorg", "Fysioterapi"),
    "S": ("Kultur", "Idrett", "Musikk", "Scene"),
    "T": ("Frisør", "Velvære", "Service", "Forening"),
}

#: Firm-name descriptors for divisions whose section word would mislead (forestry is not aquaculture).
DIVISION_WORDS: dict[str, tuple[str, ...]] = {
    "01": ("Gård", "Landbruk", "Gartneri"), "02": ("Skog", "Skogdrift", "Tømmer"),
    "03": ("Havbruk", "Fiske", "Sjømat"), "10": ("Bakeri", "Mat", "Foredling", "Slakteri"),
    "11": ("Bryggeri", "Drikke"), "16": ("Sagbruk", "Treindustri", "Trevare"), "17": ("Papir", "Treforedling"),
    "35": ("Kraft", "Energi", "Kraftverk"), "55": ("Hotell", "Overnatting", "Fjellstue"),
    "56": ("Restaurant", "Kafé", "Catering"), "62": ("Data", "IT", "Software"), "71": ("Arkitekter", "Ingeniører"),
    "72": ("Forskning", "Laboratorium"), "69": ("Regnskap", "Revisjon"),
}

TITLE_WORDS: tuple[str, ...] = (
    "bærekraftig", "digital", "automatisert", "sirkulær", "lavutslipp", "sensorbasert", "modulær",
    "energieffektiv", "tre-basert", "datadrevet", "fornybar", "presisjons", "prediktiv",
)
TITLE_OBJECTS: tuple[str, ...] = (
    "produksjonsprosess", "byggesystem", "verdikjede", "plattform", "styringssystem", "materialteknologi",
    "logistikkløsning", "overvåkingssystem", "emballasje", "fôrløsning", "energilager", "reiselivsprodukt",
    "massivtreelement", "vannrensing", "batteriteknologi", "sensornettverk",
)
PATENT_OBJECTS: tuple[str, ...] = (
    "Anordning for", "Fremgangsmåte for", "System og metode for", "Innretning for", "Sammensetning for",
)
PATENT_TOPICS: tuple[str, ...] = (
    "skjøting av limtre", "rensing av prosessvann", "lagring av energi", "overvåking av fiskemerder",
    "montering av takelementer", "tørking av trevirke", "måling av isolasjonsevne", "styring av varmepumpe",
    "resirkulering av plast", "fôring av oppdrettsfisk", "fundamentering av vindturbiner",
    "produksjon av hydrogen", "forsegling av rør", "posisjonering av undervannsfartøy",
)
