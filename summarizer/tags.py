"""The TAGS code table: readable names and kinds for the codes on a cable's ``TAGS:`` line.

State Department cables are indexed with TAGS (Traffic Analysis by Geography and Subject)
codes: four-letter subject codes (``PREL``, ``ECON``), K program codes (``KNNP``),
two-letter geographic codes (the old FIPS 10-4 country codes: ``JA`` Japan, ``RS`` Russia,
plus ``X`` regional codes), organisation codes (``NATO``, ``UNSC``) and person tags such
as ``OVIP (BIDEN, JOSEPH)``.

The table lives in ``summarizer/data/tags.tsv`` (``code<TAB>kind<TAB>name``) and is loaded
once. Lookups are case-insensitive and ignore surrounding whitespace, because the corpus
carries codes such as ``prel`` or ``sy``. Codes not in the table get a kind inferred from
their shape (``unknown`` when it fits none) and no name (person tags get a readable name built
from the tag itself).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from summarizer.cable import Tag

KINDS = ("subject", "program", "geographic", "organisation", "person", "unknown")

_SUBJECT_INITIALS = frozenset("ABCEMOPST")
# A person tag is written with a comma or brackets ("ZAYED, SULTAN", "OVIP (BIDEN, JOSEPH)"); words with
# spaces alone are a free-text subject tag ("HUMAN RIGHTS", "ITALIAN POLITICS").
_PERSON_CHARS = re.compile(r"[,()]")
# "OVIP (BIDEN, JOSEPH)" -> prefix "OVIP", inner "BIDEN, JOSEPH"
_PREFIXED_PERSON = re.compile(r"^\s*([A-Za-z0-9-]+)\s*\((.*?)\)?\s*$")
# Prefix codes whose person tags read better with a short label than with the table name.
_PERSON_PREFIX_LABELS = {"OVIP": "Visit", "OREP": "Congressional visit"}


@cache
def _table() -> dict[str, tuple[str, str]]:
    """code -> (kind, name), read once from the packaged TSV."""
    text = resources.files("summarizer").joinpath("data", "tags.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, str]] = {}
    lines = text.splitlines()
    for lineno, line in enumerate(lines[1:], start=2):  # line 1 is the header
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"tags.tsv line {lineno}: expected 3 tab-separated fields, got {len(fields)}")
        code, kind, name = (f.strip() for f in fields)
        if kind not in KINDS:
            raise ValueError(f"tags.tsv line {lineno}: unknown kind {kind!r}")
        table[code.upper()] = (kind, name)
    return table


def _key(code: str) -> str:
    return code.strip().upper()


def _is_person(code: str) -> bool:
    return bool(_PERSON_CHARS.search(code.strip()))


def tag_kind(code: str) -> str:
    """The kind of a TAGS code: subject, program, geographic, organisation, person or unknown.

    Known codes take their kind from the table; others are inferred from their shape: a person tag,
    a free-text subject tag (words with spaces), a two-letter country, a four-letter program (K...) or
    subject code; any other code is `unknown` (an organisation is known only from the table).
    """
    key = _key(code)
    if key in _table():
        return _table()[key][0]
    if _is_person(code):
        return "person"
    if " " in key:
        return "subject"
    if re.fullmatch(r"[A-Z]{2}", key):
        return "geographic"
    if re.fullmatch(r"[A-Z]{4}", key):
        if key[0] == "K":
            return "program"
        if key[0] in _SUBJECT_INITIALS:
            return "subject"
    return "unknown"


def _readable_word(word: str) -> str:
    """'BIDEN' -> 'Biden', 'AL-QADHAFI' -> 'Al-Qadhafi', 'B.' -> 'B.'; mixed case is kept."""
    if not (word.isupper() or word.islower()):
        return word
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _person_name(text: str) -> str | None:
    """'BIDEN, JOSEPH' -> 'Joseph Biden'; 'STEINBERG, JAMES B.' -> 'James B. Steinberg'."""
    text = text.strip().strip("()").strip()
    if not text:
        return None
    if "," in text:
        surname, _, given = text.partition(",")
        ordered = f"{given.strip()} {surname.strip()}"
    else:
        ordered = text
    words = ordered.split()
    return " ".join(_readable_word(w) for w in words) or None


def tag_name(code: str) -> str | None:
    """The readable name of a TAGS code, or None when it is not known.

    Person tags get their name in reading order, labelled with the prefix code when there is
    one: ``OVIP (BIDEN, JOSEPH)`` -> ``Visit: Joseph Biden``, ``ZAYED, SULTAN`` -> ``Sultan Zayed``.
    """
    key = _key(code)
    if key in _table():
        return _table()[key][1]
    if not _is_person(code):
        return None
    m = _PREFIXED_PERSON.match(code)
    if m and "(" in code:
        prefix, inner = m.group(1).upper(), m.group(2)
        person = _person_name(inner)
        if person is None:
            return tag_name(prefix)
        label = _PERSON_PREFIX_LABELS.get(prefix) or (_table().get(prefix) or (None, None))[1]
        return f"{label}: {person}" if label else person
    return _person_name(code)


def describe(code: str) -> Tag:
    """A ``Tag`` with the code (whitespace stripped), its kind and its readable name."""
    if len(code) > _CACHED_CODE:
        return _describe(code)
    return _described(code)


def _describe(code: str) -> Tag:
    return Tag(code=code.strip(), kind=tag_kind(code), name=tag_name(code))


_CACHED_CODE = 64  # characters: a real code or person tag is shorter; longer ones are not cached
# The parser describes every TAGS code of every cable, mostly the same few hundred; a Tag is
# frozen, so one object can serve them all.
_described = lru_cache(maxsize=4096)(_describe)


def all_codes() -> dict[str, tuple[str, str]]:
    """Every code in the table: code -> (kind, name). A fresh copy on each call."""
    return dict(_table())


def is_known_code(code: str) -> bool:
    """`code` (as written: upper-case, no spaces) is in the table. The parser asks this for every
    TAGS token, so it reads the table itself instead of copying it as `all_codes` does."""
    return code in _table()
