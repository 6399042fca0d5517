"""Turning a model's raw output into readable text: detokenizing and restoring case.

The shipped model uses the uncased MiniLM WordPiece vocabulary, so what it writes is lower case with
spaces around punctuation ("russo - japanese relations : post - summit progress"). Two pure steps fix
that, both guided by the cable the summary was written from:

- `detokenize(text, source)`: glue punctuation back ("post-summit", "Putin's", "(MLAT)", "1.4", "2,000").
- `truecase(text, table)`: each word takes its most frequent casing in the cable (`CasingTable`), with a
  corpus-wide table (shipped in the model directory as `truecase.json`) as fallback; sentence starts are
  capitalised. ALL-CAPS cables (older ones) say nothing about case, so their capitals are not copied.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from summarizer.sentences import ABBREVIATIONS

_WORD = re.compile(r"[^\W_](?:[\w'’.&-]*[^\W_])?")
_LETTER = re.compile(r"[^\W\d_]")
_SENT_END = re.compile(r"[.!?]['\")\]]*$")
_DOTTED = re.compile(r"^\W*(?:[^\W\d_]\.)+$")  # "U.S." "u.n."


def _abbreviations() -> frozenset[str]:
    try:
        return ABBREVIATIONS
    except Exception:  # pragma: no cover - the splitter module is optional here
        return frozenset({"mr", "mrs", "ms", "dr", "amb", "gen", "no", "u.s", "u.n", "e.g", "i.e"})


def ends_sentence(tok: str) -> bool:
    """Does this whitespace-free token end a sentence? ("said." yes; "U.S." and "Amb." no)."""
    if not _SENT_END.search(tok):
        return False
    if tok.endswith(".") and (_DOTTED.match(tok) or tok.strip("\"'()[].").lower() in _abbreviations()):
        return False
    return True

# --------------------------------------------------------------------------------------------
# casing


def _is_mostly_caps(text: str, threshold: float = 0.6) -> bool:
    letters = _LETTER.findall(text)
    if len(letters) < 20:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= threshold


class CasingTable:
    """word (lower case) -> its most frequent written form, learned from text."""

    def __init__(self, forms: dict[str, str] | None = None):
        self.forms: dict[str, str] = dict(forms or {})

    @classmethod
    def from_text(cls, text: str) -> "CasingTable":
        return cls(_count_forms([text]))

    @classmethod
    def from_texts(cls, texts, min_count: int = 2, keep_lower: bool = False) -> "CasingTable":
        """A corpus table; by default only words whose usual form is not plain lower case are kept."""
        forms = _count_forms(texts, min_count=min_count)
        if not keep_lower:
            forms = {w: f for w, f in forms.items() if f != w}
        return cls(forms)

    @classmethod
    def load(cls, path: str | Path) -> "CasingTable":
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def save(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(self.forms.items())), f, ensure_ascii=False, separators=(",", ":"))

    def get(self, word: str) -> str | None:
        return self.forms.get(word.lower())

    def __len__(self) -> int:
        return len(self.forms)


def _count_forms(texts, min_count: int = 1) -> dict[str, str]:
    counts: dict[str, Counter] = defaultdict(Counter)
    seen: Counter = Counter()
    for text in texts:
        if not text or _is_mostly_caps(text):
            continue  # an ALL-CAPS text says nothing about case
        for line in text.splitlines():
            sentence_start = True
            for m in re.finditer(r"\S+", line):
                tok = m.group(0)
                wm = _WORD.search(tok)
                if wm:
                    word = wm.group(0)
                    lower = word.lower()
                    # A capital at a sentence start is weak evidence: count it at a tenth.
                    weight = 1.0 if not sentence_start or word == lower else 0.1
                    if word.isupper() and len(word) > 1 and line.isupper():
                        weight = 0.0  # a capitals-only heading line
                    if weight:
                        counts[lower][word] += weight
                        seen[lower] += 1
                sentence_start = ends_sentence(tok)
    forms = {}
    for lower, c in counts.items():
        if seen[lower] < min_count:
            continue
        forms[lower] = max(c.items(), key=lambda kv: (kv[1], kv[0] == lower))[0]
    return forms


def truecase(text: str, table: CasingTable | None = None, fallback: CasingTable | None = None) -> str:
    """Restore case in lower-case `text`: cable table first, corpus table second, sentence starts capitalised."""
    out = []
    sentence_start = True
    for tok in re.split(r"(\s+)", text):
        if not tok or tok.isspace():
            out.append(tok)
            continue
        out.append(_case_token(tok, table, fallback, sentence_start))
        sentence_start = ends_sentence(tok)
    return "".join(out)


def _case_token(tok: str, table, fallback, sentence_start: bool) -> str:
    pieces = []
    pos = 0
    first = True
    for m in _WORD.finditer(tok):
        pieces.append(tok[pos:m.start()])
        word = m.group(0)
        form = None
        if word == word.lower():  # only lower-case words are recased; model-written capitals stay
            for t in (table, fallback):
                if t is not None:
                    form = t.get(word)
                    if form is not None:
                        break
            if form is None:
                # hyphenated compounds: case each part ("russo-japanese" -> "Russo-Japanese")
                if "-" in word:
                    form = "-".join(_case_token(p, table, fallback, False) if p else p for p in word.split("-"))
                elif word == "i":
                    form = "I"
                else:
                    form = word
        else:
            form = word
        if first and sentence_start and form[:1].islower():
            form = form[:1].upper() + form[1:]
        first = False
        pieces.append(form)
        pos = m.end()
    if first and sentence_start:
        # no word in this token (a quote or bracket): the next token still starts the sentence
        pass
    pieces.append(tok[pos:])
    return "".join(pieces)


# --------------------------------------------------------------------------------------------
# detokenizing WordPiece output

_ATTACH_LEFT = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "n't", "'re", "'ve", "'ll", "'d", "'m"}
_ATTACH_RIGHT = {"(", "[", "{", "$"}


def detokenize(text: str, source: str | None = None) -> str:
    """Join the space-separated tokens of WordPiece output the way written English joins them.

    `source` (the cable) decides the doubtful cases: "1. 4" becomes "1.4" and "u. s." becomes "u.s."
    only when the joined form occurs in the source.
    """
    toks = text.split()
    if not toks:
        return ""
    src = (source or "").lower()
    out: list[str] = [toks[0]]
    glue_next = toks[0] in _ATTACH_RIGHT
    quote_open = toks[0] in {'"', "“"}
    if quote_open:
        glue_next = True
    i = 1
    while i < len(toks):
        tok = toks[i]
        prev = out[-1]
        # a run of hyphens ("- -", "- - -") is a dash: "--", spaced
        if tok == "-" and i + 1 < len(toks) and toks[i + 1] == "-":
            while i < len(toks) and toks[i] == "-":
                i += 1
            out.append("--")
            glue_next = False
            continue
        # single letters and dots are an acronym: "u . s ." -> "u.s.", "u . n" -> "u.n"
        if tok == "." and len(prev) >= 1 and re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", prev) and i + 1 < len(toks) \
                and re.fullmatch(r"[^\W\d_]", toks[i + 1]) and i + 2 < len(toks) and toks[i + 2] == ".":
            out[-1] = prev + "." + toks[i + 1]
            i += 2
            continue
        if tok == '"' or tok == "“" or tok == "”":
            if quote_open:
                out[-1] = prev + tok
                quote_open = False
                glue_next = False
            else:
                out.append(tok)
                quote_open = True
                glue_next = True
            i += 1
            continue
        if tok == "'" and i + 1 < len(toks) and toks[i + 1] in {"s", "t", "re", "ve", "ll", "d", "m"}:
            out[-1] = prev + "'" + toks[i + 1]
            i += 2
            glue_next = False
            continue
        if glue_next:
            out[-1] = prev + tok
            glue_next = tok in _ATTACH_RIGHT
            i += 1
            continue
        if tok in _ATTACH_LEFT:
            # "1. 4" / "u. s." keep the dot glued to what follows only if the source has it
            out[-1] = prev + tok
            if tok in {".", ","} and i + 1 < len(toks):
                nxt = toks[i + 1]
                joined = (prev + tok + nxt).lower()
                if tok == "," and prev[-1:].isdigit() and re.fullmatch(r"\d{3}", nxt):
                    out[-1] += nxt
                    i += 2
                    continue
                if src and re.search(r"\w$", prev) and re.match(r"\w", nxt) and joined in src and (
                    (prev[-1:].isdigit() and nxt[:1].isdigit()) or len(prev.split(".")[-1]) == 1
                ):
                    out[-1] += nxt
                    i += 2
                    continue
            i += 1
            continue
        if tok in {"-", "/"} and i + 1 < len(toks):
            nxt = toks[i + 1]
            # "post - summit"; "u.s. - japan" only as the source writes it ("U.S.-Japan MLAT")
            if re.match(r"\w", nxt) and (re.search(r"\w$", prev) or (src and (prev + tok + nxt).lower() in src)):
                out[-1] = prev + tok + nxt
                i += 2
                continue
        if tok in _ATTACH_RIGHT:
            out.append(tok)
            glue_next = True
            i += 1
            continue
        out.append(tok)
        i += 1
    return " ".join(out)


def restore(text: str, source: str | None = None, fallback: CasingTable | None = None,
            table: CasingTable | None = None) -> str:
    """detokenize + truecase against the cable `source` (an uncased model's output → readable text)."""
    text = detokenize(text, source)
    if table is None:
        table = CasingTable.from_text(source or "")
    return truecase(text, table, fallback)
