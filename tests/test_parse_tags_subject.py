"""Issue 29's TAGS and SUBJECT items: what the reference parser reads that ours did not.

Small synthetic headers for each rule, and the real cables (by id) that show it.
"""
from __future__ import annotations

import pytest

from shared_data import DATA, SPLITS, records
from summarizer.parsing import parse
from summarizer.parsing import header as h
from summarizer.parsing.tag_line import tag_codes
from summarizer.tags import describe

HEAD = "C O N F I D E N T I A L TOKYO 003797\n\nE.O. 12958: DECL: 07/06/2016\n{tags}\n{subject}\n\n1. (C) Text.\n"


def cable(tags: str = "TAGS: PREL JA", subject: str = "SUBJECT: A SUBJECT"):
    return parse(HEAD.format(tags=tags, subject=subject))


# --- TAGS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # a free-text subject tag is one tag, whatever its case; a joiner is never a tag of its own
    ("PREL, ECONOMY AND FINANCE", ["PREL", "ECONOMY AND FINANCE"]),
    ("PHUM, OPRC, IT, HUMAN RIGHTS", ["PHUM", "OPRC", "IT", "HUMAN RIGHTS"]),
    ("PREL PGOV IT ITALY NATIONAL ELECTIONS", ["PREL", "PGOV", "IT", "ITALY NATIONAL ELECTIONS"]),
    ("PREL, Human Rights", ["PREL", "HUMAN RIGHTS"]),
    # short unknown words may be codes: kept apart
    ("MARR BR POL MIL", ["MARR", "BR", "POL", "MIL"]),
    # an unbracketed person after OVIP: surname, given names
    ("OVIP STEINBERG JAMES PREL MNUC CH", ["OVIP", "STEINBERG, JAMES", "PREL", "MNUC", "CH"]),
    ("OVIP ZOELLICK ROBERT US", ["OVIP", "ZOELLICK, ROBERT", "US"]),
    ("OVIP WWARD PREL", ["OVIP", "WWARD", "PREL"]),  # one word: no person to name
    ("PREL OVIP (BIDEN, JOSEPH) US", ["PREL", "OVIP (BIDEN, JOSEPH)", "US"]),
    # glued codes: split only into real codes
    ("KFRDKIRFPHUM", ["KFRD", "KIRF", "PHUM"]),
    ("VTPREL PGOV", ["VT", "PREL", "PGOV"]),
    ("KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG", ["KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG"]),  # KOCI is no code
    ("MTCRE PARM", ["MTCRE", "PARM"]),  # five letters: one code, never "MT" + "CRE"
    # page-header words wrapped into the field are no tags
    ("PGOV, PREL, ZI, SA CONFIDENTIAL PAGE 02", ["PGOV", "PREL", "ZI", "SA"]),
    ("PREL SECRET 02 JA", ["PREL", "JA"]),
    # two letters swapped in a known code
    ("ECON ENGR EPET", ["ECON", "ENRG", "EPET"]),
    ("ENIV ETRD", ["EINV", "ETRD"]),
])
def test_tag_codes(text: str, expected: list[str]) -> None:
    assert tag_codes(text) == expected


@pytest.mark.parametrize("label", ["TAGS:", "TAGS;", "TAGE", "TAS:", "Tags:", "TAGS"])
def test_tags_labels_misspelt_or_odd(label: str) -> None:
    assert cable(tags=f"{label} PREL PGOV JA").tag_codes == ["PREL", "PGOV", "JA"]


def test_tags_label_in_lower_case_mid_line() -> None:
    c = cable(tags="E.o. 12958: decl: 01/07/2014 Tags: prel, pgov, tu Subject: turkish p.m. goes to washington",
              subject="")
    assert c.tag_codes == ["PREL", "PGOV", "TU"]
    assert c.subject == "turkish p.m. goes to washington"


def test_tags_continuation_lines() -> None:
    assert cable(tags="TAGS: PREL PBTS PHSA PGOV EWWT ETRD CB FR PM RS\nSY, TU, GG").tag_codes == \
        ["PREL", "PBTS", "PHSA", "PGOV", "EWWT", "ETRD", "CB", "FR", "PM", "RS", "SY", "TU", "GG"]


def test_tag_kinds() -> None:
    kinds = {t.code: t.kind for t in cable(tags="TAGS: PREL OVIP STEINBERG JAMES JA ZZZZZ, HUMAN RIGHTS").tags}
    assert kinds == {"PREL": "subject", "OVIP": "subject", "STEINBERG, JAMES": "person", "JA": "geographic",
                     "ZZZZZ": "unknown", "HUMAN RIGHTS": "subject"}
    assert describe("STEINBERG, JAMES").name == "James Steinberg"


# --- SUBJECT -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("SUBJECT SAG AGREES TO TALKS", "SAG AGREES TO TALKS"),  # no colon
    ("UBJECT: SAG AGREES TO TALKS", "SAG AGREES TO TALKS"),  # damaged label
    ("SUBJECT: THE STATE OF PARTIES IN PERU Ref(s): A) LIMA 12", "THE STATE OF PARTIES IN PERU"),
    ("SUBJECT: THE STATE OF PARTIES IN PERU REF: LIMA 12", "THE STATE OF PARTIES IN PERU"),
    ("SUBJECT: FTAA COMPROMISE POSSIBLE Classified By: Janice Fair", "FTAA COMPROMISE POSSIBLE"),
    ("SUBJECT: FTAA COMPROMISE POSSIBLE Classified By Janice Fair, reasons 1.4 b", "FTAA COMPROMISE POSSIBLE"),
    ("SUBJECT: PAPERS CLASSIFIED BY THE MINISTRY", "PAPERS CLASSIFIED BY THE MINISTRY"),
    # the handling caveat run onto the subject (09CAIRO1046, 04THEHAGUE2735)
    ("SUBJECT: H1N1 OUTBREAK SHUTS DOWN AUC Sensitive but Unclassified. Please handle accordingly.", "H1N1 OUTBREAK SHUTS DOWN AUC"),
    ("SUBJECT: CAUTIOUS DUTCH REACTION THIS CABLE IS SENSITIVE BUT UNCLASSIFIED.", "CAUTIOUS DUTCH REACTION"),
    ("SUBJECT: AT&amp;T AND &quot;OPEN SKIES&quot;", 'AT&T AND "OPEN SKIES"'),
    ("SUBJECT: A TRADE \\\nAGREEMENT SIGNED", "A TRADE AGREEMENT SIGNED"),  # a line-end backslash
    ("SUBJECT: MEETS WITH ZIMBABWE\n CONFIDENTIAL\nPAGE 02 HARARE 06677 01 OF 03 291400Z OPPOSITION LEADER",
     "MEETS WITH ZIMBABWE OPPOSITION LEADER"),  # a page header wrapped into the subject
    ("SUBJECT: A SNAPSHOT OF THE NORTHEAST\nKABUL 00001239  001.6 of 005", "A SNAPSHOT OF THE NORTHEAST"),
])
def test_subject(line: str, expected: str) -> None:
    assert h.parse_subject("TAGS: PREL\n" + line + "\n") == expected


def test_subject_to_is_no_label() -> None:
    assert h.label_of("SUBJECT TO THE APPROVAL OF THE MINISTRY") is None


# --- real cables ---------------------------------------------------------------------------------

REAL_IDS = frozenset({"09BEIJING2964", "02ROME1196", "00HARARE6677", "04ANKARA348", "07IRANRPODUBAI43"})


def real(cid: str) -> dict:
    if not all(path.is_file() for path in SPLITS):
        pytest.skip(f"shared data not found at {DATA}")
    recs = records(REAL_IDS, SPLITS)
    assert cid in recs, cid
    return recs[cid]


@pytest.mark.parametrize(("cid", "tags"), [
    ("09BEIJING2964", ["OVIP", "STEINBERG, JAMES", "PREL", "MNUC", "SN", "CH", "KN"]),
    ("02ROME1196", ["PHUM", "OPRC", "IT", "HUMAN RIGHTS"]),  # ITPHUM glued, HUMAN RIGHTS one tag
    ("00HARARE6677", ["PGOV", "PREL", "ECON", "PINR", "ZI", "SA"]),
    ("04ANKARA348", ["PREL", "PGOV", "PINS", "TU"]),  # lower-case "Tags:" mid-line
    ("07IRANRPODUBAI43", ["ECON", "ENRG", "EPET", "PGOV", "IR"]),  # ENGR: a typo of ENRG
])
def test_real_tags(cid: str, tags: list[str]) -> None:
    assert parse(real(cid)["raw"]).tag_codes == tags


@pytest.mark.parametrize(("cid", "subject"), [
    ("00HARARE6677", "ASSISTANT SECRETARY MEETS WITH ZIMBABWE OPPOSITION LEADER"),
    ("04ANKARA348", "turkish p.m. Erdogan goes to washington: how strong a leader in the face of strong challenges?"),
])
def test_real_subject(cid: str, subject: str) -> None:
    assert parse(real(cid)["raw"]).subject == subject
