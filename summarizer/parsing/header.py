"""Header fields, one pure function per field, each reading the header text (and page hints).

The header is everything before the first body paragraph: routing lines, the classification
line, `E.O.`, `TAGS:`, `SUBJECT:`, `REF:` and `Classified By:`. Labels are matched without regard
to case because some cables were lower-cased by their sources.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from functools import lru_cache
from itertools import chain, islice
from typing import Iterator

from summarizer.parsing.clean import RULE, SHORT_LINE, is_noise, strip_page_header
from summarizer.parsing.lines import Line
from summarizer.parsing.tag_line import split_tags, tag_codes
from summarizer.tags import is_known_code

# Field labels at the start of a line; the group names are the field names.
LABEL = re.compile(
    r"""^\s*+(?:¶\s*+)?(?:
        (?P<tags>TAG[SE]?(?:\s*[:;]|\s+(?=[A-Z]{2,}))|TAS\s*:)  # "TAGS;", "TAGE", "TAS:": misspelt labels
      | (?P<subject>(?:SUBJ(?:ECT)?|UBJECT)\s*:|(?-i:SUBJECT)\s++(?=(?-i:(?!TO\b|OF\b)[A-Z]{2})))  # no colon: "SUBJECT SAG AGREES ..."
      | (?P<ref>REF(?:S|TEL|TELS)?|REFERENCES?)(?:\s*:|\s+(?=[A-Z0-9]\s*[.)]|[A-Z]{4,}\s+\d))
      | (?P<eo>E\.?\s?O\.?\s*1\d{4})
      | (?P<classified_by>(?:\(U\)\s*)?CLASSIFIED\s+BY)\b
    )""",
    re.X | re.I,
)
# "C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 003797", "UNCLAS STATE 012345", "SECRET NEW DELHI 5135".
# A classification may have lost or doubled its first letter ("O N F I D E N T I A L", "SS E C R E T",
# "UUNCLAS"); a spaced one may run into the station ("C O N F I D E N T I A LCAIRO 000079").
_WORDS = ("CONFIDENTIAL", "SECRET", "UNCLASSIFIED")
_SPACED = "|".join(f"(?:{w[0]}\\s?){{0,2}}" + r"\s".join(w[1:]) for w in _WORDS)
_DAMAGED_WORD = re.compile(r"C{0,2}(ONFIDENTIAL)|S{0,2}(ECRET)|U{0,2}(NCLAS)(?:SIFIED)?")
CLASSIFICATION_LINE = re.compile(
    SHORT_LINE + r"""^\s*(?P<cls>""" + _SPACED + r"""|U{0,2}NCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET|LIMITED\s+OFFICIAL\s+USE)
        (?P<caveat>(?:\s*//?\s*[A-Z]+|\s+(?:SENSITIVE|SBU|NOFORN|EXDIS|LIMDIS|NODIS)\b)*)(?:\s+|(?<=\s[A-Z]))
        (?:SECTION\s+(?P<section>\d{1,2})\s+OF\s+\d{1,2}\s+)?  # (a station is never "SECTION": "SECTION 01" / "OF 02 JEDDAH 000084" wraps)
        (?![A-Z .'-]*SECTION\b)(?P<station>[A-Z][A-Z .'-]{1,28}?)\s+(?P<serial>\d{1,8})\s*$""",
    re.X | re.I,
)


def classification_line(line: str) -> re.Match | None:
    """CLASSIFICATION_LINE.match(line), tried only on a line that ends with a digit (the serial's,
    before spaces) and may open with a classification: most header lines fail one of the two
    tests, and are rejected without the regex."""
    if line.rstrip()[-1:].isdigit() and _may_open_classification(line.lstrip()):
        return CLASSIFICATION_LINE.match(line)
    return None


# The first two characters of UNCLAS, CONFIDENTIAL, SECRET and LIMITED in capitals. The regex
# ignores case and also takes "ı" and "İ" for "I", "ſ" for "S": upper-cased, all but "İ" are the
# letter itself, so "Lİ" is listed too.
_CLASSIFICATION_STARTS = frozenset({"UN", "CO", "SE", "LI", "L\u0130", "UU", "NC", "SS", "CC"})


def _may_open_classification(s: str) -> bool:
    """Whether CLASSIFICATION_LINE may match a line that starts with `s` (the line with its leading
    spaces stripped): a classification is spaced letters ("C O N F ...", a space second) or one of
    the words; lines shorter than two characters are not judged."""
    return len(s) < 2 or s[1].isspace() or s[:2].upper() in _CLASSIFICATION_STARTS


ROUTING = re.compile(
    r"^\s*(?:VZCZC\w*|DE\s+[A-Z]{4}|ZNY\b|ZNR\b|ZZH|[ORPZ]{1,2}\s+\d{6}Z\s+[A-Z]{3}\s+\d{2}|FM\s|TO\s|INFO\s|ACTION\s|R[UH][A-Z]{3,}\w*/|PP\s|OO\s|RR\s|[A-Z]{2,5}-\d{2}\b)"
)
# A distribution line: who at the receiving end is to read the cable ("STATE FOR NEA/MAG, Commerce for
# Nate Mason", "DEPT PLEASE PASS TO USTR", "PASS USTR FOR ROSA WHITAKER", "USDOC FOR 4430/ITA/MAC",
# "SIPDIS FOR EUR/CARC"): up to four addressee words in capitals, then FOR or PASS in capitals. The
# words before it must not be prose ("NOT FOR INTERNET DISTRIBUTION", "THE EMBASSY IS GRATEFUL FOR").
_DISTRIBUTION = re.compile(
    r"^\s*+(?:SIPDIS\s+)?(?P<to>(?:[A-Z][A-Z0-9/&.,'()\-]*\s+){0,4}?)(?:PLEASE\s+)?(?:ALSO\s+)?"
    r"(?:PASS\b|FOR\s+[A-Z0-9(])"
)
_PROSE_WORDS = frozenset(
    "NOT NO THE IS ARE WAS WERE WILL WOULD TO OF IN ON AT BY AS IT WE HE SHE THEY THIS THAT BUT BE BEEN "
    "HAS HAVE HAD INCLUDING SCHEDULED ACTIONS CALL CALLS ASKED THANKS THANK READY REQUEST REQUESTS "
    "RESPONSIBLE TIME".split()
)


def is_distribution_line(line: str) -> bool:
    """Whether a header line is a distribution (routing) line: see _DISTRIBUTION."""
    m = _DISTRIBUTION.match(line)
    if not m:
        return False
    return not any(w.strip(",.()") in _PROSE_WORDS for w in m.group("to").split())


# The date-time group: "070408Z JUL 06" (day, hour, minute, month, two-digit year).
DTG = re.compile(r"\b(\d{2})(\d{2})(\d{2})Z\s+([A-Z][A-Za-z]{2})\s+(\d{2,4})\b")
_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
_FROM = re.compile(r"^[^\S\n]*+FM\s+(?P<who>.+?)\s*$", re.M)
# A routing block run together on one line: "... O 070408Z JUL 06 FM AMEMBASSY TOKYO TO RUEHC/SECSTATE ..."
_FROM_INLINE = re.compile(r"\bFM\s+(?P<who>[A-Z][A-Z/ .']{0,80}?)\s+TO\s")
_ORIGIN_KINDS = [("AMEMBASSY", "Embassy"), ("AMCONSUL", "Consulate"), ("USMISSION", "Mission"), ("USINT", "US Interests Section")]
# Post names that are acronyms keep their capitals ("Mission USNATO", "USEU Brussels", "Iran RPO Dubai").
_ACRONYMS = {"USNATO", "USEU", "USUN", "UNVIE", "USOSCE", "RPO", "AIT", "USAU", "OSCE", "NATO", "UN", "EU", "US", "USDEL"}
STATION_ALIASES = {"SECSTATE WASHDC": "Secretary of State", "STATE": "Secretary of State"}


# Header fields run together on one line, "... BILATERAL TIES REF: A) TRIPOLI 1039 ... CLASSIFIED BY:
# ..." or "... TRAFFICKING IN ...C O N F I D E N T I A L SECTION 01 OF 03 ...": each field is cut onto
# a line of its own. Inline labels need their colon, so that a subject such as "PAPERS CLASSIFIED BY
# THE MINISTRY" stays whole. A lower-cased header ("E.o. 12958: decl: 01/07/2014 Tags: prel, pgov
# Subject: ...") has its labels in mixed case.
_GLUED_FIELD = re.compile(
    r"(?<=\S)(?<!\(U\))\s*+(?:\.\.\.\s*+)?"
    r"(?=(?:REFS?|Refs?|TAGS?|Tags?|SUBJECT|Subject|CLASSIFIED\s+BY|Classified\s+By|E\.\s?O\.\s?1\d{4})\s?:"
    r"|(?:C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D)\b)"
    # The classification line's serial with the next line run onto it: "MOSCOW 002353SIPDISDEPT FOR
    # ...", "BUENOS AIRES 001147 C O R R E C T E D C O P Y - ...".
    r"|(?<=\d)\s*+(?=SIPDIS|C O R R E C T E D\b)"
)


def header_lines(lines: list[str]) -> list[str]:
    """The header's lines with fields that were run together put back on lines of their own."""
    out = list(lines)
    for i in reversed(_glued_candidates(lines)):  # from the end: the indexes stay right
        out[i:i + 1] = _split_glued_fields(lines[i])
    return out


def _glued_candidates(lines: list[str]) -> list[int]:
    """Indexes of the lines that may hold a field after their first character (see _first_glued_label)."""
    return [i for i, text in enumerate(lines) if _first_glued_label(text) >= 0]


# The literal text each label in _GLUED_FIELD's look-ahead starts with.
_GLUED_LABELS = ("REF", "Ref", "TAG", "Tag", "SUBJECT", "Subject", "CLASSIFIED", "Classified", "E.", "C O N F I D E N T I A L",
                 "S E C R E T", "U N C L A S S I F I E D", "SIPDIS", "C O R R E C T E D")


_GLUED_LITERAL = re.compile("|".join(map(re.escape, _GLUED_LABELS)))


def _split_glued_fields(text: str) -> list[str]:
    at = _first_glued_label(text)
    if at < 0:
        return [text]
    own = label_of(text)
    pieces, pos = [], 0
    for m in _GLUED_FIELD.finditer(text, at):
        if own and label_of(text[m.end():]) == own:
            continue  # a doubled label, "REF: A. REF: KATHMANDU 2282" or "Classified By: Classified By: ..."
        pieces.append(text[pos:m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    return pieces


def glued_labels(text: str) -> list[str]:
    """The fields that start on the line after its first character, in order ("STATE FOR NEA/MAG
    E.O. 12958: N/A TAGS: ECON LY" → ['eo', 'tags'])."""
    return [lab for piece in _split_glued_fields(text)[1:] if (lab := label_of(piece))]


def holds_classification_line(text: str) -> bool:
    """Whether the classification line is one of the fields run together on the line."""
    pieces = _split_glued_fields(text)
    return len(pieces) > 1 and any(classification_line(piece) for piece in pieces)


def _first_glued_label(text: str) -> int:
    """Where the scan for _GLUED_FIELD can start (-1: no match possible). A match is the spaces (and
    "...") before a label, after some other character, so its label is not at the line start: the
    first label literal after it, found by str.find, less the spaces and dots before it, bounds
    every match. (The regex scan from the line start is the costly part: it opens with look-behinds.)"""
    m = _GLUED_LITERAL.search(text, 1)  # one scan for the first literal (a find per literal cost 15 scans)
    if not m:
        return -1
    k = m.start()
    while k > 0 and (text[k - 1].isspace() or text[k - 1] == "."):
        k -= 1
    return k


# The first two characters of TAGS, SUBJECT, UBJECT (its S lost), REF, E.O., EO, CLASSIFIED BY, (U) CLASSIFIED BY.
LABEL_STARTS = frozenset({"TA", "SU", "UB", "RE", "E.", "EO", "CL", "(U"})
# Every character whose upper case starts with T, S, U, R, E, C or "(" (all of Unicode, listed once:
# "ß" is "SS", "ſ" is "S", "ẗ" is "T" and a diaeresis, "ﬅ" and "ﬆ" are "ST"): the first characters
# with which `two` below can be in LABEL_STARTS or start with "E".
LABEL_FIRST = frozenset("(CERSTUcerstu\u00df\u017f\u1e97\ufb05\ufb06")


def label_of(line: str) -> str | None:
    """The header field a line starts, if any: tags, subject, ref, eo, classified_by."""
    s = line.lstrip()
    if s[:1] == "¶":
        s = s[1:].lstrip()
    if s[:1] not in LABEL_FIRST:  # most lines: decided without upper-casing anything
        return None
    two = s[:2].upper()  # no label starts otherwise (see LABEL_STARTS): skip the regex
    if two not in LABEL_STARTS and not (two[:1] == "E" and two[1:2].isspace()):
        return None
    return _matched_label(line) if len(line) <= _CACHED_LINE else _matched_label.__wrapped__(line)


_CACHED_LINE = 300  # characters: a header line is under 100; longer ones are not kept in the cache


@lru_cache(maxsize=2048)  # each header line is asked about three or four times (header_end, the fields)
def _matched_label(line: str) -> str | None:
    m = LABEL.match(line)
    return m.lastgroup if m else None  # each alternative holds one named group, the field's


_NUMBERED = re.compile(r"\s*+(?:¶\s*+)?\d{1,2}\.\s")
# An unnumbered paragraph opening with its classification marking, "(SBU) Post discussed ..." or
# "(U) Econ Off ...": the header's last field ends above it even with no blank line between (the
# export format has none). Not a reference lettered "(C) SAN JOSE 02037" or "(C) State 152009", nor
# the label "(U) CLASSIFIED BY".
MARKED_OPENING = re.compile(
    r"\s*+\(\s*(?:U|C|S|SBU|TS|LOU)(?:\s*/{1,2}\s*[A-Z]{1,6})*\s*\)\s*+(?![A-Za-z][A-Za-z .'-]*\s0*\d{2,7}\b|(?i:classified)\s)[A-Za-z\"'(]")


# The own summary's label opening a line, "Summary: ...", "(C) SUMMARY AND COMMENT. ...", "BEGIN SUMMARY:".
SUMMARY_OPENING = re.compile(r"\s*+(?:\([A-Z/ ]{1,10}\)\s*+)?(?:BEGIN\s+)?SUMMARY(?:\s+AND\s+[A-Z]+)?\s*+[:.\-]", re.I)


def opens_body(line: str) -> bool:
    """Whether a line after a header field starts the body, so that the field ends above it with no
    blank line between: a paragraph with its marking (MARKED_OPENING) or the summary's label."""
    c = line.lstrip()[:1]
    return (c == "(" and bool(MARKED_OPENING.match(line))) or (c in "Ss(Bb" and bool(SUMMARY_OPENING.match(line)))


# A numbered paragraph of prose, "1.This to update ..." or "2) The federal government ...".
_NUMBERED_PROSE = re.compile(r"\s*+(?:¶\s*+)?\d{1,2}\s?[.)]\s*+[A-Z][a-z]")
# What a wrapped REF line holds: a serial or date (a digit), or a list letter ("B. STATE 184178").
REF_LINE_MAX = 160  # characters
# Words a REF item may hold in lower case ("09 LIMA 1561 and previous", "STATE 12 (NOTAL) dated 2/18/08").
_REF_LOWER_WORDS = frozenset("and previous of the dated notal para paras see also via from to on in re".split())
PROSE_WORDS = 3


def _is_prose(line: str) -> bool:
    """A line of prose after REF, though it holds a digit ("On February 5, 2010, Econoff delivered reftel
    demarche to"): PROSE_WORDS words in lower case at least that no REF item holds."""
    return sum(w.isalpha() and w.islower() and w not in _REF_LOWER_WORDS for w in line.split()) >= PROSE_WORDS
_REF_CONTINUATION = re.compile(r"\d|^\s*+\(?[A-Z][.)]\s|^\s*+\((?i:notal)\)\s*$")  # ... and "(notal)" wrapped
_REASON_HINT = re.compile(r"(?i)reason|\d\.\d|\([a-h]\)|\bE\.?O\.?\b")


def ends_field(field: str | None, line: str, next_line: str | None) -> bool:
    """Whether `line`, right after a line of header field `field` with no blank line between (the
    export format has none), is the body's first line: a paragraph opening (opens_body, a numbered
    one of prose), a heading over its rule, after REF a line that names no reference ("Per reftel,
    Poloff ..."), after Classified By a line of prose with no reason in it."""
    if opens_body(line) or _NUMBERED_PROSE.match(line):
        return True
    if field == "classified_by" and _REASON_HINT.search(line) and _reason_codes(line):
        return False  # "REASON: 1.4 (b), (d)" over a rule: the classifier's reasons, no heading
    if next_line is not None and is_heading_over(line, next_line):
        return True
    if field == "ref":  # (a line far longer than a telegram's, with no field run onto it, is a paragraph)
        return (len(line) > REF_LINE_MAX and not glued_labels(line)) \
            or (not _REF_CONTINUATION.search(line) and any(ch.islower() for ch in line)) \
            or (_is_prose(line) and not glued_labels(line))  # (not "B. 08 CAIRO 1833 Classified By: ...")
    if field == "classified_by":
        return len(line.split()) >= 8 and not _REASON_HINT.search(line)
    return False


def is_heading_over(line: str, next_line: str) -> bool:
    """A heading line over its rule ("Summary" / "-------"): short, no closing punctuation."""
    text = line.strip()
    return 0 < len(text) <= 90 and not text.endswith((".", ",", ";", ":")) and not _NUMBERED.match(text) \
        and RULE.match(next_line) is not None and RULE.match(line) is None


@lru_cache(maxsize=8)  # parse reads five fields of the same header
def _lines(header: str) -> list[str]:
    return header.split("\n")


def _first_labelled(lines: list[str], field: str) -> int:
    """Index of the first line that starts the field (-1: none)."""
    return next((i for i, line in enumerate(lines) if label_of(line) == field), -1)


def field_text(header: str, field: str) -> str | None:
    """The text of one labelled field, its continuation lines joined: up to the next label or blank line.

    TAGS in some PDF-derived cables put each tag on its own line between blank lines, so blank
    lines end only fields other than TAGS.
    """
    lines = _lines(header)
    i = _first_labelled(lines, field)
    if i < 0:
        return None
    line = lines[i]
    m = LABEL.match(line)
    parts = [line[m.end():]]
    for j in range(i + 1, len(lines)):
        nxt = lines[j]
        if not nxt.strip():  # (first: a blank line is no label, classification or paragraph)
            if field == "tags" or (field == "ref" and (len(parts) == 1 and not parts[0].strip() or _item_follows(lines, j))):
                continue
            break
        if label_of(nxt) or classification_line(nxt) or _NUMBERED.match(nxt) \
                or ends_field(field, nxt, lines[j + 1] if j + 1 < len(lines) else None):
            break
        if field == "tags" and not is_tag_line(nxt):
            break
        if is_noise(nxt):
            continue  # a page header or "SIPDIS" wrapped into the field ("... ZIMBABWE" / " CONFIDENTIAL")
        parts.append(strip_page_header(nxt))  # "PAGE 02 HARARE 06677 01 OF 03 291400Z OPPOSITION LEADER"
    return " ".join(" ".join(parts).split())


# A lettered item of a REF list on a line of its own: "¶B. STATE 184178", "(C) SAN JOSE 02037",
# "B. 04 SAN JOSE 2401", "C. SAN JOSE-WHA/CEN EMAIL DATED 2/18/08", "B) 2003 Brasilia 3868", "¶B. B) REYKJAVIK 431".
REF_ITEM = re.compile(r"\s*+(?:¶\s*+)?(?:[A-Z][.)]|\([A-Z]\))\s*+(?:[A-Z][.)]\s*+)?(?:(?:19|20)?\d{2}\s++)?[A-Z][A-Za-z .'/-]{1,40}?[\s-]\d")


def _item_follows(lines: list[str], j: int) -> bool:
    """Whether the first line after the blank lines from j on is a lettered REF item (the list went
    on after a blank line: "REF: A. STATE 182267" / "" / "¶B. STATE 184178")."""
    for nxt in islice(lines, j + 1, j + 4):
        if nxt.strip():
            return len(nxt) <= REF_LINE_MAX and REF_ITEM.match(nxt) is not None
    return False


def is_tag_line(line: str) -> bool:
    """A wrapped TAGS continuation: mostly known codes, so that body text is never taken for tags."""
    tokens = split_tags(line)
    return bool(tokens) and sum(is_known_code(t) or "(" in t for t in tokens) * 2 >= len(tokens)


def parse_tags(header: str) -> list[str]:
    """The TAGS field's tags (tag_line.tag_codes reads the field's text)."""
    text = field_text(header, "tags")
    return tag_codes(text) if text else []


_DOUBLED_SUBJECT = re.compile(r"^(?:SUBJ(?:ECT)?\s*:\s*)+", re.I)  # "SUBJECT: SUBJECT: ...": a doubled label
_SUBJECT_MARKING = re.compile(r"^\(\s*[A-Z/]{1,8}\s*\)\s*", re.I)  # "(S) FOLLOWING-UP ..."


# Where a subject run together with the next field ends: "... IN PERU Ref(s): A) LIMA 12", "... POSSIBLE
# Classified By Janice Fair". The capitals "CLASSIFIED BY" need their colon ("PAPERS CLASSIFIED BY THE
# MINISTRY" is a subject), as the line-start labels do (_GLUED_FIELD cut those already).
_SUBJECT_END = re.compile(r"\s(?:REFS?|Refs?|REF\(S\)|Ref\(s\)|REFTELS?|Reftels?)\s*:|\sClassified\s+By\b|\sCLASSIFIED\s+BY\s*:"
                          # the handling caveat after the subject: "... ENTIRE TEXT SENSITIVE BUT UNCLASSIFIED"
                          r"|\s(?i:(?:(?:this\s+(?:cable|message)\s+is|entire\s+text(?:\s+is)?)\s+)?sensitive\s+but\s+unclassified)\b")
_LINE_END_BACKSLASH = re.compile(r"\\+(?=\s|$)")  # "TRADE \" / "AGREEMENT": a wrapped line's backslash


def parse_subject(header: str) -> str | None:
    """The SUBJECT field, its label (doubled, damaged or without a colon) and marking left out, cut where
    the next field begins, HTML entities decoded and line-end backslashes dropped."""
    text = field_text(header, "subject")
    if not text:
        return None
    text = _DOUBLED_SUBJECT.sub("", text)
    if text[:1] == "(":  # (the marking's first character: most subjects have none)
        text = _SUBJECT_MARKING.sub("", text)
    end = _SUBJECT_END.search(text)
    if end:
        text = text[:end.start()]
    if "\\" in text:
        text = " ".join(_LINE_END_BACKSLASH.sub(" ", text).split())
    if "&" in text:
        text = html.unescape(text)  # "AT&amp;T", "&quot;YES&quot;": pages kept some entities
    return text.strip() or None


_AWAITS_REASON = re.compile(r"(?i)\breasons?\s*+(?::\s*+)?$")


def parse_classified_by(header: str, paragraphs: list[str] | None = None) -> tuple[str | None, list[str]]:
    """('Political Minister Counselor W. Michael Meserve', ['1.4(b)', '1.4(d)']) from the whole cable
    head: the header, then each of `paragraphs` after a blank line (the line may be wrapped into them)."""
    lines = _lines(header)
    i = _first_labelled(lines, "classified_by")
    # The lines of header + "\n\n" + "\n\n".join(paragraphs), made only as far as they are read:
    # the label's line and up to five after it (the loop below mostly stops at the blank line).
    if i >= 0:
        line, after = lines[i], lines[i + 1:i + 6]
        if len(after) < 5 and paragraphs is not None:
            after = islice(chain(after, [""], _lines_of(paragraphs)), 5)
    else:
        if paragraphs is None:
            return None, []
        more = list(_lines_of(paragraphs))
        i = next((j for j, text in enumerate(more) if label_of(text) == "classified_by"), -1)
        if i < 0:
            # inside the first paragraph: "1. CONFIDENTIAL - ENTIRE TEXT. CLASSIFIED BY DCM ..."
            m = _INLINE_CLASSIFIED.search(paragraphs[0]) if paragraphs else None
            if not m:
                return None, []
            more = list(_lines_of([paragraphs[0][m.start(1):]]))
            i = 0
        line, after = more[i], more[i + 1:i + 6]
    joined = line[LABEL.match(line).end():]
    taken = 0
    for nxt in after:
        if not nxt.strip():
            if _AWAITS_REASON.search(joined):
                continue  # "... Reasons" / "" / "1.4 (b) and (d).": the codes after a blank line
            break
        if taken == 3 or label_of(nxt) or _NUMBERED.match(nxt) or ends_field("classified_by", nxt, None):
            break
        joined += " " + nxt
        taken += 1
    joined = _DOUBLED_CLASSIFIED.sub("", " ".join(joined.split()).lstrip(":; "))
    cut = _REASON_START.search(joined)
    who, why = (joined[: cut.start()], joined[cut.start():]) if cut else (joined, "")
    who = who.strip(" .,;:")
    return (who or None), _reason_codes(why)


# Where the reasons start after the classifier's name and title ("REASONS" may be broken by a line end
# or a stray space: "FOR REAS" / "ONS 1.5 (B AND D)", "rea sons", "reason s").
_REASON_START = re.compile(r"(?i)\b(?:for\s+)?rea\s?s\s?ons?\b|\b(?:for\s+)?reason\s?s?\b|;\s*reason|\bE\.?O\.?\s*1\d{4}|\b\d\.\d")
# The label written twice, "Classified By: CLASSIFIED BY CHARGE D'AFFAIRES ...": the second is no name.
_DOUBLED_CLASSIFIED = re.compile(r"^(?:classified\s+by\b\s*:?\s*)+", re.I)
# The classifier inside the first paragraph, after its classification: "1. CONFIDENTIAL - ENTIRE TEXT.
# CLASSIFIED BY DCM JOHN SMITH FOR REASONS 1.5 (B) AND (D)." (group 1: from the label on).
_INLINE_CLASSIFIED = re.compile(
    r"^(?:\(\w{1,4}\)\s*)?(?:CONFIDENTIAL|SECRET|UNCLASSIFIED|LIMITED OFFICIAL USE)\b[^.]{0,40}?\.\s*(CLASSIFIED\s+BY\b)", re.I)


# A section and its letters, "1.4 (b) and (d)"; one letter of them.
_REASON = re.compile(r"(\d\.\d)\s*((?:[\s(,/]*(?:(?:[Aa][Nn][Dd]|&)\s+)?\(?[a-hA-H]\)?(?![a-zA-Z]))*)")
_REASON_LETTER = re.compile(r"(?<![a-zA-Z])([a-hA-H])(?![a-zA-Z])")


def _lines_of(paragraphs: list[str]) -> Iterator[str]:
    """The lines of "\n\n".join(paragraphs), one paragraph split at a time."""
    if not paragraphs:
        yield ""
    for k, text in enumerate(paragraphs):
        if k:
            yield ""
        yield from text.split("\n")


def _reason_codes(text: str) -> list[str]:
    """'1.4 (b) and (d)' → ['1.4(b)', '1.4(d)']; '1.4 b/d' and '1.5 (B, D)' likewise."""
    codes: list[str] = []
    for m in _REASON.finditer(text):
        section, letters = m.groups()
        found = _REASON_LETTER.findall(letters)
        codes.extend(f"{section}({l.lower()})" for l in found) if found else codes.append(section)
    return list(dict.fromkeys(codes))


@lru_cache(maxsize=8)  # parse asks twice (classification, station and serial) for the same header
def classification_match(header: str) -> re.Match | None:
    """The classification line, also when its station wrapped onto the next line
    ("C O N F I D E N T I A L SECTION 01 OF 04 THE" / "HAGUE 002047")."""
    lines = _lines(header)
    for i, line in enumerate(lines):
        if not _may_open_classification(line.lstrip()):
            continue  # neither the line nor it joined to the next can match
        m = classification_line(line)
        # A wrapped station: only when the next line ends with the serial.
        if not m and i + 1 < len(lines) and lines[i + 1].rstrip()[-1:].isdigit():
            m = classification_line(line.rstrip() + " " + lines[i + 1].strip())
        if m:
            return m
    return None


def parse_classification(header: str) -> str | None:
    m = classification_match(header)
    if not m:
        return None
    cls = m.group("cls").upper()
    word = _DAMAGED_WORD.fullmatch(re.sub(r"\s", "", cls))
    if word:
        cls = {"ONFIDENTIAL": "CONFIDENTIAL", "ECRET": "SECRET", "NCLAS": "UNCLASSIFIED"}[word.group(word.lastindex)]
    # the caveat is kept as the pages write it: "UNCLAS SENSITIVE" → "UNCLASSIFIED//SENSITIVE", "//NOFORN"
    caveats = re.findall(r"[A-Z]+", (m.group("caveat") or "").upper())
    return "//".join([" ".join(cls.split()), *dict.fromkeys(caveats)])


def parse_station_serial(header: str) -> tuple[str | None, str | None]:
    """('TOKYO', '3797') from the classification line, the part of the id after the year."""
    m = classification_match(header)
    if not m:
        return None, None
    return " ".join(m.group("station").upper().split()), str(int(m.group("serial")))


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
    m = _FROM.search(header) or _FROM_INLINE.search(header)
    if not m:
        return None
    who = " ".join(m.group("who").upper().split())
    who = re.split(r"\s+TO\s", who)[0]  # "FM AMEMBASSY TOKYO TO RUEHC/SECSTATE ...": a run-together routing line
    who = re.sub(r"^R[UH][A-Z]{3,}\w*/", "", who)
    who = re.sub(r"\s+(?:IMMEDIATE|PRIORITY|ROUTINE|NIACT)?\s*\d*$", "", who)
    if who in STATION_ALIASES:
        return STATION_ALIASES[who]
    for prefix, kind in _ORIGIN_KINDS:
        if who.startswith(prefix):
            return f"{kind} {_title(who[len(prefix):])}"
    return _title(who)


def _title(name: str) -> str:
    return " ".join(w if w in _ACRONYMS else w.title() for w in name.split())


# PLUSD pages open with their own reference line, "2000HANOI00686 - CONFIDENTIAL" (the station cut
# to six letters, so only the year is trusted): it dates a partial extract whose DTG lost its month.
_PLUSD_REF = re.compile(r"^[^\S\n]*+((?:19|20)\d{2})[A-Z]{2,}\d{4,6}\s+-\s", re.M)


def parse_reference_year(header: str) -> str | None:
    """'2000' from a PLUSD reference line, for the id when the header has no full date-time group."""
    m = _PLUSD_REF.search(header)
    return m.group(1) if m else None


# The date line of the cablegate pages' partial extracts, "Tuesday, 08 March 2005, 14:11", and the
# "Cable dated:2005-05-23T14:26:00" line of another mirror's.
_DAY_LINE = re.compile(
    r"^[^\S\n]*+(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+(\d{1,2})\s+([A-Z][a-z]+)\s+((?:19|20)\d{2}),\s+(\d{2}):(\d{2})\b", re.M)
_CABLE_DATED = re.compile(r"^[^\S\n]*+(?:ID:\s*\d+\s+)?Cable dated:\s*((?:19|20)\d{2})-(\d{2})-(\d{2})T(\d{2}):(\d{2})", re.M)


def parse_date_line(header: str) -> str | None:
    """ISO 8601 from a written date line: "Tuesday, 08 March 2005, 14:11" → "2005-03-08T14:11"."""
    m = _CABLE_DATED.search(header)
    if m:
        y, mo, d, hh, mm = map(int, m.groups())
    else:
        m = _DAY_LINE.search(header)
        if not m or m.group(2)[:3].upper() not in _MONTHS:
            return None
        d, mo, y, hh, mm = int(m.group(1)), _MONTHS[m.group(2)[:3].upper()], int(m.group(3)), int(m.group(4)), int(m.group(5))
    try:
        return datetime(y, mo, d, hh, mm).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return None


def written_serial(header: str) -> str | None:
    """The classification line's serial as written ("00011")."""
    m = classification_match(header)
    return m.group("serial") if m else None


# --------------------------------------------------------------------------- where the header ends
# The first numbered paragraph: "¶1.", "1. (C)", "2. (SBU/NF)".
FIRST_PARAGRAPH = re.compile(r"^\s*(?:¶\s*\d{1,2}\s?\.(?!\d)|\d{1,2}\s?\.(?!\d)\s*\(\s*[A-Z]{1,4}(?:\s*/{1,2}\s*[A-Z]{1,6})*\s*\))")


def _after_repeated_line(lines: list[Line], end: int, last_text: int) -> bool:
    """Whether only blank lines stand between this line and the header's last line, a classification
    line or a noise line ("SIPDIS"): where the distribution lines of a repeated header block come."""
    if last_text != end - 1 or end == 0:
        return False
    text = lines[end - 1].text
    return is_noise(text) or classification_line(text) is not None


def header_end(lines: list[Line]) -> int:
    """Index of the first body line: after the last header field (and its continuation lines) that
    comes before the first numbered paragraph; for unnumbered cables, after the first run of fields."""
    end, field, seen_fields, seen_label = 0, None, False, False
    # Whether a numbered paragraph follows: looked for only when an unnumbered cable's fields may have
    # ended (a separate pass over the lines to find the first one cost a pass over every header line).
    paragraph_ahead: bool | None = None
    last_text = -1  # the last line before this one that is not blank
    earlier: set[str] = set()  # the lines read so far, stripped
    repeated = cut_short = False  # the current field's label line is one read before; a copy cut short
    for i, ln in enumerate(lines):
        text = ln.text
        if i and lines[i - 1].text.strip():
            last_text = i - 1
        c = text.lstrip()[:1]  # the first character that is not a space ("" for a blank line)
        if FIRST_PARAGRAPH.match(text):
            break  # the first numbered paragraph: the header ends before it at the latest
        if field == "ref_gap":  # blank lines after REF: its lettered items may go on below them
            if not c:
                continue
            if len(text) <= REF_LINE_MAX and REF_ITEM.match(text):
                end, field = i + 1, "ref"
                continue
            field = None
        label = label_of(text)
        if seen_label and not label and ends_field(field, text, lines[i + 1].text if i + 1 < len(lines) else None):
            break
        stripped = text.strip()
        seen_before = stripped in earlier
        if label:
            # a field met again word for word: the header block repeated (the export format)
            repeated = seen_before
        elif repeated and field and c and not seen_before and not cut_short \
                and not (field == "ref" and REF_ITEM.match(text)):  # (a REF list the first copy lacked part of)
            break  # the repeated field's lines were all seen before: a new line is the body's first
        if c:
            earlier.add(stripped)
            # a page's header cut short ("REF: A. STATE 68263" / "..."), then the whole cable: its
            # fields go on past the lines of the first copy
            cut_short = cut_short or stripped.endswith("...")
        # Routing lines ("FM ...", "ACTION EAP-00") come before the first field; after one, a line
        # such as "ACTION REQUESTED: ..." or "TO THE EXTENT ..." is body text. (Both kinds of line
        # start with a letter, routing lines with a capital.)
        if label or classification_line(text) or (not seen_label and c.isupper() and ROUTING.match(text)):
            end, field = i + 1, label
            seen_label = seen_label or label is not None
            seen_fields = seen_fields or label in ("tags", "subject")
        elif not c:
            field = field if field == "tags" else "ref_gap" if field == "ref" else None
        elif RULE.match(text):
            field = None  # a rule ends any field (TAGS too): a ruled "Summary" heading may come next
        elif field == "tags" and not is_tag_line(text):
            field = None  # not a wrapped TAGS line: a heading ("Summary and introduction") or body text
        elif field == "routing" or (c.isupper() and (not seen_fields or i == end or _after_repeated_line(lines, end, last_text))
                                    and (is_distribution_line(text) or holds_classification_line(text))):
            # A distribution line ("STATE FOR NEA/MAG, COMMERCE FOR ..."), or its wrapped continuation,
            # or a line with the classification line run into it ("Cable dated:...C O N F I D E N T I A L
            # ... MOSCOW 002353SIPDIS..."), before the fields or right after a header line: routing,
            # not body. The glued fields ("... FOR NEA WATCHER E.O. 12958: N/A TAGS: ECON LY") are
            # read there (header_lines).
            end = i + 1
            glued = glued_labels(text)
            field = glued[-1] if glued else "routing"
            seen_label = seen_label or bool(glued)
            seen_fields = seen_fields or "tags" in glued or "subject" in glued
        elif field in ("tags", "subject", "ref", "classified_by") or is_noise(text):
            end = i + 1
        elif seen_fields and seen_before and not cut_short:
            end = i + 1  # a line of the header block met again ("SENSITIVE, SIPDIS"): the block repeated
        elif seen_fields:
            if paragraph_ahead is None:
                paragraph_ahead = any(FIRST_PARAGRAPH.match(later.text) for later in lines[i + 1:])
            if not paragraph_ahead:
                break
    return end
