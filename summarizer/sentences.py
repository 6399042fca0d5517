"""The project's own sentence splitter, tuned on cable prose.

`split_sentences(text)` is pure and regex based (no model, no downloaded data). It is used by the
scorer (ROUGE-Lsum joins these sentences with newlines), by the extractive baselines, by the model
and by the app, so that every part of the project agrees on what a sentence is.

Rules:
- every newline ends a paragraph, and a paragraph always ends a sentence (`Cable.body` holds one
  paragraph a line);
- inside a paragraph a sentence ends at `.`, `!` or `?` (plus closing quotes or brackets) followed
  by white space and a token that may start a sentence (a capital, a digit, an opening quote or
  bracket; in text without any capitals, also a lower-case letter);
- no split after known abbreviations (U.S., Amb., Dr., Gen., No., Jan., Sept., e.g., i.e., Gov.,
  ...), after single-letter initials ("W. Michael Meserve"), inside decimals and section numbers
  ("1.4 (b)"), or at ellipses ("..." and the one-character ellipsis);
- dotted acronyms such as "U.S." or "U.N." end a sentence only when the next word is one that
  usually starts a sentence ("... with the U.S. The minister said ...");
- pieces holding no letters (a lone paragraph number "2." or a marking "(C)") are joined to the
  sentence that follows them;
- the rules are case-blind, so ALL-CAPS cables split the same way as mixed-case ones.
"""
from __future__ import annotations

import re

__all__ = ["split_sentences", "ABBREVIATIONS"]

# Lower-case, without the final period. Dotted forms ("e.g", "u.s") are matched on the whole token.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    mr mrs ms messrs mme mlle dr drs prof amb ambs gen gens lt col maj capt cpt cmdr cdr adm brig sgt
    cpl pvt gov govs govt sen sens rep reps pres vp sec secs dep asst min hon rev msgr fr sr jr st
    ft mt sh sheikh amb-designate dir gen'l
    no nos nr art arts para paras ref refs sect vol vols fig figs pp p ch cl approx est ca cf viz vs al
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc ltd co corp bros dept depts univ assn intl natl
    e.g i.e u.s u.n u.k e.u u.s.a u.s.s.r p.m a.m h.e d.c a.k.a
    """.split()
)

# Words that, after a dotted acronym ("U.S."), signal that a new sentence has started. The weak ones
# ("in", "and", ...) count only when capitalised in mixed-case text ("... the U.S. In 2005 ...").
_STARTERS = frozenset(
    """
    the a an this that these those he she it they we i you his her its their our there here
    however meanwhile also although though while when since after before during because according
    separately similarly moreover furthermore nevertheless nonetheless still then thus therefore
    instead finally comment end what who why how where which whether neither
    """.split()
)
_WEAK_STARTERS = frozenset("in on at as if but and or so yet for to with by from not no".split())
# Abbreviations that never end a sentence, whatever follows.
_NEVER_END = frozenset("e.g i.e a.k.a cf viz vs mr mrs ms dr prof amb para paras art st".split())

_CLOSERS = "\"'\u201d\u2019)]"
_OPENERS = "\"'\u201c\u2018(["
# A candidate end: a run of terminal punctuation, optional closing quotes/brackets, white space.
# A run of end marks is read from its start only, once (a search from inside a long run is quadratic).
_CANDIDATE = re.compile(r"(?<![.!?\u2026])([.!?\u2026]++)([" + re.escape(_CLOSERS) + r"]*+)(\s++)(?=\S)")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_NEXT_WORD = re.compile(r"[" + re.escape(_OPENERS) + r"]*([^\W_][\w'-]*)")


def split_sentences(text: str) -> list[str]:
    """Split `text` into sentences: a list of stripped, non-empty strings, in order.

    Joining the result with single spaces gives back the text's words in order (white space
    aside); no character other than white space is added or removed.
    """
    if not text:
        return []
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            sentences.extend(_split_paragraph(paragraph))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    caseless_lower = not any(c.isupper() for c in paragraph)
    all_caps = not any(c.islower() for c in paragraph)
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        if _is_boundary(paragraph, match, caseless_lower, all_caps):
            pieces.append(paragraph[start : match.end(2)].strip())
            start = match.end()
    pieces.append(paragraph[start:].strip())
    # Join letter-less fragments ("2.", "(C)", "1.4.") to the sentence after them. They are collected
    # in a list: a string grown piece by piece is quadratic on "1. 2. 3. ..." without end.
    out: list[str] = []
    carry: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        carry.append(piece)
        if _HAS_LETTER.search(piece):
            out.append(" ".join(carry))
            carry = []
    if carry:
        if out:
            carry.insert(0, out.pop())
        out.append(" ".join(carry))
    return out


def _is_boundary(paragraph: str, match: re.Match, caseless_lower: bool, all_caps: bool) -> bool:
    # Everything here reads the paragraph in place, near the candidate: a copy of the rest of it, or a
    # search from its start, for every candidate made one long paragraph quadratic (issue 15).
    punct = match.group(1)
    after = match.end()
    first = paragraph[after]
    # What follows must be able to start a sentence.
    if not (first.isupper() or first.isdigit() or first in _OPENERS or first in "-\u2014*"):
        if not (caseless_lower and first.isalpha()):
            return False
    if "\u2026" in punct or ".." in punct:  # ellipsis: a pause, not an end
        return False
    if punct != ".":  # "?" "!" and mixtures: always an end
        return True
    if match.group(2):  # `."` or `.)`: the quote or bracket closes a sentence
        return True
    # the last part of a compound: "Iceland-U.S. Defense agreement" ends on "U.S", not on "Iceland-U.S"
    token = _token_before(paragraph, match.start()).rsplit("-", 1)[-1].rsplit("/", 1)[-1].lstrip(_OPENERS + "\u2014")
    if not token:
        return True
    low = token.lower()
    if low in ("no", "nos"):  # "No. 7", but "The answer is no. That said, ..."
        return not first.isdigit()
    if low in _NEVER_END:
        return False
    if _DOTTED_ACRONYM.match(token):  # U.S, U.N, H.E, D.C ...
        return _starts_sentence(paragraph, after, all_caps)
    if low in ABBREVIATIONS:
        return False
    if "." in token:  # "Lt.Gen" / "1.4" / "www.state"
        last = low.rsplit(".", 1)[-1]
        if last in ABBREVIATIONS:
            return False
    if len(token) == 1 and token.isalpha():  # an initial: "W. Michael", "PLAN B."
        return not (token.isupper() or caseless_lower) or _starts_sentence(paragraph, after, all_caps)
    return True


def _token_before(paragraph: str, end: int) -> str:
    """The run of non-space characters that ends at `end`; only that run is read."""
    start = end
    while start > 0 and not paragraph[start - 1].isspace():
        start -= 1
    return paragraph[start:end]


def _starts_sentence(paragraph: str, pos: int, all_caps: bool) -> bool:
    """Whether the word at `pos` usually begins a sentence (after "U.S." etc.)."""
    m = _NEXT_WORD.match(paragraph, pos)
    if not m:
        return False
    word = m.group(1)
    low = word.lower()
    if low in _STARTERS:
        return True
    return not all_caps and word[0].isupper() and low in _WEAK_STARTERS
