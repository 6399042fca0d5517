"""Checkable facts of a text: numbers, acronyms and capitalised names, and whether a source holds them.

`faithfulness(output, source)` is the scoring script's "unsupported" rate and the model's check on a
topic label; `extract_units` is also what the reader checks (`summarizer.reading`) compare between a
summary sentence and the cable sentence it came from.
"""
from __future__ import annotations

import re
from typing import Sequence

from summarizer.sentences import split_sentences

FAITHFULNESS_SETTINGS = {
    "units": "numbers; acronyms (2+ capitals); capitalised multi-word names (2+ capitalised words)",
    "match": "case-insensitive, white space, hyphens, possessives and dotted acronyms (U.S. = US) "
    "normalised, thousands separators ignored, word boundaries; a multi-word name is supported when "
    "the phrase or every one of its words occurs; source = the system's input (cable body without "
    "the own summary); each distinct unit counted once per output",
    "caseless_output": "ALL-CAPS or all-lower-case sentences only yield numbers (no capitalisation to read)",
    "score": "unsupported share = units not found in the source / units written (x100, pooled over cables)",
}

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:/]\d+)*(?:\s?%)?(?![\w])")
_ACRONYM = re.compile(r"(?<![\w'’-])[A-Z][A-Z0-9&]*[A-Z](?:-\d+)?s?(?![\w'’-])")
_NOT_NAME_WORD = r"(?!(?:The|A|An|This|That|These|Those|In|On|At|But|And|Or|He|She|It|They|We|His|Her|Its|Their)\b)"
_CAP_WORD = (
    rf"{_NOT_NAME_WORD}(?:(?:[A-Z]\.){{2,}}|[A-Z][a-z]+(?:-[A-Za-z]+)*|[A-Z][A-Z]+(?:-[A-Za-z]+)*(?=\s+[A-Z][a-z])|[A-Z]\.)"
)
_CONNECT = r"(?:\s+(?:of(?:\s+the)?|de|del|da|di|al|el|bin|ibn|von|van|der|la|le|for)(?=\s+[A-Z]))?"
_NAME = re.compile(rf"(?<![\w'’.-]){_CAP_WORD}(?:{_CONNECT}\s+{_CAP_WORD})+(?![\w-])")
# Sentence-initial words that are capitalised only because they start the sentence.
_LEADING = frozenset(
    "the a an in on at as if but and or so this that these those he she it they we his her its their "
    "our there here however meanwhile according after before during while when since although "
    "also then thus separately both all some many most other another such per former new "
    "comment summary end".split()
)
# Trailing words that are dates, not names ("Minister Amorim on May" is cut at the connector anyway).
_TRAILING = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", ""), text)  # u.s. -> us
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    text = re.sub(r"[-‐‑–—]", " ", text)
    text = re.sub(r"'s\b", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _caseless(sentence: str) -> bool:
    """ALL-CAPS or all-lower-case: capitalisation says nothing about names here."""
    letters = [c for c in sentence if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return not letters or upper == 0 or upper / len(letters) > 0.8


def extract_units(text: str) -> list[tuple[str, str]]:
    """The checkable facts in `text`: [(kind, surface)] with kind in number | acronym | name."""
    if not text:
        return []
    units: list[tuple[str, str]] = [("number", m.group(0)) for m in _NUMBER.finditer(text)]
    # Names and acronyms are read sentence by sentence, from sentences that have case.
    cased = [s for s in split_sentences(text) if not _caseless(s)]
    for sent in cased:
        units += [("acronym", m.group(0)) for m in _ACRONYM.finditer(sent)]
    for m in (m for sent in cased for m in _NAME.finditer(sent)):
        words = m.group(0).split()
        while words and words[0].lower() in _LEADING:
            words = words[1:]
        while words and words[-1].lower() in _TRAILING:
            words = words[:-1]
        while words and words[-1].lower() in _CONNECTORS:
            words = words[:-1]
        if len(words) >= 2:
            units.append(("name", " ".join(words)))
    return units


_CONNECTORS = frozenset("of the de del da di al el bin ibn von van der la le for".split())


def _occurs(unit: str, source_norm: str, kind: str = "") -> bool:
    u = _norm(unit)
    if not u:
        return True
    if kind == "name":
        # A name is supported when the phrase occurs, or when every word of it does
        # ("Foreign Minister Frattini" against "... Foreign Minister Franco Frattini ...").
        if _occurs_exact(u, source_norm):
            return True
        return all(_occurs_exact(w, source_norm) for w in u.split() if w not in _CONNECTORS)
    if u.endswith("s") and re.fullmatch(r"[a-z0-9&]+s", u) and _occurs_exact(u[:-1], source_norm):
        return True  # plural acronym: "NGOs" vs "NGO"
    return _occurs_exact(u, source_norm)


def _occurs_exact(u: str, source_norm: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(u)}(?![\w])", source_norm) is not None or (
        u.rstrip("%").strip() != u and _occurs_exact(u.rstrip("%").strip(), source_norm)
    )


def faithfulness(output: str, source: str) -> dict:
    """Units (names, acronyms, numbers) of `output` and those that never occur in `source`.

    Returns {"units": n, "unsupported": [surface, ...], "by_kind": {kind: [n, n_unsupported]}}.
    Matching is case-insensitive, so a lower-case or ALL-CAPS source still supports a name.
    """
    source_norm = _norm(source or "")
    units = extract_units(output or "")
    seen: set[tuple[str, str]] = set()
    unsupported: list[str] = []
    by_kind: dict[str, list[int]] = {}
    for kind, surface in units:
        key = (kind, _norm(surface))
        if key in seen:  # count each distinct fact once per output
            continue
        seen.add(key)
        counts = by_kind.setdefault(kind, [0, 0])
        counts[0] += 1
        if not _occurs(surface, source_norm, kind):
            counts[1] += 1
            unsupported.append(surface)
    return {"units": len(seen), "unsupported": unsupported, "by_kind": by_kind}


def faithfulness_summary(rows: Sequence[dict]) -> dict:
    """Pool per-cable `faithfulness` results: unsupported share ×100, overall and by kind."""
    total = sum(r["units"] for r in rows)
    bad = sum(len(r["unsupported"]) for r in rows)
    by_kind: dict[str, list[int]] = {}
    for r in rows:
        for k, (n, u) in r["by_kind"].items():
            c = by_kind.setdefault(k, [0, 0])
            c[0] += n
            c[1] += u
    per_cable = [100 * len(r["unsupported"]) / r["units"] for r in rows if r["units"]]
    return {
        "units": total,
        "unsupported": bad,
        "unsupported_share": 100 * bad / total if total else None,
        "unsupported_share_mean_per_cable": sum(per_cable) / len(per_cable) if per_cable else None,
        "by_kind": {
            k: {"units": n, "unsupported": u, "unsupported_share": 100 * u / n if n else None}
            for k, (n, u) in sorted(by_kind.items())
        },
    }
