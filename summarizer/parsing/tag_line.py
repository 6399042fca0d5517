"""The TAGS field's text → its tags, a pure function of the text (the label and wrapping are
header.py's job: `field_text` gives the field's lines joined).

A TAGS line mostly holds codes from the table (`PREL PGOV JA`), but also:
- person tags, bracketed (`OVIP (BIDEN, JOSEPH)`, one tag) or not (`OVIP STEINBERG JAMES`: the code
  and the person `STEINBERG, JAMES`);
- free text written as a subject tag (`ITALIAN POLITICS`, `HUMAN RIGHTS`, `India-Burma`): one tag,
  never one per word (`AND` is no tag);
- codes run together (`VTPREL`, `KFRDCVISCMGT...`), split only where every piece is a known code;
- a known code misspelt by two letters swapped (`ENGR` for `ENRG`, `ENIV` for `EINV`);
- words of a page header wrapped into the field (`CONFIDENTIAL`, `PAGE`, `02`), which are no tags.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from summarizer.tags import is_known_code

__all__ = ["tag_codes", "split_tags", "MAX_TAG_TOKENS"]

MAX_TAG_TOKENS = 200  # a real TAGS line has under 40; the rest of a longer one is not a TAGS line
# A bracketed person tag (one token, its comma kept), a separator, or a run of other characters.
_TOKEN = re.compile(r"[A-Za-z]{2,6}\s*\([^)]*\)?|[,;]|[^\s,;]+")
# Words of a page header or classification wrapped into the field: never tags.
_PAGE_WORDS = frozenset("CONFIDENTIAL SECRET UNCLAS UNCLASSIFIED PAGE SENSITIVE NOFORN SIPDIS LIMDIS EXDIS NODIS "
                        "SECTION OF".split())
# Codes after which a run of names is a person: a visit (OVIP), a congressional visit (OREP).
PERSON_PREFIXES = frozenset({"OVIP", "OREP"})
# Words that join a phrase and are no tag on their own ("ECONOMY AND FINANCE", "MEETINGS WITH AMBASSADOR").
_JOINERS = frozenset({"AND", "OF", "THE", "WITH", "FOR", "ON", "&"})
_WORD = re.compile(r"[A-Z][A-Z'\-.]*[A-Z.]?")  # a word of a name or phrase: letters, hyphen, apostrophe
MAX_PHRASE_WORDS = 6  # a longer run of words that are no codes is no subject tag: each word kept apart
PHRASE_WORD_MIN = 5  # letters: a phrase of short unknown words ("POL MIL") may be codes, kept apart


def split_tags(text: str) -> list[str]:
    """The field's tokens, upper case, separators dropped (for telling a wrapped TAGS line apart)."""
    if "(" not in text:  # no person tag (most lines): the tokens are the runs between these
        tokens = text.replace(",", " ").replace(";", " ").split()[:MAX_TAG_TOKENS]
        return [tok.upper() for tok in (t.strip(" .") for t in tokens) if tok]
    return [t for t, _ in _tokens(text) if t]


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token in upper case, whether a comma or semicolon stood before it)."""
    out: list[tuple[str, bool]] = []
    comma = False
    for m in islice(_TOKEN.finditer(text), MAX_TAG_TOKENS):
        tok = m.group()
        if tok in ",;":
            comma = True
            continue
        tok = tok.strip(" .;")
        if tok:
            out.append((" ".join(tok.upper().split()) if "(" in tok else tok.upper(), comma))
            comma = False
    return out


def tag_codes(text: str) -> list[str]:
    """The tags of a TAGS field's text, in order, each once (see the module's docstring)."""
    tokens = _tokens(text)
    out: dict[str, None] = {}  # ordered, and no quadratic "not in list" on a hostile line
    i, n = 0, len(tokens)
    while i < n:
        tok, _ = tokens[i]
        i += 1
        if is_known_code(tok):  # most tokens
            out[tok] = None
            if tok in PERSON_PREFIXES:
                names, i = _names_after(tokens, i)
                if names:
                    out[names] = None
            continue
        if "(" in tok:
            out[tok] = None  # a bracketed person tag
            continue
        if _is_page_word(tok):
            continue
        fixed = _as_codes(tok)
        if fixed:
            out.update(dict.fromkeys(fixed))
            continue
        words = [tok]
        while not _code_shaped(tok) and i < n and not tokens[i][1] and _is_free_word(tokens[i][0]):
            words.append(tokens[i][0])
            i += 1
        out.update(dict.fromkeys(_phrase_tags(words)))
    return list(out)


def _is_page_word(tok: str) -> bool:
    return tok in _PAGE_WORDS or tok.isdigit() or bool(re.fullmatch(r"\d+[A-Z]?|\d{6}Z", tok))


def _is_free_word(tok: str) -> bool:
    """A token that may continue a phrase: no known code, no person tag, no page word, no glued codes,
    and not shaped like a code the table lacks ("XE", "OFDA": kept as tags of their own)."""
    return not is_known_code(tok) and "(" not in tok and not _is_page_word(tok) and not _code_shaped(tok) \
        and not _as_codes(tok)


_CODE_INITIALS = frozenset("ABCEMOPSTK")  # subject codes' first letters, and K for programs


def _code_shaped(tok: str) -> bool:
    return tok.isalpha() and tok not in _JOINERS and (len(tok) == 2 or (len(tok) == 4 and tok[0] in _CODE_INITIALS))


def _phrase_tags(words: list[str]) -> list[str]:
    """A run of words that are no codes: one tag when it reads as a phrase (a long word or a joiner
    among them, at most MAX_PHRASE_WORDS), else each word as it is ("POL MIL", "XK"); a joiner alone
    is no tag."""
    if 1 < len(words) <= MAX_PHRASE_WORDS and any(len(w) >= PHRASE_WORD_MIN or w in _JOINERS for w in words):
        while words and words[-1] in _JOINERS:
            words = words[:-1]
        while words and words[0] in _JOINERS:
            words = words[1:]
        return [" ".join(words)] if words else []
    return [w for w in words if w not in _JOINERS]


MAX_NAME_WORDS = 4


def _names_after(tokens: list[tuple[str, bool]], i: int) -> tuple[str | None, int]:
    """A person named without brackets after OVIP/OREP, "STEINBERG JAMES" → "STEINBERG, JAMES" (surname
    first, as the bracketed tags write it), and the index after it; (None, i) when fewer than two words
    that are no codes follow."""
    j = i
    while j < len(tokens) and j - i < MAX_NAME_WORDS and not tokens[j][1] and _WORD.fullmatch(tokens[j][0]) \
            and _is_free_word(tokens[j][0]) and tokens[j][0] not in _JOINERS:
        j += 1
    if j - i < 2:
        return None, i
    words = [t for t, _ in tokens[i:j]]
    return f"{words[0]}, {' '.join(words[1:])}", j


@lru_cache(maxsize=1024)
def _as_codes(token: str) -> tuple[str, ...] | None:
    """Known codes that a token which is none stands for: glued codes split where every piece is a
    known code ("VTPREL" → VT, PREL), or a code with two letters swapped ("ENGR" → ENRG) where exactly
    one swap makes a known code; None otherwise."""
    if not token.isalpha() or len(token) < 4:
        return None
    if len(token) == 4:
        if token in NOT_TYPOS:
            return None
        swaps = {token[:k] + token[k + 1] + token[k] + token[k + 2:] for k in range(3)} - {token}
        known = [s for s in swaps if is_known_code(s)]
        return (known[0],) if len(known) == 1 else None
    return _split_glued(token) if len(token) >= MIN_GLUED else None


# Codes the table lacks that are no typos: OSCI stands beside SOCI and the science codes (TBIO, TSPL,
# TPHY) on the four cables that carry it, so it is no SOCI with two letters swapped.
NOT_TYPOS = frozenset({"OSCI"})
MIN_GLUED = 6  # letters: two codes at least (a five-letter token is more often one unknown code, "MTCRE")
MAX_GLUED = 80  # letters: a longer run is no glued TAGS line


def _split_glued(token: str) -> tuple[str, ...] | None:
    """The fewest known codes (two to six letters each) that spell the token, or None. Two two-letter
    codes never stand side by side: any word splits into country codes ("BRUSSELS" → BR US SE LS),
    while glued TAGS run a country into a subject code ("VTPREL", "PRELPGOVJA")."""
    if len(token) > MAX_GLUED:
        return None
    n = len(token)
    # best[k][two]: the fewest codes spelling token[:k], `two` whether the last one has two letters
    best: list[list[tuple[str, ...] | None]] = [[None, None] for _ in range(n + 1)]
    best[0][0] = ()
    for end in range(2, n + 1):
        for size in (4, 2, 3, 5, 6):
            start = end - size
            if start < 0 or not is_known_code(token[start:end]):
                continue
            for two in (0, 1):
                prev = best[start][two]
                if prev is None or (two and size == 2):
                    continue
                cand = prev + (token[start:end],)
                here = best[end][size == 2]
                if here is None or len(cand) < len(here):
                    best[end][size == 2] = cand
    found = min((f for f in best[n] if f), key=len, default=None)
    return found if found and len(found) > 1 else None
