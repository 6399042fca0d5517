"""What is not content: handling lines, page headers, section counters, rules; and text cleaning."""
from __future__ import annotations

import functools
import re

PARTIAL_EXTRACT = re.compile(r"^\s*This record is a partial extract of the original cable\..*$", re.I)

# Lines that carry no content wherever they appear (the header or between body paragraphs).
# Noise and classification lines are short; the lookahead `(?=.{0,200}$)` rejects a longer line
# at once instead of after a linear scan (a megabyte line met many such scans).
SHORT_LINE = r"(?=.{0,200}$)"
_NOISE = re.compile(
    SHORT_LINE + r"""^\s*(?:
        (?:SIPDIS|SENSITIVE|NOFORN|NOT\s+FOR\s+INTERNET\s+DISTRIBUTION|SIPRNET|E\s?X\s?D\s?I\s?S|EXEMPT|GDS)   # EXEMPT, GDS: 1970s declassification lines\s*\.?
      | [A-Z .]{2,30}\s+0*\d{3,8}\s+\d{3}(?:\.\d)?\s+(?:OF|of)\s+\d{3}     # "THE HAGUE 00000546  001.2 OF 002"
      | PAGE\s+\d{2,3}\s+[A-Z .]{2,30}\s+\d{3,8}\s+\d{2}\s+OF\s+\d{2}\s+\d{6}Z(?:\s+/\d+)?   # telegram page header
      | (?:[A-Z]\s){5,}[A-Z]\s+(?:SECTION\s+\d{1,2}\s+OF\s+\d{1,2}\s+)?[A-Z .]{2,30}\s\d{3,8}  # "C O N F I D E N T I A L TOKYO 003797"
      | (?:UNCLAS|CONFIDENTIAL|SECRET|LIMITED\s+OFFICIAL\s+USE)(?:\s+SECTION\s+\d{1,2}\s+OF\s+\d{1,2})?\s+[A-Z .]{2,30}\s\d{3,8}
      | SECTION\s+\d{1,2}\s+OF\s+\d{1,2}\s+[A-Z .]{2,30}\s\d{3,8}
      | (?:UNCLASSIFIED|CONFIDENTIAL|SECRET|UNCLAS)(?:\s+PTQ\d+)?
      | [-=_*\s]{4,}                                                           # rules
      | -{2,}\s*\d*\s*$
      | \d{6}Z\s+[A-Z][a-z]{2}\s+\d{2}                                          # "291359Z Nov 00"
    )\s*$""",
    re.X,
)
# "Kiev 00001261 002 of 004": the page header of later cables, with the station in mixed case.
_MIXED_CASE_PAGE = re.compile(r"^\s*[A-Z][A-Za-z .]{1,29}\s\d{8}\s{1,3}\d{3}(?:\.\d)?\s+of\s+\d{3}\s*$")
_PAGE_HEADER_PREFIX = re.compile(r"^\s*PAGE\s+\d{2,3}\s+[A-Z .]{2,30}\s+\d{3,8}\s+\d{2}\s+OF\s+\d{2}\s+\d{6}Z\s+")
RULE = re.compile(r"^\s*+(?>-{3,}|={3,}|_{3,}|\*{3,}|(?:-\s){3,}-)[-=_*\s]*+$")  # also "- - - -"

_INLINE_SIPDIS = re.compile(r"(?<![A-Za-z])(?:SIPDIS|C\s?O\s?R\s?R\s?E\s?C\s?T\s?E\s?D\s+C\s?O\s?P\s?Y)(?![A-Za-z])\s*")
# The start of _INLINE_SIPDIS's "CORRECTED COPY", tried first in text without "SIPDIS": its scan is
# fast (it starts with a literal), the full pattern's is not (it starts with a look-behind).
_CORRECTED_HINT = re.compile(r"C\s?O\s?R\s?R\s?E\s?C\s?T")
_PILCROW = re.compile(r"¶\s*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# "¶1.", "1.", "12." at the start of a paragraph (a lettered "¶B." only in REF lists).
_NUMBER = r"\s*+(?:¶\s*+)?(\d{1,2})\s?\.(?!\d)\s*"
# "(C)", "(SBU)", "(S//NF)", "(U) ", "(C/NF)", "(S/REL UK)": a classification marking.
# Possessive quantifiers throughout: each run of capitals, spaces or slashes is read one way only
# (the patterns in this package must stay linear on hostile text; tests/test_hardening_regex.py).
_MARKING = r"\s*+\(\s*+((?:U|C|S|TS|SBU|LOU|FOUO|CUI|NF|REL[A-Z ,]*+)(?:\s*+/{1,2}\s*+[A-Z][A-Z ,]*+)*+)\s*\)\s*"
# Both at once, each optional (it always matches, maybe nothing): one regex call instead of two.
NUMBER_AND_MARKING = re.compile(f"(?:{_NUMBER})?(?:{_MARKING})?")


# The record dump some mirrors append after the signature: "MILAM 0 10/26/2007 5416 BTIO,ECON,LY A
# SUCCESS?: ... 1. Italian energy firm ..." (signer, a zero, the date, a length, the TAGS and a copy of
# the subject and first paragraph). Everything from there on is not the cable.
_TRAILER = re.compile(r"0\s+\d{2}/\d{2}/\d{4}\s+\d{1,6}\s+[A-Z]{2,}(?:,[A-Z0-9]+)*\b")
_TRAILER_SIGNER = re.compile(r"(?<=[.!?\"')]\s)\s*([A-Z][A-Z'-]{2,})\s+$")


# Another mirror's record dump inside the text, between a page's cut-short header and the full cable:
# "id: 112682" / "date: 6/19/2007 17:12" / "refid: 07LIMA2129" / "origin: ..." / "classification: ..." /
# "destination: 07LIMA1841" / "header:". No content and no field: its digits ran on a REF field.
_RECORD_DUMP = re.compile(r"^[^\S\n]*+id:[^\S\n]*+\d+[^\S\n]*+\n(?:[^\S\n]*+[a-z]+:[^\n]*+\n){1,8}?[^\S\n]*+header:[^\S\n]*+$", re.M)


def record_dump_spans(raw: str) -> list[tuple[int, int]]:
    """(start, end) of each record dump in the text (see _RECORD_DUMP)."""
    if "refid:" not in raw:  # (every dump has one: most texts are decided here)
        return []
    return [m.span() for m in _RECORD_DUMP.finditer(raw)]


def find_trailer(raw: str) -> tuple[int, str | None]:
    """(where the appended record dump starts, the signer written on the same line) or (len(raw), None)."""
    for m in _TRAILER.finditer(raw):
        if m.start() and not raw[m.start() - 1].isspace():
            continue
        before = _TRAILER_SIGNER.search(raw, max(0, m.start() - 60), m.start())
        if before:
            return before.start(1), before.group(1)
        return m.start(), None
    return len(raw), None


def is_noise(text: str) -> bool:
    # Most lines are decided from their first two characters, without a regex: every noise pattern
    # starts with two capitals (or a capital and a space or "."), six digits, or a rule character;
    # the partial-extract line with "This record", a mixed-case page header holds " of ".
    s = text.lstrip()
    if s:
        c = s[0]
        if c.isalpha():
            c1 = s[1:2]
            if not (c.isupper() and (c1.isupper() or c1.isspace() or c1 == ".")):
                return (" of " in s and bool(_MIXED_CASE_PAGE.match(text))) \
                    or (s[:11].lower() == "this record" and bool(PARTIAL_EXTRACT.match(text)))
        elif c.isdigit():
            if not s[:6].isdigit():
                return False
        elif c not in "-=_*.":
            return False
    return bool(_NOISE.match(text)) or bool(PARTIAL_EXTRACT.match(text))


def strip_page_header(text: str) -> str:
    if "PAGE" not in text:
        return text
    return _PAGE_HEADER_PREFIX.sub("", text)


# A page header left inside running text whose line breaks were lost: "... for proliferation BEIJING
# 00002305 002 OF 003 regulations ...". There the serial is always padded to eight digits.
_INLINE_PAGE = re.compile(r"(?<!\s)\s++\d{8}\s{1,3}\d{3}(?:\.\d)?\s+OF\s+\d{3}\b")
# The end of _INLINE_PAGE, tried first: it starts with a literal, so the scan is fast.
_PAGE_TAIL = re.compile(r"OF\s+\d{3}\b")
_WORD = re.compile(r"\S+")
_STATION_WORDS = 4  # "IRAN RPO DUBAI", "PORT AU PRINCE"
_PAGE_STATION = 10  # characters of the station that a page header keeps


def strip_inline_page_headers(text: str, station: str | None = None) -> str:
    """Drop page headers ("BEIJING 00002305 002 OF 003") left inside running text. `station` (the
    classification line's, e.g. "NEW DELHI") says exactly which words before the serial go."""
    # The usual case, decided without a full regex scan; "F" and "O" first: a one-character test runs
    # as a memchr, several times faster than the search for " OF ".
    if "F" not in text or "O" not in text or " OF " not in text or not _PAGE_TAIL.search(text):
        return text
    out, pos = [], 0
    for m in _inline_pages(text):
        out.append(text[pos:_station_start(text, m.start(), station)])
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return " ".join(" ".join(out).split())


# The most characters of a page header between its two runs of spaces: an eight-digit serial, up to
# three spaces, the page and a decimal ("00002305   002.1").
_PAGE_SPAN = 16


def _inline_pages(text: str):
    """_INLINE_PAGE.finditer(text), read off the hits of its tail (_PAGE_TAIL, "OF 003"): the scan
    for the tail's literal is fast, _INLINE_PAGE's (it opens with a look-behind) is not. Each match
    ends with a tail and starts at most _PAGE_SPAN characters and two runs of spaces before it, so
    the full pattern is only searched for there."""
    pos = 0  # where the last match ended: finditer's matches do not overlap
    for tail in _PAGE_TAIL.finditer(text):
        lo = tail.start()
        while lo > pos and text[lo - 1].isspace():  # the spaces before "OF"
            lo -= 1
        lo = max(pos, lo - _PAGE_SPAN)
        while lo > pos and text[lo - 1].isspace():  # the spaces before the serial
            lo -= 1
        m = _INLINE_PAGE.search(text, lo, tail.end())
        if m:
            yield m
            pos = m.end()


def _station_start(text: str, at: int, station: str | None) -> int:
    """Where the station name before a page header's serial starts: the known station's words, or
    without one, the run of capitalised words after mixed-case prose and only the last word in
    all-capitals text (so that prose is not eaten)."""
    words = list(_WORD.finditer(text, max(0, at - 80), at))[-_STATION_WORDS - 1:]
    if station:
        # The page header cuts the station to ten characters: "BUENOS AIR 00000118 002 OF 006".
        for names in (station.split(), station[:_PAGE_STATION].split()):
            k = 0
            while k < min(len(names), len(words)) and words[-1 - k].group() == names[-1 - k]:
                k += 1
            if k:
                return words[-k].start()
        return at
    caps = 0
    while caps < min(_STATION_WORDS, len(words)) and _is_caps_word(words[-1 - caps].group()):
        caps += 1
    if not caps:
        return at
    if caps < len(words) and any(ch.islower() for ch in words[-1 - caps].group()):
        return words[-caps].start()
    return words[-1].start()


def _is_caps_word(word: str) -> bool:
    return word.isupper() and word[0].isalpha()


# The embassy's web banner under many cables: "Visit Embassy Cairo's Classified Website:
# http://www.state.sgov.gov/p/nea/cairo You can also access this site through the State Department's
# Classified SIPRNET website." (or the address redacted to XXXXXXXXXXXX between rows of stars).
BANNER = re.compile(
    r"(?:Please\s+visit\s|Visit\s|VISIT\s)[^\n:;]{0,60}?(?:Classified|CLASSIFIED)\s+(?:Website|WEBSITE|Web\s+Site)\s*+(?:at\b\s*+)?[:;]?\s*+"
    r"(?:\(?https?:?//?[^\s)]+\)?(?:\s[a-z]{1,4}(?=\s|$))?|X{6,})?[*\s]*+"
    r"(?:You\s+can\s+also\s+access\s+this\s+site\s+through\s+the\s+State\s+Department's\s+Classified\s+SIPRNET\s+website\.?)?[*\s]*+"
)


def strip_banner(text: str) -> str:
    # The usual case, no regex scan. Every banner holds a "W" (Website, WEBSITE, Web Site) and a "C"
    # (Classified, CLASSIFIED): one-character tests (memchr) rule out four paragraphs in five before
    # the three slower searches.
    if "W" not in text or "C" not in text or ("ebsite" not in text and "EBSITE" not in text and "eb Site" not in text):
        return text
    out, pos = [], 0
    for m in BANNER.finditer(text):
        out.append(_rstrip_stars(text[pos:m.start()]) + " ")
        pos = m.end()
    return "".join(out) + text[pos:] if out else text


def _rstrip_stars(text: str) -> str:
    """`text` without the stars and spaces that lead into a banner (a loop: a regex searched for them
    is quadratic in a long run)."""
    i = len(text)
    while i and (text[i - 1] == "*" or text[i - 1].isspace()):
        i -= 1
    return text[:i]


def clean_text(text: str, station: str | None = None) -> str:
    """Joined paragraph lines → one clean line of prose."""
    text = strip_banner(strip_inline_page_headers(text, station))
    # Each substitution only where its text can be (str `in` tests run in C; regex scans do not).
    # "SIPDIS" and "CORRECTED COPY" both hold a "D" and a "P": one-character tests (memchr) first.
    if "D" in text and "P" in text and (
        "SIPDIS" in text or ("Y" in text and "C" in text and _CORRECTED_HINT.search(text))
    ):
        text = _INLINE_SIPDIS.sub(" ", text)
    if "¶" in text:
        text = _PILCROW.sub("", text)
    if not text.isascii():  # (a constant-time test)
        text = text.replace("\u00b4", "'").replace("\u2019", "'")
    if _printable(text):
        return _single_spaced(text)
    text = " ".join(text.split())  # every Unicode space but the zero-width one, which _SPACES handles
    if "\u200b" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _printable(text: str) -> bool:
    """str.isprintable, faster for ASCII text (most paragraphs): deleting the printable bytes in C
    leaves nothing."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII)
    return text.isprintable()


def _single_spaced(text: str) -> str:
    """" ".join(text.split()) for printable text, whose only space is " " (tabs, line breaks, other
    Unicode spaces and the zero-width one are all unprintable): runs of spaces made one, ends
    stripped. One substitution of every run (split and join make an object of every word; a loop
    of str.replace("  ", " ") takes a second pass to learn that no run is left)."""
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return text.strip(" ")


_SPACE_RUN = re.compile("  +")


def split_number_and_marking(text: str) -> tuple[int | None, str | None, str]:
    """'¶3. (C) The minister said...' → (3, 'C', 'The minister said...')."""
    m = NUMBER_AND_MARKING.match(text)
    number, marking = m.group(1, 2)
    return (
        int(number) if number else None,
        normalize_marking(marking) if marking else None,
        text[m.end():],  # one copy of the text, not one a part
    )


_SLASHES = re.compile(r"(?<!\s)\s*+/{1,2}\s*+")  # starts where a run of spaces starts, never inside


@functools.lru_cache(maxsize=256)  # the corpus has a few dozen markings, "C" and "SBU" most
def normalize_marking(marking: str) -> str:
    return _SLASHES.sub("/", marking.strip()).upper() if "/" in marking else marking.strip().upper()
