"""The user's export format: a label block, its values, `Cable title:` and the title, then the cable.

    Identifier
    Created
    Classification
    Origin
    06TOKYO3797
    2006-07-07 04:08:00
    CONFIDENTIAL
    Embassy Tokyo
    Cable title:
    RUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS

Labels with their values on the same line (`Identifier: 06TOKYO3797`) are read too.

After the title the export holds the cable more than once: the header block twice, the body, then the
header block (less its classification line) and the body again. `body_end` is where that second copy
starts, so the parser reads one copy and never meets a header block after the body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from summarizer.parsing.lines import MAX_LINES

_LABELS = ("identifier", "created", "classification", "origin")
_NL = r"(?=[^\S\n]*\n)\s*+"  # spaces holding a line break, read once (not "\s*\n\s*": quadratic)
_BLOCK = re.compile(
    rf"\A\s*+Identifier{_NL}Created{_NL}Classification{_NL}Origin\s*\n"
    r"(?P<identifier>[^\n]*)\n(?P<created>[^\n]*)\n(?P<classification>[^\n]*)\n(?P<origin>[^\n]*)\n"
    r"(?:\s*Cable\s+title:[^\S\n]*+\n?(?P<title>[^\n]*)\n)?",  # (an empty title is an empty line, not the next)
    re.I,
)
_PAIRS = re.compile(
    r"\A(?:\s*(?:Identifier|Created|Classification|Origin|Cable\s+title)\s*:[^\n]*\n){2,}",
    re.I,
)
_PAIR = re.compile(r"^[^\S\n]*+(Identifier|Created|Classification|Origin|Cable\s+title)[^\S\n]*+:(.*)$", re.I | re.M)


@dataclass
class Export:
    fields: dict[str, str] = field(default_factory=dict)  # identifier, created, classification, origin, title
    body_start: int = 0  # offset in the raw text where the cable itself begins
    body_end: int | None = None  # where a repeated copy of the cable starts (None: no copy, read to the end)


def parse_export(raw: str) -> Export:
    m = _BLOCK.match(raw)
    if m:
        values = {k: v.strip() for k, v in m.groupdict().items() if v and v.strip()}
        return Export(values, m.end(), repeat_start(raw, m.end()))
    m = _PAIRS.match(raw)
    if m:
        values = {}
        for label, value in _PAIR.findall(m.group()):
            key = "title" if label.lower().startswith("cable") else label.lower()
            value = value.strip()
            if value:
                values[key] = value
        return Export(values, m.end(), repeat_start(raw, m.end()))
    return Export()


MIN_REPEAT_LINES = 3  # a shorter run at the end repeated earlier (a signer, "SIPDIS") is no copy of the cable
MAX_COPIES = 4  # copies of the cable cut from the end (the example holds two; three were seen)
MAX_CANDIDATES = 16  # earlier lines equal to the last one that are tried (hostile text: thousands)


def repeat_start(raw: str, start: int = 0) -> int | None:
    """Where the text from `start` ends with a second copy of an earlier run of its lines (blank lines
    and spaces ignored): the start of the longest such run at the end, once no shorter copy precedes
    it; None when there is none of MIN_REPEAT_LINES lines at least."""
    # (the lines the parser reads: past MAX_LINES it reads none)
    lines = [(" ".join(m.group().split()), m.start()) for m in islice(_LINE.finditer(raw, start), MAX_LINES)]
    lines = [(text, at) for text, at in lines if text]
    cut = None
    for _ in range(MAX_COPIES):
        if len(lines) < 2 * MIN_REPEAT_LINES:
            break
        n = _repeated_suffix(lines)
        if n < MIN_REPEAT_LINES:
            break
        cut = lines[-n][1]
        lines = lines[:-n]  # three copies: the one before is cut too
    return cut


_LINE = re.compile(r"[^\n]+")


def _repeated_suffix(lines: list[tuple[str, int]]) -> int:
    """The number of lines of the longest run at the end of `lines` that also ends at an earlier line,
    the two runs not overlapping."""
    texts = [t for t, _ in lines]
    last, best = len(texts) - 1, 0
    budget = 4 * len(texts)  # line comparisons: hostile text (thousands of equal lines) stays linear
    candidates = [e for e in range(last - 1, -1, -1) if texts[e] == texts[last]][:MAX_CANDIDATES]
    for e in candidates:
        k = 0
        while budget > 0 and e - k >= 0 and e + 1 <= last - k and texts[e - k] == texts[last - k]:
            k += 1
            budget -= 1
        best = max(best, k)
    return best
