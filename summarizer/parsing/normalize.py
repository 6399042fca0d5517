"""Characters that are not text, taken out before anything reads the cable, with offsets kept true.

Invisible format characters (Unicode category Cf: zero-width spaces and joiners, soft hyphens, byte-order
marks, bidirectional controls) split a label such as `TA\u200bGS:` so that no pattern sees it, and reach
the model as noise; they are removed. A lone surrogate (`\ud800`, which a JSON client can send but UTF-8
cannot hold) breaks the tokenizer; it becomes U+FFFD, one character for one. A doubled quotation mark
(`""`) is the escaping of the CSV field that Cablegate's HTML pages were made from (5% of the cables in
the data: `A ""PERSONAL REQUEST"" TO PRESIDENT BUSH`); prose has no empty quotation, so the first mark of
each pair is removed (the first: a paragraph's raw end then takes in its closing pair whole). The same
pages carry the apostrophe as a comma in 14% of the cables ("Brazil,s interests", "we can,t win"); it
becomes an apostrophe again, one character for one, and their quotation marks written "&" and "8"
(`&a scandal.8`, 901 pairs in 409 cables) become '"'. `parse` reads the normalised text and maps every
offset it reports back into the raw text with `Normalized.raw_offset`.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

__all__ = ["FORMAT_CHARS", "Normalized", "normalize"]


# Category Cf as of Unicode 14 (Python 3.11), written out: deriving it from unicodedata at import takes
# 0.3 s for every command. tests/test_hostile_text.py checks it against unicodedata.
FORMAT_CHARS = ("\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E"
                "\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U00013438"
                "\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F")
_FORMAT = re.compile(f"[{FORMAT_CHARS}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DOUBLED_QUOTE = re.compile('""')
# A comma after a letter and before a contraction's ending: "EU,s", "WE,LL", "don,t" (not "(b,d)").
_COMMA_APOSTROPHE = re.compile(r",(?<=[A-Za-z],)(?=(?:s|re|ll|ve|m)\b)|,(?<=[nN],)(?=t\b)", re.I)
# "&" opening a quotation (not "Q&A", "&amp;") up to the first "8" after a letter (not "1998", "0.8").
_AMPERSAND_QUOTE = re.compile(r"&(?<![A-Za-z0-9&]&)(?!(?:amp|quot|lt|gt|nbsp|#\d+);)(?=[A-Za-z(])"
                              r"([^&]{0,400}?(?:(?<=[a-z])|(?<=[a-z][.,!?])))8(?![0-9])")


@dataclass
class Normalized:
    text: str
    # For each removed run: where it started in the normalised text, and how many raw characters were
    # removed up to its end (both ascending), so an offset maps back in O(log n).
    _marks: list[int] = field(default_factory=list)
    _shift: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def raw_offset(self, i: int, end: bool = False) -> int:
        """The raw offset of normalised offset `i`. A start offset moves past removed characters before
        it; an `end` offset stays before those after the last kept character."""
        k = bisect_right(self._marks, i - 1 if end else i)
        return i + (self._shift[k - 1] if k else 0)


def normalize(raw: str) -> Normalized:
    warnings = []
    text = raw
    if _SURROGATE.search(text):
        n = len(_SURROGATE.findall(text))
        text = _SURROGATE.sub("\ufffd", text)
        warnings.append(f"{n:,} lone surrogate code point(s) (not valid text) replaced with U+FFFD")
    text = _COMMA_APOSTROPHE.sub("'", text)
    if "&" in text:
        text = _AMPERSAND_QUOTE.sub(r'"\1"', text)
    removals = [m.span() for m in _FORMAT.finditer(text)]
    if removals:
        names = sorted({unicodedata.name(c, f"U+{ord(c):04X}") for a, b in removals for c in text[a:b]})
        warnings.append(f"{sum(b - a for a, b in removals):,} invisible format character(s) removed "
                        f"({', '.join(names[:3]).lower()}{', ...' if len(names) > 3 else ''})")
    if '""' in text:
        removals = sorted(removals + [(m.start(), m.start() + 1) for m in _DOUBLED_QUOTE.finditer(text)])
    if not removals:
        return Normalized(text, warnings=warnings)
    pieces: list[str] = []
    marks: list[int] = []
    shift: list[int] = []
    kept = removed = last = 0
    for start, end in removals:
        pieces.append(text[last:start])
        kept += start - last
        removed += end - start
        marks.append(kept)
        shift.append(removed)
        last = end
    pieces.append(text[last:])
    return Normalized("".join(pieces), marks, shift, warnings)
