"""Canonical cable ids: `08ECTION01OF02MANAMA492` → `08MANAMA492`, `06 SECSTATE 1234` → `06STATE1234`.

A cable id is a two-digit year, a station (the post, written without spaces) and a serial without
leading zeros. Cables and the pages that carry them write stations in many ways: with spaces or
hyphens (`PORT-OF-SPAIN`), as the routing name (`SECSTATE`), cut short (`RIODEJAN`) or misspelt
(`BRASILA`). `canonical_station` maps each to one name and accepts only stations of the list in
`summarizer/data/stations.txt`, so that an e-mail, a telcon or a date is never read as a cable.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["canonical_id", "canonical_station", "station_origin", "STATIONS", "ALIASES"]

_DATA = Path(__file__).resolve().parent.parent / "data" / "stations.txt"


def _load() -> frozenset[str]:
    try:
        text = _DATA.read_text(encoding="utf-8")
    except OSError:  # a broken install: ids are still read, stations only from the aliases
        return frozenset()
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


STATIONS: frozenset[str] = _load()

# Another name or a misspelling → the station as ids write it. Facts of the Cablegate corpus (the
# conventions Cablemap's station table also records); a name that is itself a station is never here.
ALIASES: dict[str, str] = {
    # Washington
    "SECSTATE": "STATE", "SECSTATEWASHDC": "STATE", "WASHDC": "STATE", "STAT": "STATE", "STAE": "STATE",
    "TATE": "STATE", "STATAE": "STATE", "SATTE": "STATE", "SECTATE": "STATE", "SECTSTATE": "STATE",
    "SECSATATE": "STATE", "SECTATWASHDC": "STATE", "SECDEFWASH": "SECDEF", "SECDEFWASHDC": "SECDEF",
    "USDOCWASHDC": "USDOC", "DEPTOFCOMMERCE": "USDOC", "USDA": "USDAFAS", "USDAFASWASHDC": "USDAFAS",
    "ATLANTA": "CDCATLANTAGA", "CDCATLANTA": "CDCATLANTAGA", "CDC": "CDCATLANTAGA",
    # missions
    "USUN": "USUNNEWYORK", "USUNNY": "USUNNEWYORK", "USUNNEWYORKNY": "USUNNEWYORK", "NEWYORK": "USUNNEWYORK",
    "USUNNEW": "USUNNEWYORK", "USUNNEYORK": "USUNNEWYORK",
    "USEU": "USEUBRUSSELS", "USEUBRUSS": "USEUBRUSSELS", "USEUBRUSEELS": "USEUBRUSSELS",
    "UNVIE": "UNVIEVIENNA", "UNVIEVIEN": "UNVIEVIENNA", "UNVIENNA": "UNVIEVIENNA",
    "USNATOANDUSNATO": "USNATO", "PARISFR": "UNESCOPARISFR", "USUNESCOPARISFR": "UNESCOPARISFR",
    "IRPO": "IRANRPODUBAI", "IRPODUBAI": "IRANRPODUBAI", "RPO": "RPODUBAI",
    # short names
    "HAGUE": "THEHAGUE", "RIO": "RIODEJANEIRO", "RIODEJAN": "RIODEJANEIRO", "RIODEJANIERO": "RIODEJANEIRO",
    "RIODEJANERIO": "RIODEJANEIRO", "DELHI": "NEWDELHI", "NEWDEHLI": "NEWDELHI", "ADDIS": "ADDISABABA",
    "ADDISABAB": "ADDISABABA", "DAR": "DARESSALAAM", "KL": "KUALALUMPUR", "KUALALUMP": "KUALALUMPUR",
    "BA": "BUENOSAIRES", "TGG": "TEGUCIGALPA", "TEGUC": "TEGUCIGALPA", "TEGUZ": "TEGUCIGALPA",
    "POS": "PORTOFSPAIN", "PAP": "PORTAUPRINCE", "PAUP": "PORTAUPRINCE", "PORTA": "PORTAUPRINCE",
    "MEXICOCITY": "MEXICO", "MEX": "MEXICO", "HCMC": "HOCHIMINHCITY", "HCM": "HOCHIMINHCITY",
    "HOCHIMINH": "HOCHIMINHCITY", "HOCHIMIN": "HOCHIMINHCITY", "HK": "HONGKONG", "BKK": "BANGKOK",
    "SDO": "SANTODOMINGO", "SD": "SANTODOMINGO", "ASUN": "ASUNCION", "MVD": "MONTEVIDEO", "VAT": "VATICAN",
    "PAULO": "SAOPAULO", "BANDAR": "BANDARSERIBEGAWAN", "BANDARSERI": "BANDARSERIBEGAWAN",
    "BSB": "BANDARSERIBEGAWAN", "ANTAN": "ANTANANARIVO", "TANA": "ANTANANARIVO", "PETERSBURG": "STPETERSBURG",
    "QUEBECCITY": "QUEBEC", "BASRA": "BASRAH", "MUMB": "MUMBAI", "MADRIDSP": "MADRID",
    "BRUSSELSBE": "BRUSSELS", "BEIJINGCH": "BEIJING", "BRAZIL": "BRASILIA",
    # misspellings
    "BRASILA": "BRASILIA", "BRASIIA": "BRASILIA", "BRAZILIA": "BRASILIA", "BRASIILIA": "BRASILIA",
    "TRIPOLII": "TRIPOLI", "SANJSE": "SANJOSE", "BUENOSAIREDS": "BUENOSAIRES", "BUENSOAIRES": "BUENOSAIRES",
    "BUENESAIRES": "BUENOSAIRES", "BUENOSAIRE": "BUENOSAIRES", "ASHBABAT": "ASHGABAT", "ASHGABT": "ASHGABAT",
    "BISHIEK": "BISHKEK", "BISHTEK": "BISHKEK", "RANGON": "RANGOON", "AUBJA": "ABUJA", "NARIOBI": "NAIROBI",
    "KATHAMNDU": "KATHMANDU", "KATHMANUD": "KATHMANDU", "ABDIDJAN": "ABIDJAN", "ABIDJDAN": "ABIDJAN",
    "JERSUALEM": "JERUSALEM", "JERUSALM": "JERUSALEM", "KINSHSA": "KINSHASA", "TBLISI": "TBILISI",
    "KHARTOUNM": "KHARTOUM", "KHARTOM": "KHARTOUM", "ATENS": "ATHENS", "LJBULJANA": "LJUBLJANA",
    "LJUBJLANA": "LJUBLJANA", "FREEETOWN": "FREETOWN", "ANAKRA": "ANKARA", "ANARA": "ANKARA",
    "SURBAYA": "SURABAYA", "PANANA": "PANAMA", "PANAM": "PANAMA", "WELLINGOTN": "WELLINGTON",
    "WELLLINGTON": "WELLINGTON", "KINSTON": "KINGSTON", "SAOPAUO": "SAOPAULO", "SAOPAUL": "SAOPAULO",
    "SAOPULO": "SAOPAULO", "SCOPAULO": "SAOPAULO", "PHNOMPEN": "PHNOMPENH", "PHNOMPEHN": "PHNOMPENH",
    "BEIJINJG": "BEIJING", "BEIJIG": "BEIJING", "MANAUGUA": "MANAGUA", "MANAUGA": "MANAGUA",
    "TALLIN": "TALLINN", "SANTODOMINIGO": "SANTODOMINGO", "SANTIAG": "SANTIAGO", "DUESSELDORF": "DUSSELDORF",
    "HALIF": "HALIFAX", "0TTAWA": "OTTAWA", "COTON0U": "COTONOU",
}

# The post's kind before its name in routing lines: "AMEMBASSY TOKYO", "USMISSION GENEVA".
_KIND = re.compile(r"^(?:AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|USINT|USOFFICE|EMBASSY|CONSULATE)\s*")
_NOT_LETTERS = re.compile(r"[\s.\-'/]+")


@lru_cache(maxsize=4096)
def canonical_station(name: str) -> str | None:
    """'PORT-OF-SPAIN' → 'PORTOFSPAIN', 'SECSTATE' → 'STATE', 'AMEMBASSY THE HAGUE' → 'THEHAGUE';
    None for a name that is no known station ('STEVENS EMAIL', 'OCT')."""
    if not isinstance(name, str):
        return None
    s = _KIND.sub("", name.strip().upper())
    s = _NOT_LETTERS.sub("", s)
    if s in STATIONS:
        return s
    s = ALIASES.get(s, s)
    return s if s in STATIONS else None


# A cable id as written: an optional year (two digits, four, or in brackets), the station, the serial.
_ID = re.compile(r"^\s*(?:\(?((?:19|20)?\d{2})\)?\s*)?([A-Z][A-Z0-9 .\-'/]*?[A-Z])\s*0*(\d{1,7})\s*$")
# A release id garbled by its source: "08ECTION01OF02MANAMA492", "08SECTION01GF02BISHIEK21".
_SECTION = re.compile(r"^(\d{2})S?E?C?T?ION\d{1,2}[A-Z]{1,2}\d{1,2}([A-Z].*)$")


def canonical_id(text: str, year: str | int | None = None) -> str | None:
    """The canonical id of a cable written as `text`, or None when it names no cable of a known station.

    '08ECTION01OF02MANAMA492' → '08MANAMA492'; '06 SECSTATE 0012' → '06STATE12'; '(99) ROME 2196' →
    '99ROME2196'; '2007 MANAGUA 2135' → '07MANAGUA2135'. `year` (the citing cable's) is used when
    `text` has none: 'STATE 131559' with year 2006 → '06STATE131559'. Never raises.
    """
    if not isinstance(text, str) or len(text) > 80:
        return None
    s = text.strip().upper()
    m = _SECTION.match(s.replace(" ", ""))
    if m:
        s = m.group(1) + m.group(2)
    m = _ID.match(s)
    if not m:
        return None
    yy, station, serial = m.groups()
    station = canonical_station(station)
    if station is None:
        return None
    if yy is None and year is not None:
        yy = str(year).strip()
    if not yy or not yy.isdigit() or len(yy) not in (2, 4):
        return None
    return f"{yy[-2:]}{station}{int(serial)}"


_ORIGINS = Path(__file__).resolve().parent.parent / "data" / "station_origins.tsv"


@lru_cache(maxsize=1)
def _origins() -> dict[str, str]:
    try:
        text = _ORIGINS.read_text(encoding="utf-8")
    except OSError:
        return {}
    pairs = (ln.split("\t", 1) for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    return {k.strip(): v.strip() for k, v in (p for p in pairs if len(p) == 2)}


def station_origin(station: str | None) -> str | None:
    """The post a station's cables come from, as the pages name it ('BRASILIA' → 'Embassy Brasilia',
    'SAO PAULO' → 'Consulate Sao Paulo'), for text with no FM line; None for a station not in the table."""
    key = canonical_station(station) if isinstance(station, str) else None
    return _origins().get(key) if key else None
