"""The REF field → typed reference items: cable ids (canonical) and the other kinds kept as text.

    'A. STATE 131559 B. (99) ROME 2196 C. LEE-GOLDSTEIN EMAIL 05/11/07'
    → [{'id': '06STATE131559', 'kind': 'cable', 'letter': 'A'},
       {'id': '99ROME2196', 'kind': 'cable', 'letter': 'B'},
       {'text': 'LEE-GOLDSTEIN EMAIL 05/11/07', 'kind': 'email', 'letter': 'C'}]

A cable is a number right after a known station (`canonical_station`), so an e-mail's date, a
telcon or a paragraph number is never read as one; the year is the one written before the station
(`07`, `2007`, `(07)`) or the citing cable's. `STATE 2799 AND 2764` is two cables of one station.
"""
from __future__ import annotations

import re

from summarizer.parsing.canonical import canonical_id, canonical_station

__all__ = ["reference_items", "cable_ids"]

MAX_REF_CHARS = 2000  # a real REF field has under 600; the rest of a longer one is not read

# The letter that numbers an item: "A.", "B)", "(C)" at the start or after a space.
_LETTER = re.compile(r"(?:^|(?<=[\s;,\u00b6]))(?:\(([A-N])\)|([A-N])[.)])(?=\s|$)")
_TOKEN = re.compile(r"\(\d{2}\)|[A-Z0-9][A-Z0-9'\-]*|&")
_YEAR = re.compile(r"^\(?(\d{2})\)?$|^((?:19|20)\d{2})$")
_SERIAL = re.compile(r"^\d{1,7}$")
_WHOLE_ID = re.compile(r"^\d{2}[A-Z]{2,30}\d{1,7}$")
_STATION_WORD = re.compile(r"^[A-Z][A-Z'\-]*$")
_KINDS = [
    ("email", re.compile(r"\bE-?MAILS?\b|\bMAILS?\b")),
    ("telcon", re.compile(r"\bTELE?CONS?\b|\bPHONE\b|\bCALLS?\b|\bSVTC\b|\bDVC\b")),
    ("memo", re.compile(r"\bMEMOS?\b|\bMEMORAND(?:UM|A)\b|\bNON-?PAPER\b|\bLETTER\b|\bDIPNOTE\b|\bNOTE\b")),
    ("report", re.compile(r"\bREPORTS?\b|\bIIR\b|\bDAILY\b|\bPOINTS\b|\bASDAR\b")),
]
_NOTHING = re.compile(r"^\W*(?:NONE|N/?A|NIL)?\W*$")


def _split_items(text: str) -> list[tuple[str | None, str]]:
    """'A. X B) Y' → [('A', 'X'), ('B', 'Y')]; text without letters is one item with none."""
    marks = list(_LETTER.finditer(text))
    if not marks:
        return [(None, text)]
    items = []
    if text[: marks[0].start()].strip(" ;,:"):
        items.append((None, text[: marks[0].start()]))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        items.append((m.group(1) or m.group(2), text[m.end():end]))
    return items


def _cables(text: str, year: str | None) -> list[str]:
    """The cables one item cites, as canonical ids (as 'STATION SERIAL' where no year is known)."""
    toks = _TOKEN.findall(text)
    out: list[str] = []
    last: tuple[int, str, str | None] | None = None  # token index, station, year of the last cable
    for i, tok in enumerate(toks):
        if not _SERIAL.match(tok):
            if _WHOLE_ID.match(tok):  # written as an id: "06TOKYO6356"
                cid = canonical_id(tok)
                if cid:
                    out.append(cid)
                    last = None
            continue
        station = None
        start = i
        for n in (4, 3, 2, 1):  # the longest run of words before the number that names a station
            words = toks[i - n:i] if i >= n else []
            if len(words) == n and all(_STATION_WORD.match(w) for w in words):
                station = canonical_station(" ".join(words))
                if station:
                    start = i - n
                    break
        if station is None:
            # "STATE 2799 AND 2764", "STATE 2799, 2764": another cable of the last one's station.
            # (a year before the next station, "07" in "STATE 123 07 LONDON 45", is none)
            if last and last[0] in (i - 2, i - 1) and (i - 1 == last[0] or toks[i - 1] in ("AND", "&")) \
                    and not (_YEAR.match(tok) and i + 1 < len(toks) and _STATION_WORD.match(toks[i + 1])):
                station, yy = last[1], last[2]
                out.append(_id(yy, station, tok, year))
                last = (i, station, yy)
            continue
        yy = None
        if start > 0:
            y = _YEAR.match(toks[start - 1])
            if y:
                yy = y.group(1) or y.group(2)
        out.append(_id(yy, station, tok, year))
        last = (i, station, yy)
    return out


def _id(yy: str | None, station: str, serial: str, year: str | None) -> str:
    got = canonical_id(f"{yy or ''} {station} {serial}", year)
    return got or f"{station} {int(serial)}"


def _kind(text: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return "other"


def reference_items(ref: str | None, year: str | int | None = None, own_id: str | None = None) -> list[dict]:
    """Typed items of a REF field's text (`year`: the citing cable's, for ids written without one;
    `own_id`: the cable's own id, never its own reference, as a page header would make it)."""
    if not isinstance(ref, str) or not ref.strip():
        return []
    text = " ".join(ref[:MAX_REF_CHARS].split())
    year = str(year)[-2:] if year is not None and str(year).isdigit() else None
    items: list[dict] = []
    # the own id in any year: a page header "PAGE 02 HARARE 05461 01 OF 02" reads as "02HARARE5461"
    own = own_id[2:] if isinstance(own_id, str) and own_id[:2].isdigit() else None
    seen: set[str] = set()
    for letter, part in _split_items(text):
        part = part.strip(" ;,:.")
        ids = _cables(part.upper(), year)
        if ids:
            for cid in ids:
                if cid == own_id or (own and cid[2:] == own) or cid in seen:
                    continue
                seen.add(cid)
                items.append({"id": cid, "kind": "cable", "letter": letter})
        elif not _NOTHING.match(part.upper()):
            items.append({"text": part, "kind": _kind(part.upper()), "letter": letter})
    return items


def cable_ids(items: list[dict]) -> list[str]:
    """The cable ids of `reference_items`, in order."""
    return [it["id"] for it in items if it.get("kind") == "cable" and it.get("id")]
