"""The cable's own summary (`Summary: ... End Summary.`) and comment paragraphs.

The summary is cut out of the paragraph list exactly, so that the body (the model's input) keeps
any text before its start marker or after its end marker, and never the summary itself.
"""
from __future__ import annotations

import re

from summarizer.cable import Paragraph

_WORD = r"(?:SUMMARY|SUMMAY|SUMARY|SUMMMARY|SUMMERY)"
_MARK = r"\(\s*[A-Z]{1,4}(?:\s*/{1,2}\s*[A-Z]{1,6})*\s*\)"
_AND = r"(?:\s*(?:AND|&|/)\s*(?:COMMENTS?|ACTION\s+REQUESTS?|INTRODUCTION|RECOMMENDATIONS?|BACKGROUND|CONCLUSIONS?))"
# A summary label: at the start of a paragraph or right after a sentence, followed by punctuation,
# a marking or nothing (a heading). "In summary, ..." and "a summary of" do not match.
START = re.compile(
    rf"(?:^|(?<=[.!?\"')]\s)|(?<=[.!?\"')]\s\s))(?:{_MARK}\s*)?(?:BEGIN\s+|INTRODUCTION\s+AND\s+|EXECUTIVE\s+)?"
    rf"{_WORD}{_AND}?\s*(?:[:.\-\u2013\u2014]+\s*|(?={_MARK})|$)(?:{_MARK}\s*)?",
    re.I,
)
# (The spaces before END belong to no match, so a search never starts inside a run of them.)
END = re.compile(rf"(?:[(\[]\s*+)?END\s+(?:OF\s+)?{_WORD}{_AND}?\s*+[.:\-]*+\s*+[)\]]?\s*+[.]?", re.I)
# A comment label at the start of a paragraph or right after a sentence ("... this week. Comment: ...").
COMMENT_START = re.compile(
    rf"(?:^|(?<=[.!?\"')]\s)|(?<=[.!?\"')]\s\s))(?:{_MARK}\s*)?(?:BEGIN\s+)?COMMENTS?\s*[:.\-\u2013\u2014]+\s*(?:{_MARK}\s*)?", re.I
)
# "Comment", or a titled one: "COMMENT: CABINET SHUFFLE NOT ENOUGH", "Comment - Bloody Land Disputes".
_COMMENT_HEADING = re.compile(rf"\s*(?:{_MARK}\s*)?COMMENTS?\s*(?:[:.\-]\s*[^\n]*)?", re.I)
COMMENT_END = re.compile(r"(?:[(\[]\s*+)?END\s+(?:OF\s+)?COMMENTS?\s*+[.:\-]*+\s*+[)\]]?\s*+\.?", re.I)

# A part of each pattern above that every match contains, tried first: the patterns open with
# look-behinds or optional groups, which the engine tries at every character of a paragraph,
# while these open with a letter and scan several times faster. No hit, no match.
_WORD_HINT = re.compile(_WORD, re.I)
_END_HINT = re.compile(rf"END\s+(?:OF\s+)?{_WORD}", re.I)
_COMMENT_HINT = re.compile(r"COMMENTS?\s*[:.\-\u2013\u2014]", re.I)
_COMMENT_END_HINT = re.compile(r"END\s+(?:OF\s+)?COMMENT", re.I)


def _lower_case(hint: re.Pattern) -> re.Pattern:
    """The hint in lower case and without re.I, for ASCII text lower-cased (which keeps every
    character where it was): the engine skips to its first letter by a fast scan, where a re.I
    pattern is tried at every character."""
    assert not re.search(r"\\[A-Z]", hint.pattern), "an escape such as \\S would change in lower case"
    return re.compile(hint.pattern.lower())


_WORD_HINT_LOWER = _lower_case(_WORD_HINT)
_END_HINT_LOWER = _lower_case(_END_HINT)
_COMMENT_HINT_LOWER = _lower_case(_COMMENT_HINT)
_COMMENT_END_HINT_LOWER = _lower_case(_COMMENT_END_HINT)

_SUMMARY_HEADING = re.compile(rf"\s*(?:{_MARK}\s*)?{_WORD}{_AND}?\s*[:.]?\s*", re.I)
_OF_FOR = re.compile(r"\s*(?:of|for)\b", re.I)
_LONE_MARK = re.compile(rf"(?:{_MARK}\s*)?")
_LEADING_MARK = re.compile(rf"^{_MARK}\s*")

SEARCH_START = 8  # a summary label further in is not the cable's own summary
SEARCH_END = 10  # paragraphs after the start within which "End Summary" must come
NO_START_SPAN = 3  # "End Summary" with no start: the summary runs from the first paragraph if it ends this early


def find_summary(paragraphs: list[Paragraph]) -> tuple[str | None, list[Paragraph], list[int], list[str]]:
    """→ (summary text, paragraphs with the summary split into its own parts, indexes of those parts, warnings)."""
    lows = _Lowered(paragraphs)  # both searches read the first paragraphs
    start = _find_start(paragraphs, lows)
    end = _find_end(paragraphs, start, lows)
    if start is None and end is None:
        return None, paragraphs, [], []
    warnings: list[str] = []
    if start is None:
        j = end[0]
        i = 0 if j < NO_START_SPAN else j
        start = (i, 0, 0)
        warnings.append("summary has an end marker but no start marker")
    elif end is None:
        i, _, pos = start
        rest = paragraphs[i].text[pos:].strip()
        last = i if rest else min(i + 1, len(paragraphs) - 1)
        end = (last, len(paragraphs[last].text), len(paragraphs[last].text))
        warnings.append("summary has no End Summary marker: took its paragraph")
    return _cut(paragraphs, start, end) + (warnings,)


class _Lowered:
    """paragraphs[j].text.lower(), each made once and only when asked for (most summaries start and
    end in the first two or three paragraphs)."""

    def __init__(self, paragraphs: list[Paragraph]):
        self._paragraphs = paragraphs
        self._made: dict[int, str] = {}

    def __getitem__(self, j: int) -> str:
        low = self._made.get(j)
        if low is None:
            low = self._made[j] = self._paragraphs[j].text.lower()
        return low


def _find_start(paragraphs: list[Paragraph], lows: _Lowered) -> tuple[int, int, int] | None:
    """(paragraph index, where the label starts, where the summary text starts)."""
    for i, p in enumerate(paragraphs[:SEARCH_START]):
        if p.heading and _SUMMARY_HEADING.fullmatch(p.heading):
            m = START.match(p.text)  # "SUMMARY" heading over "Summary: ...": the label is not summary text
            return i, 0, m.end() if m else 0
        if "sum" not in lows[i]:  # a cheap test first: every spelling in _WORD starts with "sum"
            continue
        m = _search_before_hint(START, _hint(_WORD_HINT, _WORD_HINT_LOWER, p.text, lows[i]), p.text)
        if m and not _OF_FOR.match(p.text[m.end():]):
            return i, m.start(), m.end()
    return None


def _find_end(paragraphs: list[Paragraph], start: tuple[int, int, int] | None, lows: _Lowered) -> tuple[int, int, int] | None:
    """(paragraph index, where the end marker starts, where it ends)."""
    first, _, pos = start if start else (0, 0, 0)
    for j in range(first, min(len(paragraphs), first + SEARCH_END)):
        text = paragraphs[j].text
        low = lows[j]
        if "sum" not in low:  # a cheap test first, as in _find_start
            continue
        at = pos if j == first else 0
        m = _search_from_hint(END, _hint(_END_HINT, _END_HINT_LOWER, text, low, at), text, at)
        if m:
            return j, m.start(), m.end()
    return None


def _cut(paragraphs: list[Paragraph], start: tuple[int, int, int], end: tuple[int, int, int]):
    (i, label, spos), (j, epos, eafter) = start, end
    out: list[Paragraph] = list(paragraphs[:i])
    summary_idx: list[int] = []
    parts: list[str] = []
    for k in range(i, j + 1):
        p = paragraphs[k]
        lo = spos if k == i else 0
        hi = epos if k == j else len(p.text)
        before = p.text[:label].strip() if k == i else ""
        inside, after = p.text[lo:hi].strip(), (p.text[eafter:].strip() if k == j else "")
        if k == i and _LONE_MARK.fullmatch(before):
            before = ""
        if before:
            out.append(_part(p, before, p.heading, p.number))
        lead = _LEADING_MARK.match(inside)  # before the test: a lone marking is no summary text
        if lead:
            inside = inside[lead.end():]
        if inside:
            summary_idx.append(len(out))
            out.append(_part(p, inside, p.heading if not before else None, p.number))
            parts.append(inside)
        if after:
            out.append(_part(p, after, None, None if inside or before else p.number))
    out.extend(paragraphs[j + 1:])
    summary = "\n".join(parts).strip() or None
    return summary, out, summary_idx if summary else []


def _part(p: Paragraph, text: str, heading: str | None, number: int | None) -> Paragraph:
    """dataclasses.replace(p, text=text, heading=heading, number=number), built directly: replace's
    walk over the fields costs twice the construction (tests/test_parse_cases.py checks that these
    are all of Paragraph's fields)."""
    return Paragraph(number=number, marking=p.marking, text=text, start=p.start, end=p.end, heading=heading)


def find_comment(paragraphs: list[Paragraph]) -> str | None:
    """The cable's comment: from the first `Comment:` label that opens a paragraph (else the first
    one after a sentence inside a paragraph) to `End Comment` within SEARCH_END paragraphs, or the
    rest of that paragraph alone."""
    start = _comment_start(paragraphs)
    if start is None:
        return None
    i, pos = start
    parts: list[str] = []
    for k, q in enumerate(paragraphs[i:i + SEARCH_END]):
        text = q.text[pos:] if k == 0 else q.text
        e = _search_from_hint(COMMENT_END, _hint(_COMMENT_END_HINT, _COMMENT_END_HINT_LOWER, text, text.lower()), text)
        if e:
            parts.append(text[: e.start()].strip())
            return "\n".join(x for x in parts if x) or None
        parts.append(text.strip())
    return parts[0] or None


def _comment_start(paragraphs: list[Paragraph]) -> tuple[int, int] | None:
    """(paragraph index, where the comment text starts): the first paragraph that opens with a label
    or sits under a "Comment" heading (a rule under the word), else the first label after a sentence.
    The paragraphs are read in order and the first of the first kind ends the search."""
    after_sentence = None
    for i, p in enumerate(paragraphs):
        text = p.text
        # A cheap test first: most paragraphs have no label. ("M" in text runs as a memchr, faster than
        # the search for "OMMENT" that it spares half the paragraphs.)
        if "omment" in text or ("M" in text and "OMMENT" in text):
            m = _comment_label(text)
            if m and m.start() == 0:
                return i, m.end()
            if m and after_sentence is None:
                after_sentence = i, m.end()
        # (`in` a lower-cased copy first: no character but c, o, m, e, n and t in either case matches
        # their letters under re.I)
        if p.heading and "comment" in p.heading.lower() and _COMMENT_HEADING.fullmatch(p.heading):
            return i, 0
    return after_sentence


def _comment_label(text: str) -> re.Match | None:
    """COMMENT_START.search(text), tried only before each hit of its hint, in order. A label's match
    runs from the run of letters, spaces, brackets and slashes before a hint to the hint's end (its
    first punctuation mark) and further only by optional parts, and COMMENT_START has no look-ahead
    and no "$": so the match is found in the text cut at the hint's end. (A scan on from the first
    hint ran slowly through the rest of the paragraph when that hit opened no label.)"""
    hits = _COMMENT_HINT_LOWER.finditer(text.lower()) if text.isascii() else _COMMENT_HINT.finditer(text)
    for h in hits:
        m = COMMENT_START.search(text, _run_start(text, h.start()), h.end())
        if m:
            return COMMENT_START.match(text, m.start())  # the whole label, with what follows its mark
    return None


def _run_start(text: str, k: int) -> int:
    """The start of the run of letters, spaces, brackets and slashes that ends at k (a label's
    marking and BEGIN are made of these)."""
    while k > 0 and (text[k - 1].isalpha() or text[k - 1].isspace() or text[k - 1] in "()/"):
        k -= 1
    return k


def _hint(hint: re.Pattern, lower_hint: re.Pattern, text: str, low: str, pos: int = 0) -> int:
    """Where hint.search(text, pos) starts, -1 if nowhere. `low` is text.lower(); in ASCII text it
    keeps every character where it was, and lower_hint, hint in lower case without re.I, opens with
    a literal that the engine finds by a fast scan."""
    m = lower_hint.search(low, pos) if text.isascii() else hint.search(text, pos)
    return m.start() if m else -1


def _search_before_hint(pattern: re.Pattern, h: int, text: str) -> re.Match | None:
    """pattern.search(text) for START, whose matches run from a sentence start over an optional
    marking and BEGIN (letters, spaces, brackets, slashes) to a hit of its hint (the first at `h`,
    -1: none): none starts before the run of such characters that leads to the first hit, so the
    slow scan starts there."""
    if h < 0:
        return None
    return pattern.search(text, _run_start(text, h))


def _search_from_hint(pattern: re.Pattern, h: int, text: str, pos: int = 0) -> re.Match | None:
    """pattern.search(text, pos) for END and COMMENT_END, whose matches are an optional "(" or "["
    and spaces, then the text of their hint (the first from `pos` at `h`, -1: none), then optional
    parts: the leftmost match starts at the first hint or at the bracket before the spaces before
    it, so the slow scan starts there."""
    if h < 0:
        return None
    k = h
    while k > pos and text[k - 1].isspace():
        k -= 1
    if k > pos and text[k - 1] in "([":
        k -= 1
    return pattern.search(text, k)
