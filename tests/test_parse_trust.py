"""Issue "Summaries a reader can trust", parts 3 and 4: routing lines stay out of the body, the own
summary opens at "Summary.", metadata from the pasted text alone, and TAGS phrases that are no codes.

One synthetic cable per rule, then real cables for the hard cases (read from ../shared/data, as
tests/test_parse_golden.py does; skipped when the shared data is absent).
"""
from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

import pytest

from summarizer.parsing import parse
from summarizer.parsing import header as h

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SPLITS = ("cables-train.jsonl.gz", "cables-dev.jsonl.gz")


@cache
def _records(ids: frozenset[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in SPLITS:
        with gzip.open(SHARED / name, "rt", encoding="utf-8") as f:
            for line in f:
                if any(f'"{i}"' in line for i in ids):
                    rec = json.loads(line)
                    if rec["id"] in ids:
                        out[rec["id"]] = rec
    return out


def real(cid: str) -> dict:
    if not all((SHARED / name).is_file() for name in SPLITS):
        pytest.skip(f"shared data not found at {SHARED}")
    recs = _records(frozenset(REAL_IDS))
    assert cid in recs, cid
    return recs[cid]


REAL_IDS = {"09TRIPOLI293", "08BAKU768", "09THEHAGUE668", "07HARARE1073", "09TRIPOLI221",
            "04NEWDELHI6983", "05DUBLIN286", "06AMMAN3564", "08JEDDAH84", "10TRIPOLI112", "05SANAA1352",
            "03THEHAGUE1865", "88BAGHDAD28", "00HARARE5461"}


def texts(c) -> list[str]:
    return [p.text for p in c.paragraphs]


# --- A. Routing and distribution lines are header, not body ------------------------------------

ROUTED = """\
UNCLAS SECTION 01 OF 02 TRIPOLI 000293

SIPDIS

STATE FOR NEA/MAG, Commerce for Nate Mason, energy for gina erikson
DEPT PLEASE PASS TO USTR
USDOC FOR 4430/ITA/MAC

E.O. 12958: N/A
TAGS: ECON EPET LY
SUBJECT: LIBYA OIL NEWS

1. (U) Libya's oil output rose in March.
"""


def test_distribution_lines_before_the_fields_are_header() -> None:
    c = parse(ROUTED)
    assert texts(c) == ["Libya's oil output rose in March."]
    assert c.tag_codes == ["ECON", "EPET", "LY"]
    assert c.subject == "LIBYA OIL NEWS"


def test_fields_glued_onto_a_distribution_line_are_read() -> None:
    raw = ("UNCLAS TRIPOLI 000293\n\nSIPDIS\n\n"
           "STATE FOR NEA/MAG, COMMERCE FOR NATE MASON, ENERGY FOR GINA\n"
           "ERIKSON, CAS FINANCIAL ATTACHE (SEVERENS) LONDON AND PARIS FOR NEA WATCHER "
           "E.O. 12958: DECL: 6/4/2019 TAGS: ECON EPET ENRG EFIN EINV LY SUBJECT: LIBYA SIGNS A DEAL\n\n"
           "1. (U) Libya signed the deal on June 3.\n")
    c = parse(raw)
    assert c.tag_codes == ["ECON", "EPET", "ENRG", "EFIN", "EINV", "LY"]
    assert c.subject == "LIBYA SIGNS A DEAL"
    assert "no TAGS line found" not in c.warnings
    assert texts(c) == ["Libya signed the deal on June 3."]


def test_distribution_line_in_a_repeated_header_is_not_body() -> None:
    raw = ("C O N F I D E N T I A L BAKU 000768\n\nSIPDIS\n\nFOR EUR/CARC\n\nE.O. 12958: DECL: 08/13/2018\n"
           "TAGS: PREL AJ\nSUBJECT: AZERBAIJAN RESPONDS\n\n"
           "C O N F I D E N T I A L BAKU 000768\n\nSIPDIS\n\nIO/HR FOR PAUL KRUCHOWSKI\nUSUN NEW YORK FOR ELLEN GERMAIN\n\n"
           "E.O. 12958: DECL: 08/13/2018\nTAGS: PREL AJ\nSUBJECT: AZERBAIJAN RESPONDS\n\n"
           "1. (C) Baku kept a low profile.\n")
    assert texts(parse(raw)) == ["Baku kept a low profile."]


@pytest.mark.parametrize("line", [
    "STATE FOR NEA/MAG, Commerce for Nate Mason, energy for gina erikson",
    "PASS TO USTR FOR ROSA WHITAKER",
    "STATE PASS USTR",
    "DEPT FOR EAP/J",
    "USDOC FOR 4430/ITA/MAC",
    "NEW DELHI PLEASE PASS TO FBI DIRECTOR MUELLER",
    "SIPDIS FOR EUR/CARC",
])
def test_distribution_line_shapes(line: str) -> None:
    assert h.is_distribution_line(line)


@pytest.mark.parametrize("line", [
    "SENSITIVE BUT UNCLASSIFIED, NOT FOR INTERNET DISTRIBUTION",
    "THE EMBASSY IS GRATEFUL FOR THE SUPPORT",
    "ELECTIONS SCHEDULED FOR SUMMER WILL BE HELD",
    "The minister asked for more time.",
    "II. COMPLETED ACTIONS FOR THE REPORTING PERIOD",
])
def test_prose_is_no_distribution_line(line: str) -> None:
    assert not h.is_distribution_line(line)


def test_unnumbered_prose_after_the_fields_is_kept() -> None:
    raw = ("UNCLAS TOKYO 000123\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PREL JA\nSUBJECT: TALKS\n\n"
           "STATE FOR THE RECORD: the talks went well.\n\nThe minister agreed.\n")
    assert texts(parse(raw)) == ["STATE FOR THE RECORD: the talks went well.", "The minister agreed."]


def test_real_header_only_cable_has_no_body() -> None:
    # The page kept the header twice and no text: its one "paragraph" was the routing line.
    c = parse(real("08BAKU768")["raw"])
    assert c.paragraphs == []
    assert "no body paragraphs found" in c.warnings
    assert c.tag_codes == ["PREL", "PGOV", "PHUM", "GG", "AJ"]


@pytest.mark.parametrize("cid", ["09TRIPOLI293", "09THEHAGUE668", "07HARARE1073", "09TRIPOLI221"])
def test_real_routing_lines_left_the_body(cid: str) -> None:
    c = parse(real(cid)["raw"])
    assert c.paragraphs
    for t in texts(c)[:3]:
        assert not h.is_distribution_line(t), t
    assert c.tags


def test_real_glued_tags_after_routing() -> None:
    c = parse(real("09TRIPOLI293")["raw"])
    assert c.tag_codes == ["ECON", "EIND", "EINV", "EPET", "ENRG", "ETRD", "PGOV", "LY"]
    assert texts(c)[0].startswith("Libya Oil Holdings Changes its Label Brand")
