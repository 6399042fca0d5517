"""Golden tests: the seed example and a handful of real cables, one per source format.

Expected fields live in `tests/fixtures/parser/<ID>.json`; they were written by reading each raw
text by hand (see each file's `note`), not by dumping the parser's output. The cables are parsed from
their text alone (no page metadata), so the header fields test the parser itself; `with_hints`
checks that page metadata fills what the text lacks. The real cables come from
`../shared/data/cables-dev.jsonl.gz`; those tests are skipped when the shared data is absent.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from shared_data import DEV, records
from summarizer.parsing import NOT_A_CABLE, parse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "parser"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))


def fixture(cid: str) -> dict:
    return json.loads((FIXTURES / f"{cid}.json").read_text(encoding="utf-8"))


def dev_records() -> dict[str, dict]:
    return records(frozenset(c for c in CASES if fixture(c)["source"] == "dev"))


def record(cid: str) -> dict:
    fx = fixture(cid)
    if fx["source"] == "seed":
        raw = resources.files("summarizer").joinpath("data", "examples", f"{cid}.txt").read_text(encoding="utf-8")
        return {"id": cid, "raw": raw}
    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DEV}")
    recs = dev_records()
    assert cid in recs, f"{cid} not in {DEV}"
    return recs[cid]


def test_fixtures_cover_the_formats() -> None:
    formats = " ".join(fixture(c)["format"] for c in CASES)
    for fmt in ("export", "cablegate_html", "cablegate_pre_txt", "mongo_json_flat", "plusd_pdf", "plusd_txt", "partial extract"):
        assert fmt in formats
    assert 6 <= len(CASES) <= 10


@pytest.mark.parametrize("cid", CASES)
def test_golden(cid: str) -> None:
    exp = fixture(cid)["expect"]
    raw = record(cid)["raw"]
    c = parse(raw)
    got = c.to_json()

    for key in ("id", "date", "classification", "origin", "subject", "tags", "references", "classified_by",
                "classification_reasons", "signer", "summary"):
        if key in exp:
            assert got[key] == exp[key], key
    if "summary_prefix" in exp:
        assert c.summary and c.summary.startswith(exp["summary_prefix"]), c.summary
        assert c.summary.endswith(exp["summary_suffix"]), c.summary
        assert c.summary not in c.body
        assert exp["summary_prefix"] not in c.body
    if "comment_prefix" in exp:
        assert c.comment and c.comment.startswith(exp["comment_prefix"]), c.comment
        if "comment_suffix" in exp:
            assert c.comment.endswith(exp["comment_suffix"]), c.comment

    if "paragraph_numbers" in exp:
        assert [p.number for p in c.paragraphs] == exp["paragraph_numbers"]
    if "numbered_paragraphs" in exp:
        assert [p.number for p in c.paragraphs if p.number is not None] == exp["numbered_paragraphs"]
    if "markings" in exp:
        assert [p.marking for p in c.paragraphs] == exp["markings"]
    numbered = {str(p.number): p for p in c.paragraphs if p.number is not None}
    for number, heading in exp.get("headings", {}).items():
        assert numbered[number].heading == heading, number
    if "body_paragraphs" in exp:
        assert len(c.body_paragraphs) == exp["body_paragraphs"]
    assert c.body.startswith(exp["body_prefix"]), c.body[:200]
    for text in exp.get("body_includes", []):
        assert text in c.body, text
    for text in exp.get("body_excludes", []):
        assert text not in c.body, text
    for text in exp.get("body_once", []):
        assert c.body.count(text) == 1, text

    assert NOT_A_CABLE not in c.warnings
    assert ("line breaks were lost: paragraphs recovered from paragraph numbers and labels" in c.warnings) == exp.get("flattened_warning", False)
    for p in c.paragraphs:  # offsets point at the paragraph in the raw text
        assert 0 <= p.start < p.end <= len(raw)
        first = p.text.split()[0]
        assert first in raw[p.start:p.end], (cid, p.number, first)


@pytest.mark.parametrize("cid", [c for c in CASES if "with_hints" in fixture(c)])
def test_golden_hints_fill_missing_metadata(cid: str) -> None:
    rec = record(cid)
    want = fixture(cid)["with_hints"]
    c = parse(rec["raw"], {k: v for k, v in rec.items() if k != "raw"})
    assert {k: getattr(c, k) for k in want} == want
    assert c.summary == parse(rec["raw"]).summary  # page metadata never changes the text's own fields


def test_seed_each_body_paragraph_once() -> None:
    """The export repeats the header and body three times: exactly one copy of each paragraph."""
    c = parse(record("06TOKYO3797")["raw"])
    texts = [p.text for p in c.paragraphs]
    assert len(texts) == len(set(texts)) == 7
    assert c.summary.startswith("Prime Minister Koizumi plans")
    assert c.tag_codes == ["PREL", "PTER", "ENRG", "RS", "JA"]
    assert any("repeated" in w for w in c.warnings)
