"""Raw text → lines with character offsets into the raw text.

Every later step works on `Line`s so that paragraphs can point back into the raw text (the page
highlights them). Text whose line breaks were lost (`mongo_json_flat`) is cut into pseudo-lines at
the places a cable always breaks: header labels, paragraph numbers and rules.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import chain, compress
from operator import itemgetter, not_
from typing import NamedTuple


class Line(NamedTuple):
    """One line and its offsets in the raw text (a named tuple: a cable has hundreds, made fast)."""

    text: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not self.text or self.text.isspace()


_NEWLINE = re.compile(r"\r\n|\r|\n")

# Where a flattened cable had line breaks: before header labels, the classification line, paragraph
# numbers ("¶3." or "3. (C)") and rules, and after a rule. Every alternative starts with literal text
# so that the scan is fast; the conditions on the character before a match (a word boundary, a space
# before a paragraph number) are checked in `_flat_cuts`, which costs nothing on the few matches.
_FLAT_CUT = re.compile(
    r"SIPDIS\b|E\.\s?O\.\s?1\d{4}|TAGS?\s?:|SUBJECT\s?:|REFS?\s?:|Classified\s+By\b|CLASSIFIED\s+BY\b"
    r"|(?:C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D)\b"
    r"|(?P<pilcrow>¶)"
    r"|(?P<number>\d{1,2}\.\s{1,3}\([A-Z/]{1,8}\))"
    r"|(?P<rule>-{6,}|={6,}|(?:- ){3,}-)"  # "- - - -": the spaced rule many posts used
)
_AFTER_RULE = re.compile(r"\s*([^\s])")
_RULE_AHEAD = re.compile(r"\s*(?:-{6,}|={6,}|(?:- ){3,}-)")
_RULE_ONLY = re.compile(r"\s*(?:-{6,}|={6,}|(?:- ){3,}-)\s*$")
_PARAGRAPH_AHEAD = re.compile(r"\s*¶|\s*\d{1,2}\.\s")


# Literal text at which a cut can start; `_flat_cuts` tries the regex only there (str.find runs in C,
# a regex scan over every character of a long line does not).
_CUT_LITERALS = ("SIPDIS", "E.", "TAG", "SUBJECT", "REF", "Classified", "CLASSIFIED", "C O N F I D E N T I A L",
                 "S E C R E T", "U N C L A S S I F I E D", "¶", "------", "======", "- - - -")
# In a run of dashes (or "=") only its first three offsets are candidates: `_FLAT_CUT` matches the
# whole run from the first offset it tries there, which is the first or (after a "- - - -" that ends
# on the run's first dash) the second; the third is the candidate that follows a match at the second,
# which `_flat_cuts` adds past MAX_LINES. The rest of the run would only be skipped.
_RUN_END = {"------": re.compile(r"-++"), "======": re.compile(r"=++")}


def _flat_cuts(text: str) -> set[int]:
    """Offsets in a flattened line where the original had a line break. Same as scanning with
    `_FLAT_CUT.finditer`, but the regex is only tried where a literal starts it."""
    cuts = {0, len(text)}
    last_end = 0
    for at in sorted(_cut_candidates(text)):
        if len(cuts) > MAX_LINES:
            cuts.add(at)  # the rest of the line is one piece, past what split_lines keeps
            break
        if at < last_end:
            continue  # inside the previous match, as finditer would skip it
        m = _FLAT_CUT.match(text, at)
        if not m:
            continue
        last_end = m.end() if m.end() > at else at + 1
        prev = text[at - 1] if at else " "
        if m.group("rule"):
            cuts.add(at)
            nxt = _AFTER_RULE.match(text, m.end())
            if nxt and nxt.group(1) != m.group()[0]:
                cuts.add(m.end())  # the text after a rule starts a new line
        elif m.group("number"):
            if prev.isspace():
                cuts.add(at)
        elif m.group("pilcrow") or not (prev.isalnum() or prev == "_"):
            cuts.add(at)
    return cuts


def _cut_candidates(text: str) -> set[int]:
    found: set[int] = set()
    for lit in _CUT_LITERALS:
        at = text.find(lit)
        while at >= 0:
            found.add(at)
            if lit in _RUN_END:  # a rule: one find per character of it would be one candidate each
                end = _RUN_END[lit].match(text, at).end()
                found.update(range(at + 1, min(at + 3, end - 5)))
                at = text.find(lit, end)
            else:
                at = text.find(lit, at + 1)
    # "3. (C)": from each "(" back over 1-3 spaces to a "." and the one or two digits before it.
    q = text.find("(")
    while q >= 0:
        k = q - 1
        while k >= 0 and q - k <= 3 and text[k].isspace():
            k -= 1
        if k < q - 1 and k >= 1 and text[k] == "." and text[k - 1].isdigit():
            found.add(k - 2 if k >= 2 and text[k - 2].isdigit() else k - 1)
        q = text.find("(", q + 1)
    return found


# A section heading just before a rule in flattened text ("End Summary.  Budgets and Balochistan ----").
_FLAT_HEADING = re.compile(r"(?<!\s)\s{2,}+(?=[A-Z][^.!?]{2,90}\s*$)")

FLAT_MIN_LINE_LENGTH = 600  # a real cable line is under ~100 characters; flattened ones run to thousands


# A paragraph glued to the end of a header line: "...reasons 1.4(b) and (d). 1.(C) Summary: ..."
# The paragraph's number and marking; `_split_glued` checks that a sentence or label ends before it.
# (The regex starts with the digits, not a look-behind, so that the engine can skip to digits.)
_GLUED_PARAGRAPH = re.compile(r"\d{1,2}\.\s?\((?:U|C|S|SBU|TS|S/NF|C/NF|S//NF)\)|1\.\s+(?:\(\w{1,4}\)\s*)?SUMMARY\b", re.I)


# Two header labels on one line: a short cable whose line breaks were lost ("TAGS: PREL JA SUBJECT: ...");
# a label doubled by its source ("SUBJECT: SUBJECT: ...") is not two.
_TWO_LABELS = re.compile(r"\b(?:TAGS?|SUBJECT)\s?:\s*[^\s:].*?\s(?:SUBJECT|TAGS?|REFS?)\s?:|\bTAGS?\s?:.*?\s\d{1,2}\.\s{1,3}\([A-Z/]{1,8}\)"
                         # a header block repeated on one line: "C O N F I D E N T I A L MADRID 000897 SIPDIS ...
                         # E.O. 12958: DECL: 08/31/2018 TAGS: MOPS ..."
                         r"|(?:C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D|UNCLAS)\b.{0,400}?"
                         r"E\.\s?O\.\s?1\d{4}\s?:.{0,80}?\sTAGS?\s?:")


# Lines (or pseudo-lines of flattened text) parsed per cable. The longest real cable has ~1,600; a
# megabyte of line breaks or pilcrows would otherwise take seconds. `parse` warns when it cuts.
MAX_LINES = 20_000


def split_lines(raw: str) -> list[Line]:
    """The text's lines with offsets (at most MAX_LINES)."""
    lines = _raw_lines(raw)
    special, hinted = _special_lines(raw, lines)
    if not special:
        return _undouble(lines[:MAX_LINES])
    # Only the lines that may be flattened or carry a glued paragraph are looked at; the runs of
    # ordinary lines between them are copied as they are.
    out: list[Line] = []
    prev = 0
    for i in special:
        out.extend(lines[prev:i])
        prev = i + 1
        if len(out) >= MAX_LINES:
            break
        ln = lines[i]
        text = ln[0]
        glued = i in hinted  # _split_glued leaves any other line whole
        n = len(text)
        flat = n > FLAT_MIN_LINE_LENGTH or (n > 40 and ("TAG" in text or "SUBJECT" in text) and _is_flat_line(text))
        if not glued and not flat:
            out.append(ln)
            continue
        pieces = _split_glued(ln) if glued else [ln]
        out.extend(_unflatten(pieces) if flat else pieces)
    else:
        out.extend(lines[prev:])
    return _undouble(out[:MAX_LINES])


_FLAT_WORDS = ("TAG", "SUBJECT")
_LINE_BREAKS = "\r\n"


def _special_lines(raw: str, lines: list[Line]) -> tuple[list[int], set[int]]:
    """(Indexes, in order, of the lines that split_lines must look at; those of them that may carry
    a glued paragraph). The others may be flattened: over FLAT_MIN_LINE_LENGTH, or holding "TAG" or
    "SUBJECT". All other lines come out as they are. Found with str.find and literal-led regexes
    over the whole text: a Python test of every line costs more than the rest of split_lines on an
    ordinary cable."""
    # The line each offset is in, by bisection on the lines' starts (a few offsets a cable: cheaper
    # than a list of every start).
    hinted = {bisect_right(lines, k, key=_START) - 1 for k in _glued_hints(raw)}
    found = set(hinted)
    for word in _FLAT_WORDS:
        k = raw.find(word)
        while k >= 0:
            found.add(bisect_right(lines, k, key=_START) - 1)
            k = raw.find(word, k + 1)
    if max(map(len, map(_TEXT, lines))) > FLAT_MIN_LINE_LENGTH:
        found.update(i for i, ln in enumerate(lines) if len(ln[0]) > FLAT_MIN_LINE_LENGTH)
    return sorted(found), hinted


_TEXT, _START = itemgetter(0), itemgetter(1)


# Where _glued_paragraph_at may find a paragraph: the "." of a "3. (C)", or a "1.", with a space
# (not a line break) before the number (the space must follow a "." ":" or ")", which
# `_after_sentence` checks). The paragraph numbers that open a line, as most "3. (C)" do, are not
# hits. One scan finds the "." after a spaced number (the pattern starts with a literal, so the scan
# runs in C and the look-behinds are tried only at a "."); the two hints are told apart at its few hits.
_NUMBER_DOT = re.compile(r"\.(?:(?<=[^\S\r\n]\d\.)|(?<=[^\S\r\n]\d\d\.))")
_MARKING_AHEAD = re.compile(r"\s?\(")  # "3. (C)": after the number's "."
_SUMMARY_HINT = re.compile(r"1\.(?<=[^\S\r\n]1\.)")  # "1. SUMMARY": at the "1"


def _glued_hints(raw: str) -> list[int]:
    """Offsets of the places where _glued_paragraph_at may find a paragraph (its other tests, the
    marking and "SUMMARY", are left to it)."""
    out = []
    for m in _NUMBER_DOT.finditer(raw):
        dot = m.start()
        if _MARKING_AHEAD.match(raw, dot + 1):  # the number's one or two digits (a " 1." among them)
            out.extend(d for d in (dot - 1, dot - 2) if _after_sentence(raw, d))
        elif _SUMMARY_HINT.match(raw, dot - 1) and _after_sentence(raw, dot - 1):
            out.append(dot - 1)
    return out


def _after_sentence(raw: str, d: int) -> bool:
    """Spaces (not a line break) before offset d, and a "." ":" or ")" before them."""
    k = d
    while k > 0 and raw[k - 1].isspace() and raw[k - 1] not in _LINE_BREAKS:
        k -= 1
    return 0 < k < d and raw[k - 1] in ".:)"


WRAP_WIDTH = 90  # telegram lines wrap before this
SENTENCE_CLOSERS = frozenset(".!?:;\"')]")  # a line whose last character is one of these ends a sentence


def _unfinished(text: str) -> bool:
    """The line does not end a sentence: its last character (a space counts) closes nothing. A test of
    the last character, not a regex searched over the line (quadratic over a long run of spaces)."""
    return bool(text) and text[-1] not in SENTENCE_CLOSERS


def _undouble(lines: list[Line]) -> list[Line]:
    """Double-spaced text (a blank line after every line) keeps blank lines only where two or more
    stood, so wrapped lines rejoin into paragraphs instead of each becoming one.

    The evidence is sentences running on across a lone blank line ("...paid a farewell call on",
    blank, "president Kirchner's closest..."), which ordinary cables never have; unwrapped text
    (a paragraph a line) is excluded by its long lines."""
    # The run-ons are counted from the blank lines alone (found by C-level maps): most texts have
    # fewer than 3 and are decided without a pass over every line.
    # A blank line is empty or all spaces: two scans that copy nothing (str.strip copies every line
    # with a space at an end). The count does not depend on the order the lines are seen in.
    texts = list(map(_TEXT, lines))
    everyone = range(len(texts))
    last = len(texts) - 1
    run_on = 0
    for i in chain(compress(everyone, map(not_, texts)), compress(everyone, map(str.isspace, texts))):
        if 0 < i < last and texts[i + 1][:1].islower() and texts[i - 1].strip() and _unfinished(texts[i - 1]):
            run_on += 1
    if run_on < 3:
        return lines
    text_lines = long_lines = 0
    for a in texts[:-2]:
        if a.strip():
            text_lines += 1
            long_lines += len(a) > WRAP_WIDTH
    if run_on < text_lines / 10 or long_lines > text_lines / 10:
        return lines
    out: list[Line] = []
    for i, ln in enumerate(lines):
        blank = not ln[0].strip()
        if blank and not (i + 1 < len(lines) and not lines[i + 1][0].strip()) and not (out and not out[-1][0].strip()):
            continue  # a lone blank line: only the double spacing
        out.append(ln)
    return out


def _raw_lines(raw: str) -> list[Line]:
    """The text's lines with offsets; "\r\n", "\r" and "\n" all end a line. Past MAX_LINES + 1 lines
    the rest is not split (split_lines keeps MAX_LINES)."""
    if "\r" in raw:
        out, pos = [], 0
        for m in _NEWLINE.finditer(raw):
            out.append(Line(raw[pos:m.start()], pos, m.start()))
            pos = m.end()
            if len(out) > MAX_LINES:
                return out
        out.append(Line(raw[pos:], pos, len(raw)))
        return out
    out, pos = [], 0
    new, append = tuple.__new__, out.append  # Line(...) goes through a Python-level __new__: skip it
    for text in raw.split("\n", MAX_LINES)[:MAX_LINES + 1]:
        end = pos + len(text)
        append(new(Line, (text, pos, end)))
        pos = end + 1
    return out


def _is_flat_line(text: str) -> bool:
    if len(text) > FLAT_MIN_LINE_LENGTH:
        return True
    return len(text) > 40 and ("TAG" in text or "SUBJECT" in text) and _TWO_LABELS.search(text) is not None


def _split_glued(ln: Line) -> list[Line]:
    if "(" not in ln.text and "1." not in ln.text:
        return [ln]
    at = _glued_paragraph_at(ln.text)
    if at is None:
        return [ln]
    start, cut = at
    if start < 8:
        return [ln]
    return [Line(ln.text[:cut].rstrip(), ln.start, ln.start + len(ln.text[:cut].rstrip())), Line("", ln.start + cut, ln.start + cut), Line(ln.text[cut:], ln.start + cut, ln.end)]


def _glued_paragraph_at(text: str) -> tuple[int, int] | None:
    """A paragraph glued to the end of a line ("...reasons 1.4(b) and (d). 1.(C) Summary: ..."):
    (where the space after the "." or ":" or ")" starts, where the paragraph number starts)."""
    for d in sorted(_glued_candidates(text)):
        k = d
        while k > 0 and text[k - 1].isspace():
            k -= 1
        if k < d and k > 0 and text[k - 1] in ".:)" and _GLUED_PARAGRAPH.match(text, d):
            return k + 1, d
    return None


def _glued_candidates(text: str) -> set[int]:
    """Where "3. (C)" or "1. SUMMARY" may start: found from the "(" and "1." in the line, not by a
    regex scan of every character."""
    found: set[int] = set()
    q = text.find("(")
    while q >= 0:
        k = q - 1
        if k >= 0 and text[k].isspace():
            k -= 1
        if k >= 1 and text[k] == "." and text[k - 1].isdigit():
            found.add(k - 2 if k >= 2 and text[k - 2].isdigit() else k - 1)
        q = text.find("(", q + 1)
    if "1." in text and "summary" in text.lower():
        found.update(m.start() for m in _GLUED_PARAGRAPH.finditer(text))
    return found


def is_flattened(raw: str) -> bool:
    """Most of the text sits on one line: its line breaks were lost (a long routing line or a
    one-line paragraph in an otherwise broken text does not count)."""
    if not _may_hold_half(raw):
        return False
    longest = max(raw.splitlines() or [""], key=len)
    return _is_flat_line(longest) and 2 * len(longest.strip()) >= len(raw.strip())


_SPLITLINES_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines cuts


def _may_hold_half(raw: str) -> bool:
    """Whether a line (as str.splitlines cuts) may hold half the stripped text, found without
    splitting it all: such a line covers one of the two middle characters of the stripped text,
    so only the lines around those two are measured."""
    length = len(raw.strip())
    if length == 0:
        return True  # decided by the full test
    breaks = [ch for ch in _SPLITLINES_BREAKS if ch in raw]  # usually "\n" alone
    lead = len(raw) - len(raw.lstrip())
    end = -1
    for i in (lead + max(0, length // 2 - 1), lead + length // 2):
        if i < end:
            continue  # the second middle character is on the line just measured (the usual case)
        start, end = _line_around(raw, i, breaks)
        if 2 * len(raw[start:end].strip()) >= length:
            return True
    return False


def _line_around(raw: str, i: int, breaks: list[str]) -> tuple[int, int]:
    """(start, end) of the line (as str.splitlines cuts at `breaks`) that holds offset i."""
    if len(breaks) == 1:  # "\n" alone: no Python-level max and min over the break characters
        ch = breaks[0]
        end = raw.find(ch, i)
        return raw.rfind(ch, 0, i) + 1, end if end >= 0 else len(raw)
    start = max((raw.rfind(ch, 0, i) for ch in breaks), default=-1) + 1
    ends = [k for k in (raw.find(ch, i) for ch in breaks) if k >= 0]
    return start, min(ends, default=len(raw))


def _unflatten(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for ln in lines:
        if not ln.text:
            out.append(ln)
            continue
        cuts = _flat_cuts(ln.text)
        if len(cuts) == 2:  # no cut inside (most long lines): the line is one piece
            out.append(_strip(ln))
            if _RULE_ONLY.match(ln.text):
                out.append(Line("", ln.start + len(ln.text), ln.start + len(ln.text)))
            continue
        cuts = sorted(cuts)
        pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        for i, (a, b) in enumerate(pieces):
            nxt = ln.text[pieces[i + 1][0]:pieces[i + 1][1]] if i + 1 < len(pieces) else ""
            piece = ln.text[a:b]
            if _RULE_AHEAD.match(nxt):
                h = _FLAT_HEADING.search(piece)
                if h:  # split the heading off the paragraph it was glued to
                    out.append(_strip(Line(piece[: h.start()], ln.start + a, ln.start + a + h.start())))
                    out.append(Line("", ln.start + a + h.start(), ln.start + a + h.start()))
                    out.append(_strip(Line(piece[h.end():], ln.start + a + h.end(), ln.start + b)))
                    continue
            out.append(_strip(Line(piece, ln.start + a, ln.start + b)))
            if _RULE_ONLY.match(piece) or _PARAGRAPH_AHEAD.match(nxt):
                out.append(Line("", ln.start + b, ln.start + b))  # a paragraph boundary
    return out


def _strip(ln: Line) -> Line:
    text = ln.text
    stripped = text.strip()
    if len(stripped) == len(text):
        return ln  # the usual case: no copies of a long line to measure
    lead = len(text) - len(text.lstrip()) if stripped else len(text)
    trail = len(text) - lead - len(stripped) if stripped else len(text)
    return Line(stripped, ln.start + lead, ln.end - trail)
