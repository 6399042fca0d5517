"""The TAGS code table (summarizer/data/tags.tsv) and the lookups in summarizer.tags."""

from __future__ import annotations

import collections
import gzip
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from summarizer.cable import Tag
from summarizer.tags import KINDS, all_codes, describe, tag_kind, tag_name

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.parametrize(
    ("code", "kind", "name"),
    [
        ("PREL", "subject", "External political relations"),
        ("PGOV", "subject", "Internal governmental affairs"),
        ("PTER", "subject", "Terrorism"),
        ("ENRG", "subject", "Energy and power"),
        ("PHUM", "subject", "Human rights"),
        ("MARR", "subject", "Military and defense arrangements"),
        ("SNAR", "subject", "Narcotics"),
        ("CVIS", "subject", "Visas"),
        ("KNNP", "program", "Nuclear nonproliferation"),
        ("KDEM", "program", "Democratization"),
        ("KPAO", "program", "Public affairs office"),
        ("KTFN", "program", "Terrorist financing"),
        ("JA", "geographic", "Japan"),
        ("RS", "geographic", "Russia"),
        ("CH", "geographic", "China"),
        ("IZ", "geographic", "Iraq"),
        ("UP", "geographic", "Ukraine"),
        ("GM", "geographic", "Germany"),
        ("CS", "geographic", "Costa Rica"),
        ("KS", "geographic", "South Korea"),
        ("KN", "geographic", "North Korea"),
        ("XF", "geographic", "Middle East"),
        ("NATO", "organisation", "North Atlantic Treaty Organization"),
        ("UNSC", "organisation", "UN Security Council"),
        ("EUN", "organisation", "European Union"),
        ("IAEA", "organisation", "International Atomic Energy Agency"),
        ("AU-1", "organisation", "African Union"),
    ],
)
def test_known_codes(code, kind, name):
    assert tag_kind(code) == kind
    assert tag_name(code) == name
    assert describe(code) == Tag(code=code, kind=kind, name=name)


@pytest.mark.parametrize("code", ["prel", " PREL ", "Prel", "sy", "mtcre"])
def test_lookup_ignores_case_and_whitespace(code):
    key = code.strip().upper()
    assert tag_name(code) == all_codes()[key][1]
    assert tag_kind(code) == all_codes()[key][0]
    assert describe(code).code == code.strip()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("QQ", "geographic"),  # two letters
        ("qq", "geographic"),
        ("KZZZ", "program"),  # four letters starting with K
        ("AZZZ", "subject"),
        ("BZZZ", "subject"),
        ("CZZZ", "subject"),
        ("EZZZ", "subject"),
        ("MZZZ", "subject"),
        ("OZZZ", "subject"),
        ("PZZZ", "subject"),
        ("SZZZ", "subject"),
        ("TZZZ", "subject"),
        # Issue 29: a code that fits no shape is `unknown`; organisations are known from the table only.
        ("DZZZ", "unknown"),  # four letters, not a subject initial
        ("ZZZZZ", "unknown"),  # five letters
        ("ZZZ", "unknown"),  # three letters
        ("ZZ-1", "unknown"),
        ("TFGG01", "unknown"),
        ("OVIP (BIDEN, JOSEPH)", "person"),
        ("ZAYED, SULTAN", "person"),
        ("(STEINBERG, JAMES B.)", "person"),
        ("STEINBERG, JAMES", "person"),  # the parser's form of an unbracketed "OVIP STEINBERG JAMES"
        # Words with spaces and no comma are a free-text subject tag (a person tag has its comma).
        ("HUMAN RIGHTS", "subject"),
        ("ECONOMY AND FINANCE", "subject"),
    ],
)
def test_inferred_kind_for_unknown_codes(code, kind):
    assert code.strip().upper() not in all_codes()
    assert tag_kind(code) == kind


@pytest.mark.parametrize("code", ["QQ", "KZZZ", "AZZZ", "ZZZZZ", "TFGG01"])
def test_unknown_codes_have_no_name(code):
    assert tag_name(code) is None
    assert describe(code).name is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("OVIP (BIDEN, JOSEPH)", "Visit: Joseph Biden"),
        ("OVIP (CLINTON, HILLARY)", "Visit: Hillary Clinton"),
        ("OVIP (STEINBERG, JAMES B.)", "Visit: James B. Steinberg"),
        ("OVIP (OBAMA)", "Visit: Obama"),
        ("ZAYED, SULTAN", "Sultan Zayed"),
        ("AL-QADHAFI, MUAMMAR", "Muammar Al-Qadhafi"),
        ("(STEINBERG, JAMES B.)", "James B. Steinberg"),
        ("KDEM (SMITH, JOHN)", "Democratization: John Smith"),
        ("Biden, Joseph", "Joseph Biden"),
    ],
)
def test_person_tags(code, name):
    assert tag_kind(code) == "person"
    assert tag_name(code) == name
    assert describe(code) == Tag(code=code, kind="person", name=name)


def _tsv_lines() -> list[str]:
    text = resources.files("summarizer").joinpath("data", "tags.tsv").read_text(encoding="utf-8")
    return text.splitlines()


def test_tsv_rows_are_well_formed():
    lines = _tsv_lines()
    assert lines[0] == "code\tkind\tname"
    seen: set[str] = set()
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == 3, f"line {lineno}: {line!r}"
        code, kind, name = fields
        assert code == code.strip() and name == name.strip(), f"line {lineno}: stray whitespace"
        assert re.fullmatch(r"[A-Z][A-Z0-9-]*", code), f"line {lineno}: bad code {code!r}"
        assert kind in KINDS and kind != "person", f"line {lineno}: bad kind {kind!r}"
        assert name, f"line {lineno}: empty name"
        assert code not in seen, f"line {lineno}: duplicate code {code}"
        seen.add(code)
    assert len(seen) >= 300
    assert set(all_codes()) == seen


def test_table_kinds_match_code_shapes():
    for code, (kind, _) in all_codes().items():
        if re.fullmatch(r"[A-Z]{4}", code):
            assert (kind == "program") == code.startswith("K"), code
        if kind == "geographic":
            assert re.fullmatch(r"[A-Z]{2}", code), code


def test_all_codes_returns_a_copy():
    codes = all_codes()
    codes["PREL"] = ("organisation", "changed")
    codes["NEW"] = ("subject", "new")
    assert all_codes()["PREL"] == ("subject", "External political relations")
    assert "NEW" not in all_codes()


def test_train_corpus_coverage():
    path = DATA / "cables-train.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    counts: collections.Counter[str] = collections.Counter()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            counts.update(json.loads(line).get("tags") or [])
    total = sum(counts.values())
    named = sum(n for code, n in counts.items() if tag_name(code) is not None)
    assert total > 0
    assert named / total >= 0.95, f"only {named}/{total} tag occurrences have a name"
