"""Column lists of the file formats the generator writes (data-sources.md §1.5, §4.1, §4.2)."""

from __future__ import annotations

from typing import Any

#: Enheter bulk CSV, 90 columns, in the order of data-sources.md §1.5.
ENHETER_CSV_COLUMNS: tuple[str, ...] = (
    "organisasjonsnummer", "navn", "organisasjonsform.kode", "organisasjonsform.beskrivelse",
    "naeringskode1.kode", "naeringskode1.beskrivelse", "naeringskode2.kode", "naeringskode2.beskrivelse",
    "naeringskode3.kode", "naeringskode3.beskrivelse", "hjelpeenhetskode.kode", "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte", "antallAnsatte", "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoantallansatteNAVAaregisteret", "hjemmeside", "epostadresse", "telefon", "mobil",
    "postadresse.adresse", "postadresse.poststed", "postadresse.postnummer", "postadresse.kommune",
    "postadresse.kommunenummer", "postadresse.land", "postadresse.landkode",
    "forretningsadresse.adresse", "forretningsadresse.poststed", "forretningsadresse.postnummer",
    "forretningsadresse.kommune", "forretningsadresse.kommunenummer", "forretningsadresse.land",
    "forretningsadresse.landkode", "institusjonellSektorkode.kode", "institusjonellSektorkode.beskrivelse",
    "sisteInnsendteAarsregnskap", "registreringsdatoenhetsregisteret", "stiftelsesdato",
    "registrertIMvaRegisteret", "registreringsdatoMerverdiavgiftsregisteret",
    "registreringsdatoMerverdiavgiftsregisteretEnhetsregisteret", "frivilligMvaRegistrertBeskrivelser",
    "registreringsdatoFrivilligMerverdiavgiftsregisteret", "registrertIFrivillighetsregisteret",
    "registreringsdatoFrivillighetsregisteret", "registrertIForetaksregisteret",
    "registreringsdatoForetaksregisteret", "registrertIStiftelsesregisteret", "registrertIPartiregisteret",
    "registreringsdatoPartiregisteret", "konkurs", "konkursdato", "underAvvikling", "underAvviklingDato",
    "underTvangsavviklingEllerTvangsopplosning", "tvangsopplostPgaManglendeDagligLederDato",
    "tvangsopplostPgaManglendeRevisorDato", "tvangsopplostPgaManglendeRegnskapDato",
    "tvangsopplostPgaMangelfulltStyreDato", "tvangsavvikletPgaManglendeSlettingDato", "overordnetEnhet",
    "maalform", "vedtektsdato", "vedtektsfestetFormaal", "aktivitet", "paategninger",
    "underUtenlandskInsolvensbehandlingDato", "underRekonstruksjonsforhandlingDato", "fravalgRevisjonDato",
    "fravalgRevisjonBeslutningsDato", "erIKonsern", "kapital.belop", "kapital.antallAksjer", "kapital.type",
    "kapital.bundet", "kapital.valuta", "kapital.innbetalt", "kapital.fulltInnbetalt", "kapital.innfortDato",
    "registreringsnummerIHjemlandet", "utenlandskRegisterNavn", "utenlandskRegisterAdresse.land",
    "utenlandskRegisterAdresse.poststed", "utenlandskRegisterAdresse.adresse", "underlagtLovgivningLand",
    "underlagtLovgivningLandKode", "foretaksformIHjemlandet.kode", "foretaksformIHjemlandet.beskrivelse",
    "foretaksformIHjemlandet.beskrivelseBokmaal",
)
_LOWER = tuple(c.lower() for c in ENHETER_CSV_COLUMNS)


#: Innovasjon Norge Tildelinger.csv columns (data-sources.md §4.2), ``;``-separated.

#: Patents CSV (format defined in loaders/synth/README.md).


_KEYS: dict[tuple[str, str], str] = {}


def _flatten(rec: dict[str, Any], prefix: str, out: dict[str, str]) -> None:
    for k, v in rec.items():
        key = _KEYS.get((prefix, k))
        if key is None:
            key = _KEYS[(prefix, k)] = f"{prefix}{k}".lower()
        if isinstance(v, str):
            out[key] = v
        elif isinstance(v, dict):
            if k != "_links":
                _flatten(v, key + ".", out)
        elif isinstance(v, bool):
            out[key] = "true" if v else "false"
        elif isinstance(v, list):
            out[key] = ", ".join("" if x is None else str(x) for x in v if not isinstance(x, dict))
        elif isinstance(v, float) and v.is_integer():
            out[key] = str(int(v))
        elif v is None:
            out[key] = ""
        else:
            out[key] = str(v)


def enheter_csv_row(rec: dict[str, Any]) -> list[str]:
    """The 90 CSV values of one unit record, matched by lower-cased column name."""
    flat: dict[str, str] = {}
    _flatten(rec, "", flat)
    return [flat.get(c, "") for c in _LOWER]
