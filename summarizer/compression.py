"""Compression by deletion: the whole units a summary sentence may leave out of its source sentence.

The writer (`summarizer.model.deletion`) keeps a source sentence's words in order and may skip only
the units found here, so what it writes is the source sentence with words left out, never a new word
or a new order (compressive summarization as in Filippova et al. 2015, Xu & Durrett 2019). A unit is
- a parenthetical: " (at least)", " (strictly protect)";
- an interjection or attribution between commas: ", however,", ", he said,", where no comma comes
  before it in its clause (in "A, B, however, C" the commas make a list, and cutting one joins it);
- a trailing clause before the final mark: ", he added.", ", according to the ministry.".
Both kinds open with a word of `_OPENERS`: a lower-case clause after a comma may also be the end of a
list ("trade, energy and security"), and cutting that drops what the list says.

A unit never holds a fact a reader could miss: no digit, no capital letter (so no name, acronym or
title; an ALL-CAPS sentence has no units at all), no negation and no quote mark. `accept` is the last
gate: an edit that leaves a fragment, a broken sentence or a changed fact keeps the source whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.reading import NEGATIONS, fact_changes, is_subsequence, readable, words

MAX_UNIT_WORDS = 12
# What may open a unit after a comma: a discourse word, a pronoun saying who spoke, an attribution,
# a relative or subordinate clause.
_OPENERS = frozenset("""
however moreover furthermore therefore meanwhile nevertheless nonetheless indeed instead accordingly
consequently thus hence also too though of as he she they we it reportedly apparently notably
importantly predictably unsurprisingly frankly finally initially ultimately separately similarly
according which who whom citing noting adding saying stressing arguing explaining although while
whereas if particularly especially including
""".split())

_PARENTHETICAL = re.compile(r"\s\(([^()]{1,120})\)")
_BETWEEN_COMMAS = re.compile(r",\s([^,;:()]{1,120}?),(?=\s)")
_TRAILING = re.compile(r",\s([^,;:()]{1,160}?)(?=[.!?][\"'”’)\]]*$)")


@dataclass(frozen=True)
class Unit:
    start: int  # character span of `sentence` that may go, white space or comma before it included
    end: int
    kind: str


def _safe(content: str) -> bool:
    """Whether a unit's words hold nothing a reader could miss."""
    ws = words(content)
    return (0 < len(ws) <= MAX_UNIT_WORDS and not any(c.isdigit() or c.isupper() for c in content)
            and not any(c in content for c in "\"“”'’") and not any(w in NEGATIONS or w.endswith("n't") for w in ws))


def deletable_units(sentence: str) -> list[Unit]:
    """The units `sentence` may lose, in order of their start (they may nest or overlap)."""
    if not any(c.islower() for c in sentence):
        return []
    units = [Unit(m.start(), m.end(), "parenthetical") for m in _PARENTHETICAL.finditer(sentence) if _safe(m.group(1))]
    for m in _BETWEEN_COMMAS.finditer(sentence):
        clause_start = max(sentence.rfind(";", 0, m.start()), sentence.rfind(":", 0, m.start()))
        opens_clause = "," not in sentence[clause_start + 1:m.start()]
        if opens_clause and _safe(m.group(1)) and words(m.group(1))[0] in _OPENERS:
            units.append(Unit(m.start(), m.end(), "interjection"))
    # (only the last comma can open a clause that runs to the final mark: the pattern crosses no comma)
    for m in _TRAILING.finditer(sentence):
        if _safe(m.group(1)) and words(m.group(1))[0] in _OPENERS:
            units.append(Unit(m.start(), m.end(), "trailing clause"))
    return sorted(units, key=lambda u: (u.start, u.end))


def delete(sentence: str, units: list[Unit]) -> str:
    """`sentence` without `units` (non-overlapping), white space made single."""
    out, at = [], 0
    for u in sorted(units, key=lambda u: u.start):
        out.append(sentence[at:u.start])
        at = u.end
    out.append(sentence[at:])
    return " ".join("".join(out).split())


def accept(source: str, written: str) -> str:
    """The gate: `written` when it is a clean deletion of `source`, else `source` whole."""
    if written == source:
        return source
    ws = words(written)
    if not ws or not is_subsequence(ws, words(source)) or not readable(written) or fact_changes(written, source):
        return source
    return written
