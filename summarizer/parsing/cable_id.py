"""The cable's own id from its header: the routing block's station and serial checked against the
classification line's, and the page's table when the text carries one. Pure functions of the header
text (split out of header.py, which reads the fields these take as arguments)."""
from __future__ import annotations

import re
from itertools import islice

from summarizer.parsing.header import STATION_ALIASES

__all__ = ["parse_de_serial", "parse_routed_station", "routing_blocks_agree", "own_station_serial", "make_id",
           "parse_page_table", "TABLE_LINES"]


# The routing block's own lines: "DE RUEHAM #3564/01 1410853" (the message's serial) and the FM line
# right after the date-time group ("P 210853Z MAY 06" / "FM AMEMBASSY AMMAN").
_DE_SERIAL = re.compile(r"^[^\S\n]*+DE\s+R[A-Z]{3,6}\s+#(\d{1,6})(?:/\d+)?\s+\d{7}\s*$", re.M)
_ROUTED_FROM = re.compile(r"^[^\S\n]*+[ORPZ](?:\s+[ORPZ])?\s+\d{6}Z\s+[A-Z]{3}\s+\d{2}\b.*\n[^\S\n]*+FM\s+(?P<who>.+?)\s*$", re.M)
_POST_KINDS = re.compile(r"^(?:AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|USINT|USOFFICE)\s+")


def parse_de_serial(header: str) -> str | None:
    """'3564' from the routing block's "DE RUEHAM #3564/01 1410853"."""
    m = _DE_SERIAL.search(header)
    return str(int(m.group(1))) if m else None


def parse_routed_station(header: str) -> str | None:
    """The sending post as the id writes it, from the FM line of the routing block: "FM AMEMBASSY NEW
    DELHI" → "NEWDELHI", "FM SECSTATE WASHDC" → "STATE", "FM USEU BRUSSELS" → "USEUBRUSSELS"."""
    m = _ROUTED_FROM.search(header)
    if not m:
        return None
    who = re.sub(r"^R[UH][A-Z]{3,}\w*/", "", m.group("who").upper())
    who = re.sub(r"\s+(?:IMMEDIATE|PRIORITY|ROUTINE|NIACT|FLASH)\b.*$|\s+\d+$", "", who)
    if who in STATION_ALIASES:
        return "STATE"
    post = _POST_KINDS.sub("", who).replace(" ", "").replace(".", "")
    return post if re.fullmatch(r"[A-Z]{2,30}", post) else None  # not "USDEL SECRETARY//MEXICO//"


def routing_blocks_agree(header: str) -> bool:
    """False where the header holds the routing blocks of two different messages (a pasted copy of
    another cable's, with its own date-time group): then no id is built from it."""
    return len({m.group(1) for m in islice(_PRECEDENCE_DTG.finditer(header), 8)}) <= 1


# A routing block's precedence and date-time group on a line of their own: "O R 111519Z FEB 10".
_PRECEDENCE_DTG = re.compile(r"^[^\S\n]*+[ORPZ](?:\s[ORPZ])?\s+(\d{6}Z\s+[A-Z]{3}\s+\d{2})\b", re.M)


def _same_post(a: str, b: str) -> bool:
    """The classification line's station and the FM line's name the same post ("BRUSSELS" and
    "USEUBRUSSELS", "LONDON" and "EFTOLONDON", "TAIPEI" and "AITTAIPEI")."""
    return a == b or a.endswith(b) or b.endswith(a)


def own_station_serial(station: str | None, serial: str | None, written_serial: str | None,
                       routed_station: str | None, de_serial: str | None) -> tuple[str | None, str | None]:
    """The cable's own station (as the id writes it) and serial, from the classification line
    (`station`, `serial`; `written_serial` as written, zeros kept) and the routing block.

    The classification line names the cable; the routing block fills in what it lacks. Where the two
    name different posts, the text holds two cables' headers run together: with the routing block's
    serial too it names the message (its FM and DE lines agree), without one no id can be trusted.
    A five-digit serial ("TRIPOLI 00011", where the telegram pads to six) that the DE serial continues
    ("#0112") may be cut short or not ("REYKJAVIK 00040", "#0401", is 40): no id either."""
    if station:
        station = station.replace(" ", "").replace(".", "")
    if not station:
        return None, None  # the DE serial alone: its last four digits only at busy posts ("#0927" for STATE 030927)
    if routed_station and not _same_post(station, routed_station):
        return (routed_station, de_serial) if de_serial and de_serial != serial else (None, None)
    if de_serial and written_serial and len(written_serial) == 5 and written_serial[0] == "0" \
            and de_serial != serial and de_serial.startswith(serial):
        return None, None  # "TRIPOLI 00011" and "#0112": the serial cut short, or the DE line's own
    return station, serial


def make_id(date: str | None, station: str | None, serial: str | None) -> str | None:
    """The WikiLeaks reference id: two-digit year, station without spaces, serial without zeros."""
    if not (date and station and serial):
        return None
    return f"{date[2:4]}{station.replace(' ', '').replace('.', '')}{serial}"


# The cablegate page's own table pasted with the text: "9608" / "2003-07-23" / "03THEHAGUE1865" /
# "Embassy The Hague" / "CONFIDENTIAL", each on a line of its own (blank lines between).
_TABLE_ID = re.compile(r"^\s*(\d{2})([A-Z]{2,30})(\d{1,7})\s*$")
_TABLE_DATE = re.compile(r"^\s*((?:19|20)\d{2})-(\d{2})-(\d{2})(?:\s+(\d{2}:\d{2}))?\s*$")
_TABLE_ORIGIN = re.compile(r"^\s*((?:Embassy|Consulate|Mission|US Interests Section|USEU|US Office|Secretary of State|Iran RPO)\b[A-Za-z .'-]{0,40}?)\s*$")
TABLE_LINES = 80  # the table comes right after the header snippet


def parse_page_table(lines: list[str], station: str | None, serial: str | None) -> tuple[str, str, str | None] | None:
    """(id, ISO date, origin) from the page's table in the text, when its id is the one the
    classification line names (`station` as the id writes it, `serial`) and its date is of the id's
    year: a table of another cable's is never taken."""
    if not (station and serial):
        return None
    texts = [t for t in lines[:TABLE_LINES] if t.strip()]
    for k, text in enumerate(texts):
        m = _TABLE_ID.match(text)
        if not m or m.group(2) != station or m.group(3) != serial or k == 0:
            continue
        d = _TABLE_DATE.match(texts[k - 1])
        if not d or d.group(1)[2:] != m.group(1):
            continue
        date = f"{d.group(1)}-{d.group(2)}-{d.group(3)}" + (f"T{d.group(4)}" if d.group(4) else "")
        o = _TABLE_ORIGIN.match(texts[k + 1]) if k + 1 < len(texts) else None
        return m.group(), date, (o.group(1) if o else None)
    return None
