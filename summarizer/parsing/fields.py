"""Header fields beyond the SPEC's first set, each a pure function of text that never raises:
`decl`, `transmission_id`, `partial`, `recipients` / `info_recipients`, `classifier`, `signers`."""
from __future__ import annotations

import re
from datetime import date

__all__ = ["parse_decl", "parse_transmission_id", "is_partial", "parse_recipients", "split_classifier", "signers_of"]

HEAD_CHARS = 6000  # the header fields sit in the first lines; a long body is not searched

# "E.O. 12958: DECL: 07/06/2016", "DECL: 2016/07/06", "DECL:  1/6/16", "DECLASSIFY ON: 07-06-2016".
_DECL = re.compile(
    r"\bDECL(?:ASSIFY)?(?:\s+ON)?\s*[:.]?\s*(\d{1,4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})(?!\d)", re.I)


def parse_decl(text: str) -> str | None:
    """The DECL (declassification) date as ISO 'YYYY-MM-DD', or None ('DECL: OADR', 'TWENTY YEARS', none)."""
    if not isinstance(text, str):
        return None
    head = text[:HEAD_CHARS]
    if "DECL" not in head and "Decl" not in head and "decl" not in head:  # (a quick test first)
        return None
    m = _DECL.search(head)
    if not m:
        return None
    a, b, c = m.groups()
    if len(a) == 4:  # 2016/07/06
        y, mo, d = int(a), int(b), int(c)
    elif len(a) <= 2 and len(c) in (2, 4):
        mo, d, y = int(a), int(b), int(c)
        if len(c) == 2:
            y += 2000 if y < 70 else 1900
        if mo > 12 >= d:  # 28/12/2015: day first
            mo, d = d, mo
    else:
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


_TRANSMISSION = re.compile(r"^[^\S\n]*(VZCZC[A-Z]{2,4}\d{3,5})\b", re.M)


def parse_transmission_id(text: str) -> str | None:
    """'VZCZCXYZ0033' from the telegram's first line, or None."""
    if not isinstance(text, str):
        return None
    m = _TRANSMISSION.search(text[:HEAD_CHARS])
    return m.group(1) if m else None


_PARTIAL = re.compile(r"partial\s+extract", re.I)


def is_partial(text: str) -> bool:
    """Whether the text carries the pages' notice "This record is a partial extract of the original cable"."""
    if not isinstance(text, str):
        return False
    head = text[:HEAD_CHARS]
    return ("xtract" in head or "XTRACT" in head) and bool(_PARTIAL.search(head))


# "TO RUEHC/SECSTATE WASHDC IMMEDIATE 4086" / "INFO RUEHBJ/AMEMBASSY BEIJING 9416" / "RHEHNSC/NSC WASHDC".
_ROUTE_START = re.compile(r"(?:(?<=\s)|^)(?=(?:R[A-Z]{3,8}|ZEN)/)")
_ENTRY = re.compile(
    r"^(?:(?P<route>R[A-Z]{3,8}|ZEN)/)?(?P<name>.+?)"
    r"(?:\s+(?P<prec>NIACT\s+IMMEDIATE|IMMEDIATE|PRIORITY|ROUTINE|FLASH))?(?:\s+(?P<serial>\d{1,6}))?\s*$")
_BLOCK_END = re.compile(r"^\s*(?:BT\b|UNCLAS|C\s?O\s?N\s?F|S\s?E\s?C\s?R\s?E\s?T|LIMITED|E\.\s?O\.|TAGS|SUBJ)")
MAX_RECIPIENTS = 200
_TO_LINE = re.compile(r"^[^\S\n]*TO[^\S\n]+(?=\S)", re.M)
_ROUTING_NAME = re.compile(r"\b(?:WASHDC|AMEMBASSY|AMCONSUL|USMISSION|SECSTATE)\b")


def parse_recipients(header: str) -> tuple[list[dict], list[dict]]:
    """(recipients, info_recipients) from the routing block's TO and INFO lines: each
    {route, name, precedence, serial}, route and serial as written ('RUEHC', '4086') or None."""
    if not isinstance(header, str):
        return [], []
    to: list[str] = []
    info: list[str] = []
    text = header[:HEAD_CHARS]
    start = None
    for m in _TO_LINE.finditer(text):  # the first TO line of a routing block
        line = text[m.start():text.find("\n", m.start()) % (len(text) + 1)].strip()
        before = text[:m.start()].rstrip("\n").rpartition("\n")[2].strip()
        if before.startswith("FM ") or "/" in line or _ROUTING_NAME.search(line):
            start = m.start()
            break
    if start is None:
        return [], []
    target = to
    first = True
    for line in text[start:].split("\n"):
        s = line.strip()
        if first:
            s, first = s[2:].lstrip(), False
        if not s or _BLOCK_END.match(s):
            break
        m = re.match(r"INFO\s+", s)
        if m:
            target, s = info, s[m.end():]
        # a flattened block: "... IMMEDIATE 4086 INFO RUEHBJ/AMEMBASSY BEIJING 9416"
        head, sep, tail = s.partition(" INFO ")
        target.append(head)
        if sep:
            target = info
            info.append(tail)
        if len(to) + len(info) > MAX_RECIPIENTS:
            break
    return _entries(to), _entries(info)


def _entries(lines: list[str]) -> list[dict]:
    out = []
    for line in lines:
        for part in _ROUTE_START.split(line):
            part = " ".join(part.split())
            if not part:
                continue
            m = _ENTRY.match(part)
            if not m or not re.search(r"[A-Z]{2}", m.group("name")):
                continue
            out.append({"route": m.group("route"), "name": m.group("name"),
                        "precedence": " ".join(m.group("prec").split()) if m.group("prec") else None,
                        "serial": m.group("serial")})
            if len(out) >= MAX_RECIPIENTS:
                return out
    return out


# Words of a classifier's title ("Acting Deputy Chief of Mission", "PolCouns", "Charge d'Affaires a.i.").
_TITLE_WORDS = frozenset("""
AMBASSADOR DCM A/DCM CDA CHARGE CHARGE' D'AFFAIRES D’AFFAIRES A.I. A.I AI ECONOMIC POLITICAL POL ECON
POL/ECON POL/ECONCHIEF OFFICER POLCOUNS POLOFF ECONOFF POLCHIEF ECONCHIEF POL/MIL DEPUTY CHIEF OF MISSION
COUNSELOR COUNSELLOR MINISTER MINISTER-COUNSELOR ACTING CG CONSUL GENERAL CONSULATE PRINCIPAL AIT
DIRECTOR SECTION FOR AND AFFAIRS PUBLIC DEFENSE ATTACHE RSO REGIONAL SECURITY ASSISTANT SECRETARY A/S
EUR WHA NEA SCA EAP AF MANAGEMENT MGMT CONSULAR EXEC STATE DEPARTMENT THE CHARGE' CHARGÉ PER USUN USEU
USNATO DEPUTY-CHIEF PERMANENT REPRESENTATIVE REP AMB DAS PDAS UNDER SENIOR ADVISOR ADVISER HEAD
OFFICE UNIT LEGAL ECPO MINCOUNS U/S T PMA POLMINCOUNS ECONCOUNS POLECON ECONOMICS EMBASSY DEP MIN PAO PA COORDINATOR INTERIM ENERGY ENVIRONMENT SCIENCE
""".split())
_NAME_LEAD = re.compile(r"^(?:CLASSIFIED\s+BY\s*:?\s*)", re.I)
_TAIL = re.compile(r"[\s\-–:;,.]+(?:PER\s+SECTION|(?:FOR\s+)?REA\s*S\s*ONS?)?[\s\-–:;,.]*$", re.I)


def _is_title(token: str) -> bool:
    return token.strip(",.;:()").upper() in _TITLE_WORDS or token.strip(",;:()").upper() in _TITLE_WORDS


def split_classifier(classified_by: str | None, reasons: list[str] | None = None) -> dict | None:
    """'Political Counselor Kathy Fitzpatrick' → {'name': 'Kathy Fitzpatrick', 'title': 'Political
    Counselor', 'reasons': [...]}; 'Jeffrey Feltman, Ambassador' likewise; None without a classifier."""
    if not isinstance(classified_by, str) or not classified_by.strip():
        return None
    s = _TAIL.sub("", _NAME_LEAD.sub("", " ".join(classified_by.split())))
    s = re.sub(r",\s*(JR|SR|III|II)\b\.?", r" \1", s, flags=re.I)  # "Robert O. Blake, Jr": one name
    name = title = None
    head, comma, rest = s.partition(",")
    if comma and head.split() and not any(_is_title(t) for t in head.split()) and rest.split() and _is_title(rest.split()[0]):
        name, title = head.strip(), rest.strip(" ,")
    else:
        tokens = s.split()
        runs: list[tuple[int, int]] = []  # runs of words that are no title word
        k = 0
        while k < len(tokens):
            if _is_title(tokens[k]):
                k += 1
                continue
            j = k
            while j < len(tokens) and not _is_title(tokens[j]):
                j += 1
            runs.append((k, j))
            k = j
        if runs:
            a, b = max(runs, key=lambda r: (r[1] - r[0], r[0]))
            name = " ".join(tokens[a:b]).strip(" ,;")
            title = " ".join(tokens[:a] + tokens[b:]).strip(" ,;") or None
        else:
            title = s
    return {"name": name or None, "title": title or None, "reasons": list(reasons or [])}


_QUOTE_END = re.compile(r"\b(?:UNQUOTE|END\s+QUOTE)\b\.?", re.I)


def signers_of(signer: str | None) -> list[str]:
    """The signer as a list: 'VAN VOORST' is one name; a doubled name ('CRETZ  CRETZ') is one; the name
    after a quoted message's end signs ('CLINTON UNQUOTE CLINTON', 'CIANCHETTE UNQUOTE RICE' → RICE);
    a name run into the end mark '##' ('BURNS##') is the name."""
    if not isinstance(signer, str) or not signer.strip():
        return []
    signer = _QUOTE_END.split(signer)[-1].strip(" #.") if "QUOTE" in signer.upper() else signer.strip(" #")
    if not signer:
        return []
    words = signer.split()
    half = len(words) // 2
    if len(words) % 2 == 0 and half and [w.upper() for w in words[:half]] == [w.upper() for w in words[half:]]:
        words = words[:half]
    return [" ".join(words)]
