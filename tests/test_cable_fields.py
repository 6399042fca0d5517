"""The reference parser's fields (issue 29): canonical ids, typed references, decl, transmission id,
partial, recipients, classifier, signers. Real cables by id where the shared data is present, and
small synthetic cases that run everywhere."""
from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.parsing import parse
from summarizer.parsing.canonical import STATIONS, canonical_id, canonical_station
from summarizer.parsing.fields import (is_partial, parse_decl, parse_recipients, parse_transmission_id,
                                       signers_of, split_classifier)
from summarizer.parsing.references import cable_ids, reference_items

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# --- canonical_id ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "year", "expected"), [
    ("08ECTION01OF02MANAMA492", None, "08MANAMA492"),  # garbled release ids of train+dev
    ("08SCTION02OF02SAOPAULO335", None, "08SAOPAULO335"),
    ("08SECTION01GF02BISHIEK21", None, "08BISHKEK21"),
    ("09SECTION01OF03SANJOSE525", None, "09SANJOSE525"),
    ("06 SECSTATE 0012", None, "06STATE12"),
    ("05HAGUE123", None, "05THEHAGUE123"),
    ("RIODEJAN 44", 2009, "09RIODEJANEIRO44"),
    ("(99) ROME 2196", None, "99ROME2196"),
    ("2007 MANAGUA 2135", None, "07MANAGUA2135"),
    ("PORT-OF-SPAIN 12", "07", "07PORTOFSPAIN12"),
    ("STATE 131559", 2006, "06STATE131559"),
    ("06TOKYO3797", None, "06TOKYO3797"),
    ("07TAIPEI1", None, "07TAIPEI1"),  # a station of the data is kept as the data writes it
    ("STATE 131559", None, None),  # no year: no id
    ("STEVENS EMAIL 5", 2008, None),  # no station
    ("", None, None),
    (None, None, None),
    ("9" * 500, None, None),
])
def test_canonical_id(text, year, expected) -> None:
    assert canonical_id(text, year) == expected


def test_stations_list_and_aliases() -> None:
    assert {"STATE", "THEHAGUE", "RIODEJANEIRO", "PORTOFSPAIN", "USUNNEWYORK", "MANAMA"} <= STATIONS
    assert canonical_station("AMEMBASSY THE HAGUE") == "THEHAGUE"
    assert canonical_station("SECSTATE WASHDC") == "STATE"
    assert canonical_station("OCT") is None


# --- references -----------------------------------------------------------------------------

def test_reference_items_kinds_letters_and_two_serials() -> None:
    items = reference_items("A. BRASILIA 2799 AND 2764 \u00b6B. PORT-OF-SPAIN 2325 C. LEE-GOLDSTEIN EMAIL 05/11/07 "
                            "D. CARTER TELCON E. (99) ROME 2196", "04")
    assert items == [
        {"id": "04BRASILIA2799", "kind": "cable", "letter": "A"},
        {"id": "04BRASILIA2764", "kind": "cable", "letter": "A"},
        {"id": "04PORTOFSPAIN2325", "kind": "cable", "letter": "B"},
        {"text": "LEE-GOLDSTEIN EMAIL 05/11/07", "kind": "email", "letter": "C"},
        {"text": "CARTER TELCON", "kind": "telcon", "letter": "D"},
        {"id": "99ROME2196", "kind": "cable", "letter": "E"},
    ]
    assert cable_ids(items) == ["04BRASILIA2799", "04BRASILIA2764", "04PORTOFSPAIN2325", "99ROME2196"]


def test_reference_page_header_is_not_a_reference() -> None:
    # 00HARARE5461: the second page's header runs into the REF line
    items = reference_items("HARARE 5346 CONFIDENTIAL PAGE 02 HARARE 05461 01 OF 02 271458Z", "00", "00HARARE5461")
    assert cable_ids(items) == ["00HARARE5346"]


def test_reference_year_before_next_station_is_no_serial() -> None:
    assert cable_ids(reference_items("08 STATE 123 07 LONDON 45")) == ["08STATE123", "07LONDON45"]


def test_references_in_a_parsed_cable() -> None:
    raw = ("O 280904Z DEC 05\nFM AMEMBASSY NEW DELHI\nTO RUEHC/SECSTATE WASHDC IMMEDIATE 7925\n\n"
           "C O N F I D E N T I A L NEW DELHI 009761\n\nE.O. 12958: DECL: 12/28/2015\nTAGS: PREL IN\n"
           "SUBJECT: A SUBJECT\n\nREF: A. SECSTATE 1234 B. HAGUE 55 C. SMITH EMAIL\n\n1. (C) Text.\n")
    c = parse(raw)
    assert c.id == "05NEWDELHI9761"
    assert c.references == ["05STATE1234", "05THEHAGUE55"]
    assert c.reference_items[-1] == {"text": "SMITH EMAIL", "kind": "email", "letter": "C"}
    assert c.to_json()["reference_items"] == c.reference_items


# --- the other fields -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("E.O. 12958: DECL: 07/06/2016", "2016-07-06"),
    ("E.O. 12958: DECL:  1/6/2016 ", "2016-01-06"),
    ("E.O. 12958: DECL: 2016/07/06", "2016-07-06"),
    ("E.O. 12958: DECL: 06/07/16", "2016-06-07"),
    ("E.O. 12958: DECL: 28/12/2015", "2015-12-28"),  # day first where the month cannot be
    ("E.O. 12958: DECL: 07/06/2016TAGS: PREL", "2016-07-06"),
    ("E.O. 12958: DECL: OADR", None),
    ("E.O. 12958: DECL: TWENTY YEARS", None),
    ("E.O. 12958: N/A", None),
    ("DECL: 13/13/2016", None),
])
def test_decl(text, expected) -> None:
    assert parse_decl(text) == expected


def test_transmission_id_and_partial() -> None:
    assert parse_transmission_id("VZCZCXYZ0033\nPP RUEHWEB\n") == "VZCZCXYZ0033"
    assert parse_transmission_id("no telegram line") is None
    assert is_partial("This record is a partial extract of the original cable. The full text ...")
    assert not is_partial("C O N F I D E N T I A L TOKYO 003797")


def test_recipients_to_and_info() -> None:
    head = ("FM AMEMBASSY NEW DELHI\nTO RUEHC/SECSTATE WASHDC IMMEDIATE 4086\nINFO RUEHBJ/AMEMBASSY BEIJING 9416\n"
            "RHEHNSC/NSC WASHDC\n\nC O N F I D E N T I A L NEW DELHI 009761\n")
    to, info = parse_recipients(head)
    assert to == [{"route": "RUEHC", "name": "SECSTATE WASHDC", "precedence": "IMMEDIATE", "serial": "4086"}]
    assert info == [{"route": "RUEHBJ", "name": "AMEMBASSY BEIJING", "precedence": None, "serial": "9416"},
                    {"route": "RHEHNSC", "name": "NSC WASHDC", "precedence": None, "serial": None}]
    # 08ISLAMABAD525's shape: no route, right under the FM line; a flattened block on one line
    assert parse_recipients("FM AMEMBASSY ISLAMABAD\nTO JOINT STAFF WASHINGTON DC IMMEDIATE\n\nS E C R E T")[0] == [
        {"route": None, "name": "JOINT STAFF WASHINGTON DC", "precedence": "IMMEDIATE", "serial": None}]
    to, info = parse_recipients("TO RUEHC/SECSTATE WASHDC PRIORITY 12 INFO RUEHLO/AMEMBASSY LONDON 3")
    assert [r["name"] for r in to] == ["SECSTATE WASHDC"] and [r["name"] for r in info] == ["AMEMBASSY LONDON"]
    assert parse_recipients("no routing") == ([], [])


@pytest.mark.parametrize(("who", "name", "title"), [
    ("Political Minister Counselor W. Michael Meserve", "W. Michael Meserve", "Political Minister Counselor"),
    ("A/DCM Geoff Pyatt", "Geoff Pyatt", "A/DCM"),
    ("Jeffrey Feltman, Ambassador", "Jeffrey Feltman", "Ambassador"),
    ("DCM Robert O. Blake, Jr", "Robert O. Blake Jr", "DCM"),
    ("CDA, a.i., Hugo Llorens", "Hugo Llorens", "CDA, a.i."),
    ("AMBASSADOR CAROL VAN VOORST", "CAROL VAN VOORST", "AMBASSADOR"),
    ("Political Minister-Counselor Kathleen H. Allegrone, reas ons", "Kathleen H. Allegrone", "Political Minister-Counselor"),
    ("Anne W. Patterson", "Anne W. Patterson", None),
])
def test_classifier(who, name, title) -> None:
    got = split_classifier(who, ["1.4(b)", "1.4(d)"])
    assert got == {"name": name, "title": title, "reasons": ["1.4(b)", "1.4(d)"]}


def test_classifier_none_and_signers() -> None:
    assert split_classifier(None) is None and split_classifier("  ") is None
    assert signers_of("VAN VOORST") == ["VAN VOORST"]
    assert signers_of("CRETZ  CRETZ") == ["CRETZ"]
    assert signers_of(None) == []


def test_signers_after_a_quoted_message_or_run_into_the_end_mark() -> None:
    assert signers_of("CLINTON UNQUOTE CLINTON") == ["CLINTON"]
    assert signers_of("CIANCHETTE UNQUOTE RICE") == ["RICE"]
    assert signers_of("BURNS##") == ["BURNS"]
    assert signers_of("UNQUOTE") == []
    raw = "UNCLAS STATE 125686\n\nTAGS: PREL CS\nSUBJECT: X\n\n1. (U) The aid arrived.\n\nCIANCHETTE\nUNQUOTE\n\nRICE\n"
    assert parse(raw).signers == ["RICE"]  # the name after UNQUOTE signs; the quoted message's is no signer


def test_a_signer_doubled_or_before_a_mixed_case_end_marker() -> None:
    head = "UNCLAS STATE 040904\n\nTAGS: PREL SY\nSUBJECT: X\n\n1. (U) Avoid visits to Damascus.\n\n"
    c = parse(head + "RICE\nRICE\n")
    assert c.signers == ["RICE"] and [p.text for p in c.paragraphs] == ["Avoid visits to Damascus."]
    c = parse(head + "Rice\n\n\nNnnn\nEnd Cable Text\n")  # 08STATE15220
    assert c.signers == ["Rice"] and [p.text for p in c.paragraphs] == ["Avoid visits to Damascus."]
    c = parse(head + "XXXXXXXXXXXX\nXXXXXXXXXXXX\nVERSHBOW\n")  # a redaction doubled is no signer (07SEOUL1576)
    assert c.signers == ["VERSHBOW"]


@pytest.mark.parametrize(("head", "paragraphs", "who", "reasons"), [
    # the label written twice, and "REASONS" broken by the line end
    ("Classified By: CLASSIFIED BY CHARGE D'AFFAIRES DANNY R. RUSSEL FOR REAS \nONS 1.5 (B AND D) \n", None,
     "CHARGE D'AFFAIRES DANNY R. RUSSEL", ["1.5(b)", "1.5(d)"]),
    # a name broken across a line
    ("CLASSIFIED BY: DCM ROBERT\nF. GODEC, REASONS 1.4 (B) AND (D)\n", None, "DCM ROBERT F. GODEC", ["1.4(b)", "1.4(d)"]),
    # inside the first paragraph, after its classification
    ("", ["CONFIDENTIAL - ENTIRE TEXT. CLASSIFIED BY DCM JOHN SMITH FOR REASONS 1.5 (B) AND (D).", "More."],
     "DCM JOHN SMITH", ["1.5(b)", "1.5(d)"]),
])
def test_classified_by_variants(head, paragraphs, who, reasons) -> None:
    from summarizer.parsing.header import parse_classified_by
    assert parse_classified_by("TAGS: PREL\nSUBJECT: X\n" + head, paragraphs) == (who, reasons)


def test_classifier_in_the_first_numbered_paragraph() -> None:
    c = parse("C O N F I D E N T I A L TOKYO 003797\n\nTAGS: PREL JA\nSUBJECT: X\n\n"
              "1. CONFIDENTIAL - ENTIRE TEXT. CLASSIFIED BY DCM JOHN SMITH FOR REASONS 1.5 (B) AND (D).\n\n2. (C) Talks.\n")
    assert c.classifier == {"name": "JOHN SMITH", "title": "DCM", "reasons": ["1.5(b)", "1.5(d)"]}


def test_new_fields_never_raise_on_odd_text() -> None:
    for raw in ["", "\x00" * 50, "TO " * 5000, "REF: " + "A. " * 3000, "DECL: 99/99/9999", "VZCZC" * 1000]:
        c = parse(raw)
        assert isinstance(c.to_json()["reference_items"], list)
        assert c.partial in (True, False)


# --- real cables ----------------------------------------------------------------------------

REAL = {
    # id: (field, expected)
    "05NEWDELHI9761": [("transmission_id", "VZCZCXRO7638"), ("decl", "2015-12-28"),
                       ("classifier", {"name": "Geoff Pyatt", "title": "A/DCM", "reasons": ["1.4(b)", "1.4(d)"]})],
    "08PANAMA851": [("references", ["08PANAMA820"])],  # REF: 2008 PANAMA 0820
    "08RANGOON749": [("reference_items", [{"id": "07STATE162091", "kind": "cable", "letter": "A"},
                                          {"text": "USDAO RANGOON IIR 6 812 0131 08", "kind": "report", "letter": "B"}])],
    "04MADRID3914": [("references", ["04MADRID3552", "04BRUSSELS4080"])],  # C) SAINZ E-MAIL is no cable
    "00HARARE5461": [("references", ["00HARARE5346"]), ("partial", True)],
    "05SANJOSE2413": [("references", ["05STATE122739"])],  # SECSTATE
    "04BRASILIA2863": [("references", ["04BRASILIA2799", "04BRASILIA2764", "04PORTAUPRINCE2325"])],
    "06REYKJAVIK102": [("signers", ["VAN VOORST"])],
    "09STATE127892": [("signers", ["CLINTON"])],  # "CLINTON UNQUOTE CLINTON"
    # "Ref: a. Iir 6 941 ..." / "(notal)" / "b. 08 baku 1119": the REF field goes on, and the classifier after it
    "09BAKU20": [("references", ["08BAKU1119", "09BAKU17"]), ("classified_by", "POL/ECON COUNSELOR ROB GARVERICK")],
    # "REASON: 1.4 (b), (d)" above a rule is the classifier's reasons, no heading
    "06VATICAN249": [("classification_reasons", ["1.4(b)", "1.4(d)"])],
    "08STATE125686": [("signers", ["RICE"])],  # "CIANCHETTE" / "UNQUOTE" / "" / "RICE"
    "05PARIS1699": [("classified_by", "POLITICAL MINISTER-COUNSELOR JOSIAH ROSENBLATT")],  # "..., FOR REAS ONS 1.4"
    "08ECTION01OF02MANAMA492": [("id", "08MANAMA492")],
}


@pytest.fixture(scope="module")
def real_cables() -> dict:
    paths = [DATA / "cables-dev.jsonl.gz", DATA / "cables-train.jsonl.gz"]
    if not all(p.exists() for p in paths):
        pytest.skip("shared data absent")
    from summarizer.inputs import read_records
    return {rec.id: rec for p in paths for rec in read_records(str(p)) if rec.id in REAL}


@pytest.mark.parametrize("cid", sorted(REAL))
def test_real_cable_fields(cid, real_cables) -> None:
    rec = real_cables[cid]
    c = parse(rec.raw, rec.hints)
    for name, expected in REAL[cid]:
        assert getattr(c, name) == expected, name


def test_pasted_partial_extract_without_a_year_has_its_origin_and_caveat() -> None:
    # issue 29: "UNCLAS SECTION 01 OF 05 BRASILIA 003122" showed Id, Date and Origin as "—"; the origin
    # needs no year, and the classification keeps its caveat
    raw = ("This record is a partial extract of the original cable. The full text of the original cable is not "
           "available.\n\nUNCLAS SENSITIVE SECTION 01 OF 05 BRASILIA 003122\n\nSIPDIS\n\nE.O. 12958: N/A\n"
           "TAGS: PREL BR\nSUBJECT: X\n\n1. (SBU) Text here.\n")
    c = parse(raw)
    assert (c.id, c.origin, c.classification, c.partial) == (None, "Embassy Brasilia", "UNCLASSIFIED//SENSITIVE", True)
    assert parse(raw.replace("BRASILIA", "SAO PAULO")).origin == "Consulate Sao Paulo"
