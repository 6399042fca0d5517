"""Header fields, one pure function per field, each reading the header text (and page hints).

The header is everything before the first body paragraph: routing lines, the classification
line, `E.O.`, `TAGS:`, `SUBJECT:`, `REF:` and `Classified By:`. Labels are matched without regard
to case because some cables were lower-cased by their sources.
"""
from __future__ import annotations

import re
from datetime import datetime

from summarizer.tags import all_codes

# Field labels at the start of a line; the group names are the field names.
LABEL = re.compile(
    r"""^\s*¶?\s*(?:
        (?P<tags>TAG[SE]?)(?:\s*:|\s+(?=[A-Z]{2,}))
      | (?P<subject>SUBJ(?:ECT)?)\s*:
      | (?P<ref>REF(?:S|TEL|TELS)?|REFERENCES?)(?:\s*:|\s+(?=[A-Z0-9]\s*[.)]|[A-Z]{4,}\s+\d))
      | (?P<eo>E\.?\s?O\.?\s*1\d{4})
      | (?P<classified_by>(?:\(U\)\s*)?CLASSIFIED\s+BY)\b
    )""",
    re.X | re.I,
)
# "C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 003797", "UNCLAS STATE 012345", "SECRET NEW DELHI 5135"
CLASSIFICATION_LINE = re.compile(
    r"""^\s*(?P<cls>(?:[A-Z]\s){3,}[A-Z]|UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET|LIMITED\s+OFFICIAL\s+USE)
        (?:\s*//?\s*[A-Z]+)*\s+
        (?:SECTION\s+(?P<section>\d{1,2})\s+OF\s+\d{1,2}\s+)?
        (?P<station>[A-Z][A-Z .'-]{1,28}?)\s+(?P<serial>\d{1,8})\s*$""",
    re.X | re.I,
)
ROUTING = re.compile(
    r"^\s*(?:VZCZC\w*|DE\s+[A-Z]{4}|ZNY\b|ZNR\b|ZZH|[ORPZ]{1,2}\s+\d{6}Z\s+[A-Z]{3}\s+\d{2}|FM\s|TO\s|INFO\s|ACTION\s|R[UH][A-Z]{3,}\w*/|PP\s|OO\s|RR\s|[A-Z]{2,5}-\d{2}\b)"
)
# The date-time group: "070408Z JUL 06" (day, hour, minute, month, two-digit year).
DTG = re.compile(r"\b(\d{2})(\d{2})(\d{2})Z\s+([A-Z][A-Za-z]{2})\s+(\d{2,4})\b")
_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
_FROM = re.compile(r"^\s*FM\s+(?P<who>.+?)\s*$", re.M)
_ORIGIN_KINDS = [("AMEMBASSY", "Embassy"), ("AMCONSUL", "Consulate"), ("USMISSION", "Mission"), ("USINT", "Interests Section")]
_STATION_ALIASES = {"SECSTATE WASHDC": "Secretary of State", "STATE": "Secretary of State"}


def label_of(line: str) -> str | None:
    """The header field a line starts, if any: tags, subject, ref, eo, classified_by."""
    m = LABEL.match(line)
    if not m:
        return None
    return next(k for k, v in m.groupdict().items() if v)


def field_text(header: str, field: str) -> str | None:
    """The text of one labelled field, its continuation lines joined: up to the next label or blank line.

    TAGS in some PDF-derived cables put each tag on its own line between blank lines, so blank
    lines end only fields other than TAGS.
    """
    lines = header.split("\n")
    for i, line in enumerate(lines):
        m = LABEL.match(line)
        if not m or not m.group(field):
            continue
        parts = [line[m.end():]]
        for nxt in lines[i + 1:]:
            if label_of(nxt) or CLASSIFICATION_LINE.match(nxt) or re.match(r"\s*¶?\s*\d{1,2}\.\s", nxt):
                break
            if not nxt.strip():
                if field == "tags" or (field == "ref" and len(parts) == 1 and not parts[0].strip()):
                    continue
                break
            if field == "tags" and not _is_tag_line(nxt):
                break
            parts.append(nxt)
        text = " ".join(" ".join(parts).split())
        return text
    return None


def _is_tag_line(line: str) -> bool:
    """A wrapped TAGS continuation: mostly known codes, so that body text is never taken for tags."""
    tokens = _split_tags(line)
    return bool(tokens) and sum(known_code(t) or "(" in t for t in tokens) * 2 >= len(tokens)


def parse_tags(header: str) -> list[str]:
    text = field_text(header, "tags")
    if not text:
        return []
    codes: list[str] = []
    for token in _split_tags(text):
        for code in _unglue(token):
            if code not in codes:
                codes.append(code)
    return codes


def _split_tags(text: str) -> list[str]:
    # A person tag keeps its comma: "OVIP (BIDEN, JOSEPH)" or "ZAYED, SULTAN BIN".
    out: list[str] = []
    for m in re.finditer(r"[A-Za-z]{2,6}\s*\([^)]*\)|[^\s,;]+", text):
        tok = m.group().strip(" .;")
        if tok:
            out.append(tok.upper() if "(" not in tok else " ".join(tok.upper().split()))
    return out


def known_code(code: str) -> bool:
    return code in all_codes()


def _unglue(token: str) -> list[str]:
    """'VTPREL' → ['VT', 'PREL'] when both parts are known codes; anything else as it is."""
    if known_code(token) or len(token) < 6 or not token.isalpha():
        return [token]
    for i in (2, 4):
        head, rest = token[:i], token[i:]
        if known_code(head):
            tail = _unglue(rest)
            if all(known_code(t) for t in tail):
                return [head, *tail]
    return [token]


def parse_subject(header: str) -> str | None:
    text = field_text(header, "subject")
    if not text:
        return None
    text = re.sub(r"^\(\s*[A-Z/]{1,8}\s*\)\s*", "", text, flags=re.I)  # "(S) FOLLOWING-UP ..."
    return text.strip() or None


def parse_references(header: str) -> list[str]:
    """'REF: A. STATE 131559 B. BERLIN 1770' → ['STATE 131559', 'BERLIN 1770'] (station + serial, or as written)."""
    text = field_text(header, "ref")
    if not text:
        return []
    refs: list[str] = []
    for m in re.finditer(r"\b(?:(\d{2})\s+)?([A-Z][A-Z ]{1,24}?)\s+0*(\d{1,7})\b", text.upper()):
        year, station, serial = m.groups()
        station = station.strip()
        if station in {"A", "B", "C", "D", "E", "F", "REF", "AND", "NO", "PARA", "PARAGRAPH"} or len(station) < 2:
            continue
        station = re.sub(r"^(?:[A-H][.)]\s*)+", "", station).strip()
        refs.append(f"{year} {station} {serial}" if year else f"{station} {serial}")
    return refs or [text]


def parse_classified_by(text: str) -> tuple[str | None, list[str]]:
    """('Political Minister Counselor W. Michael Meserve', ['1.4(b)', '1.4(d)']) from the whole cable head."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = LABEL.match(line)
        if not m or not m.group("classified_by"):
            continue
        joined = line[m.end():]
        for nxt in lines[i + 1:i + 4]:
            if not nxt.strip() or label_of(nxt) or re.match(r"\s*¶?\s*\d{1,2}\.\s", nxt):
                break
            joined += " " + nxt
        joined = " ".join(joined.split()).lstrip(":; ")
        cut = re.search(r"(?i)\b(?:for\s+)?reasons?\b|;\s*reason|\bE\.?O\.?\s*1\d{4}|\b\d\.\d", joined)
        who, why = (joined[: cut.start()], joined[cut.start():]) if cut else (joined, "")
        who = who.strip(" .,;:")
        return (who or None), _reason_codes(why)
    return None, []


def _reason_codes(text: str) -> list[str]:
    """'1.4 (b) and (d)' → ['1.4(b)', '1.4(d)']; '1.4 b/d' and '1.5 (B, D)' likewise."""
    codes: list[str] = []
    for m in re.finditer(r"(\d\.\d)\s*((?:[\s(,/]*(?:and\s+)?\(?[a-hA-H]\)?(?![a-zA-Z]))*)", text):
        section, letters = m.groups()
        found = re.findall(r"(?<![a-zA-Z])([a-hA-H])(?![a-zA-Z])", letters)
        codes.extend(f"{section}({l.lower()})" for l in found) if found else codes.append(section)
    return list(dict.fromkeys(codes))


def parse_classification(header: str) -> str | None:
    for line in header.split("\n"):
        m = CLASSIFICATION_LINE.match(line)
        if m:
            cls = re.sub(r"\s", "", m.group("cls")) if re.fullmatch(r"(?:[A-Za-z]\s)+[A-Za-z]", m.group("cls")) else m.group("cls")
            cls = " ".join(cls.upper().split())
            return {"UNCLAS": "UNCLASSIFIED", "CONFIDENTIAL": "CONFIDENTIAL"}.get(cls, cls)
    return None


def parse_station_serial(header: str) -> tuple[str | None, str | None]:
    """('TOKYO', '3797') from the classification line, the part of the id after the year."""
    lines = header.split("\n")
    for i, line in enumerate(lines):
        m = CLASSIFICATION_LINE.match(line)
        if not m and i + 1 < len(lines):
            # "C O N F I D E N T I A L SECTION 01 OF 04 THE" / "HAGUE 002047": a wrapped line.
            m = CLASSIFICATION_LINE.match(line.rstrip() + " " + lines[i + 1].strip())
            if m and not re.search(r"\d\s*$", lines[i + 1]):
                m = None
        if m:
            return " ".join(m.group("station").upper().split()), str(int(m.group("serial")))
    return None, None


def parse_date(header: str) -> str | None:
    """ISO 8601 from the telegram's date-time group, e.g. '070408Z JUL 06' → "2006-07-07T04:08" (UTC)."""
    for m in DTG.finditer(header):
        day, hour, minute, mon, year = m.groups()
        month = _MONTHS.get(mon.upper())
        if not month:
            continue
        y = int(year)
        y = y if y >= 100 else (1900 + y if y >= 60 else 2000 + y)
        try:
            return datetime(y, month, int(day), int(hour), int(minute)).strftime("%Y-%m-%dT%H:%M")
        except ValueError:
            continue
    return None


def parse_origin(header: str) -> str | None:
    m = _FROM.search(header)
    if not m:
        return None
    who = " ".join(m.group("who").upper().split())
    who = re.sub(r"^R[UH][A-Z]{3,}\w*/", "", who)
    who = re.sub(r"\s+(?:IMMEDIATE|PRIORITY|ROUTINE|NIACT)?\s*\d*$", "", who)
    if who in _STATION_ALIASES:
        return _STATION_ALIASES[who]
    for prefix, kind in _ORIGIN_KINDS:
        if who.startswith(prefix):
            return f"{kind} {who[len(prefix):].strip().title()}"
    return who.title()


def make_id(date: str | None, station: str | None, serial: str | None) -> str | None:
    """The WikiLeaks reference id: two-digit year, station without spaces, serial without zeros."""
    if not (date and station and serial):
        return None
    return f"{date[2:4]}{station.replace(' ', '').replace('.', '')}{serial}"
