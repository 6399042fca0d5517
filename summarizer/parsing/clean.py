"""What is not content: handling lines, page headers, section counters, rules; and text cleaning."""
from __future__ import annotations

import re

PARTIAL_EXTRACT = re.compile(r"^\s*This record is a partial extract of the original cable\..*$", re.I)

# Lines that carry no content wherever they appear (the header or between body paragraphs).
_NOISE = re.compile(
    r"""^\s*(?:
        (?:SIPDIS|SENSITIVE|NOFORN|NOT\s+FOR\s+INTERNET\s+DISTRIBUTION|SIPRNET|E\s?X\s?D\s?I\s?S)\s*\.?
      | [A-Z .]{2,30}\s+0*\d{3,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}            # "THE HAGUE 00000546  001.2 OF 002"
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
_PAGE_HEADER_PREFIX = re.compile(r"^\s*PAGE\s+\d{2,3}\s+[A-Z .]{2,30}\s+\d{3,8}\s+\d{2}\s+OF\s+\d{2}\s+\d{6}Z\s+")
RULE = re.compile(r"^\s*(?:-{3,}|={3,}|_{3,}|\*{3,})[-=_*\s]*$")

_INLINE_SIPDIS = re.compile(r"(?<![A-Za-z])(?:SIPDIS|C\s?O\s?R\s?R\s?E\s?C\s?T\s?E\s?D\s+C\s?O\s?P\s?Y)(?![A-Za-z])\s*")
_PILCROW = re.compile(r"¶\s*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# "¶1.", "1.", "12." at the start of a paragraph (a lettered "¶B." only in REF lists).
PARA_NUMBER = re.compile(r"^\s*¶?\s*(\d{1,2})\s?\.(?!\d)\s*")
# "(C)", "(SBU)", "(S//NF)", "(U) ", "(C/NF)", "(S/REL UK)": a classification marking.
MARKING = re.compile(r"^\s*\(\s*((?:U|C|S|TS|SBU|LOU|FOUO|CUI|NF|REL[A-Z ,]*)(?:\s*/{1,2}\s*(?:[A-Z]{1,6}[A-Z ,]*))*)\s*\)\s*")


def is_noise(text: str) -> bool:
    return bool(_NOISE.match(text)) or bool(PARTIAL_EXTRACT.match(text))


def strip_page_header(text: str) -> str:
    return _PAGE_HEADER_PREFIX.sub("", text)


def clean_text(text: str) -> str:
    """Joined paragraph lines → one clean line of prose."""
    text = _INLINE_SIPDIS.sub(" ", text)
    text = _PILCROW.sub("", text)
    text = text.replace("\u00b4", "'").replace("\u2019", "'")
    return _SPACES.sub(" ", " ".join(text.split())).strip()


def split_number_and_marking(text: str) -> tuple[int | None, str | None, str]:
    """'¶3. (C) The minister said...' → (3, 'C', 'The minister said...')."""
    number = None
    m = PARA_NUMBER.match(text)
    if m:
        number = int(m.group(1))
        text = text[m.end():]
    marking, text = split_marking(text)
    return number, marking, text


def split_marking(text: str) -> tuple[str | None, str]:
    m = MARKING.match(text)
    if not m:
        return None, text
    return normalize_marking(m.group(1)), text[m.end():]


def normalize_marking(marking: str) -> str:
    return re.sub(r"\s*/{1,2}\s*", "/", marking.strip()).upper()
