"""Issue "Summaries a reader can trust", parts 3 and 4: routing lines stay out of the body, the own
summary opens at "Summary.", metadata from the pasted text alone, and TAGS phrases that are no codes.

One synthetic cable per rule, then real cables for the hard cases (read from ../shared/data, as
tests/test_parse_golden.py does; skipped when the shared data is absent).
"""
from __future__ import annotations

import pytest

from shared_data import DATA, SPLITS, records
from summarizer.parsing import parse
from summarizer.parsing import header as h
from summarizer.parsing.clean import is_noise, strip_inline_page_headers


def real(cid: str) -> dict:
    if not all(path.is_file() for path in SPLITS):
        pytest.skip(f"shared data not found at {DATA}")
    recs = records(frozenset(REAL_IDS), SPLITS)
    assert cid in recs, cid
    return recs[cid]


REAL_IDS = {"09TRIPOLI293", "08BAKU768", "09THEHAGUE668", "07HARARE1073", "09TRIPOLI221",
            "04NEWDELHI6983", "05DUBLIN286", "06AMMAN3564", "08JEDDAH84", "10TRIPOLI112", "05SANAA1352",
            "03THEHAGUE1865", "88BAGHDAD28", "00HARARE5461", "09MOSCOW2353", "09BUENOSAIRES1147", "06MANAGUA1002",
            "02ROME1725", "06REYKJAVIK68", "05MADRID2478", "06KIEV1261", "06ABUDHABI1725"}


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


# --- B. "Summary." opens the own summary ------------------------------------------------------

SUMMARY_HEAD = "CONFIDENTIAL\nSUBJECT: X\nTAGS: PREL\n\n"


@pytest.mark.parametrize("opening", ["1. Summary.", "1. (C) Summary.", "Summary.", "1. SUMMARY.", "¶1. (SBU) Summary."])
def test_summary_with_a_period_opens_the_summary(opening: str) -> None:
    c = parse(SUMMARY_HEAD + opening + " The minister met. End Summary.\n\n2. (C) Other text.\n")
    assert c.summary == "The minister met."
    assert "The minister met." not in c.body


def test_summary_period_alone_as_a_paragraph() -> None:
    c = parse(SUMMARY_HEAD + "1. (C) Summary.\n\n2. (C) The minister met. End Summary.\n\n3. (C) Other text.\n")
    assert c.summary == "The minister met."
    assert c.body == "Other text."


# --- C. Metadata from the pasted text alone ----------------------------------------------------

PARTIAL = """\
This record is a partial extract of the original cable. The full text of the original cable is not available.

Wednesday, 06 April 2005, 13:56
S E C R E T SECTION 01 OF 03 NEW DELHI 002606
SIPDIS
EO 12958 DECL: 04/05/2015
TAGS PREL, PK, IN
SUBJECT: TALKS
REF: A. 05 NEW DELHI 1234 B. STATE 5678
Classified By: Ambassador David C. Mulford. Reasons 1.4 (B, D)
1. (S) Text.
"""


def test_partial_extract_id_from_section_line_and_date_line() -> None:
    c = parse(PARTIAL)
    assert c.id == "05NEWDELHI2606"  # never the reference's 05NEWDELHI1234
    assert c.date == "2005-04-06T13:56"


def test_cable_dated_line() -> None:
    assert h.parse_date_line("Cable dated:2005-05-23T14:26:00\n") == "2005-05-23T14:26"


def test_id_from_dtg_and_classification_line() -> None:
    raw = "P 061356Z APR 05\nFM AMEMBASSY NEW DELHI\nTO SECSTATE WASHDC 1\n\nS E C R E T NEW DELHI 002606\n\nTAGS: PREL IN\nSUBJECT: X\n\n1. (S) Text.\n"
    c = parse(raw)
    assert (c.id, c.date, c.origin) == ("05NEWDELHI2606", "2005-04-06T13:56", "Embassy New Delhi")


def test_no_year_no_id() -> None:
    raw = "UNCLAS SECTION 01 OF 02 BRASILIA 001066\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: ETRD BR\nSUBJECT: X\n\n1. (U) Text.\n"
    c = parse(raw)
    assert c.id is None  # a DECL date is no creation date: the year is not guessed
    assert any("no cable id" in w for w in c.warnings)


def test_section_line_wrapped_after_section_number() -> None:
    raw = "P 190618Z FEB 08\nFM AMCONSUL JEDDAH\nTO SECSTATE WASHDC 1\n\nC O N F I D E N T I A L SECTION 01\nOF 02 JEDDAH 000084\nSIPDIS\nTAGS: PREL SA\nSUBJECT: X\n\n1. (C) Text.\n"
    assert parse(raw).id == "08JEDDAH84"


def test_another_cables_classification_line_under_a_routing_block() -> None:
    raw = ("DE RUEHAM #3564 1410853\nP 210853Z MAY 06\nFM AMEMBASSY AMMAN\nTO RUEHC/SECSTATE WASHDC 0506\n\n"
           "C O N F I D E N T I A L SECTION 01 OF 04 PARIS 004247\n\nTAGS: PREL FR\nSUBJECT: X\n\n1. (C) Text.\n")
    assert parse(raw).id == "06AMMAN3564"


def test_two_posts_and_no_de_serial_give_no_id() -> None:
    raw = "R 021258Z JAN 88\nFM AMEMBASSY BAGHDAD\nTO SECSTATE WASHDC 9118\n\nSECRET STATE 068250\n\nTAGS: PREL IZ\nSUBJECT: X\n\n1. (S) Text.\n"
    assert parse(raw).id is None


def test_two_routing_blocks_give_no_id() -> None:
    raw = ("O R 111519Z FEB 10\nFM AMEMBASSY ASUNCION\nTO RUEHC/SECSTATE WASHDC 0489\n\n"
           "O 092220Z JAN 09\nFM AMEMBASSY ASUNCION\nTO RUEHC/SECSTATE WASHDC 7509\n\n"
           "C O N F I D E N T I A L ASUNCION 000013\n\nTAGS: PREL PA\nSUBJECT: X\n\n1. (C) Text.\n")
    assert parse(raw).id is None


def test_page_table_id_when_it_matches_the_classification_line() -> None:
    table = "9608\n\n2003-07-23\n\n03THEHAGUE1865\n\nEmbassy The Hague\n\nCONFIDENTIAL\n\n"
    raw = "C O N F I D E N T I A L THE HAGUE 001865\n\nTAGS: PREL NL\nSUBJECT: X\n\n" + table + "1. (C) Text.\n"
    c = parse(raw)
    assert (c.id, c.date, c.origin) == ("03THEHAGUE1865", "2003-07-23", "Embassy The Hague")
    other = raw.replace("03THEHAGUE1865\n", "03THEHAGUE1866\n")
    assert parse(other).id is None


@pytest.mark.parametrize(("line", "cls", "station", "serial"), [
    ("C O N F I D E N T I A L TOKYO 003797", "CONFIDENTIAL", "TOKYO", "3797"),
    ("O N F I D E N T I A L SECTION 01 OF 04 LAGOS 000014", "CONFIDENTIAL", "LAGOS", "14"),  # first letter lost
    ("C C O N F I D E N T I A L SECTION 01 OF 02 MADRID 000779", "CONFIDENTIAL", "MADRID", "779"),  # doubled
    ("SS E C R E T TUNIS 000679", "SECRET", "TUNIS", "679"),
    ("C O N F I D E N T I A LCAIRO 000079", "CONFIDENTIAL", "CAIRO", "79"),  # run into the station
    ("UUNCLAS MANAGUA 001002", "UNCLASSIFIED", "MANAGUA", "1002"),
    ("NCLAS SECTION 01 OF 02 BRASILIA 001017", "UNCLASSIFIED", "BRASILIA", "1017"),
    ("LIMITED OFFICIAL USE PARIS 000001", "LIMITED OFFICIAL USE", "PARIS", "1"),
])
def test_damaged_classification_lines(line: str, cls: str, station: str, serial: str) -> None:
    assert (h.parse_classification(line), h.parse_station_serial(line)) == (cls, (station, serial))


@pytest.mark.parametrize("header", ["BUENOS AIR 00000118  002 OF 006", "BUENOS AIRES 00000118  002 OF 006"])
def test_inline_page_header_with_the_station_cut_to_ten_characters(header: str) -> None:
    text = f"the Central Bank to accumulate a strong reserve {header} position. The ADDIS team"
    assert strip_inline_page_headers(text, "BUENOS AIRES") == "the Central Bank to accumulate a strong reserve position. The ADDIS team"


@pytest.mark.parametrize("line", ["SECRETARY 001234", "CONFIDENTIALLY 0012"])
def test_words_that_open_like_a_classification_are_no_classification_line(line: str) -> None:
    assert h.parse_classification(line) is None


@pytest.mark.parametrize("glued", ["MOSCOW 002353SIPDISDEPT FOR EUR/RUS E.O. 12958: DECL: 09/14/2019TAGS: EPET RS",
                                   "MOSCOW 002353 C O R R E C T E D C O P Y - ADDED SIPDIS E.O. 12958: N/A TAGS: EPET RS"])
def test_serial_with_the_next_lines_run_onto_it(glued: str) -> None:
    raw = ("Cable dated:2009-09-14T13:52:00C O N F I D E N T I A L SECTION 01 OF 03 " + glued
           + "\n\nSUBJECT: X\n\n1. (C) Text.\n")
    c = parse(raw)
    assert (c.id, c.classification, [t.code for t in c.tags]) == ("09MOSCOW2353", "CONFIDENTIAL", ["EPET", "RS"])


@pytest.mark.parametrize(("cid", "date"), [("05DUBLIN286", "2005-03-08T14:11"),
                                           ("06AMMAN3564", "2006-05-21T08:53"), ("08JEDDAH84", "2008-02-19T06:18"),
                                           ("03THEHAGUE1865", "2003-07-23"), ("09MOSCOW2353", "2009-09-14T13:52"),
                                           ("09BUENOSAIRES1147", "2009-10-21T14:34"), ("06MANAGUA1002", "2006-05-05T15:56")])
def test_real_ids_from_raw_alone(cid: str, date: str) -> None:
    c = parse(real(cid)["raw"])
    assert (c.id, c.date) == (cid, date)


@pytest.mark.parametrize("cid", ["10TRIPOLI112", "88BAGHDAD28", "00HARARE5461"])
def test_real_untrustworthy_ids_are_left_out(cid: str) -> None:
    # A serial cut short, two posts named, no year in the text: no id rather than a wrong one.
    assert parse(real(cid)["raw"]).id is None


# --- D. A readable phrase on the TAGS line is one free-text tag, not one code per word ------------
# (issue 29: a free-text subject tag stays one tag; it was dropped before, and "AND" became a tag)

def test_tags_trailing_phrase_is_one_tag() -> None:
    assert h.parse_tags("TAGS PHUM, PREL, PTER, IN, PK, Human Rights") == ["PHUM", "PREL", "PTER", "IN", "PK", "HUMAN RIGHTS"]


def test_tags_lower_cased_line_keeps_every_code() -> None:
    assert h.parse_tags("Tags: mtcre, parm, prel, ir") == ["MTCRE", "PARM", "PREL", "IR"]


def test_tags_short_mixed_case_code_is_kept() -> None:
    assert h.parse_tags("TAGS: PREL, PGOV, Pk") == ["PREL", "PGOV", "PK"]


def test_real_tags_phrase() -> None:
    assert parse(real("04NEWDELHI6983")["raw"]).tag_codes == ["PREL", "PGOV", "PHUM", "PTER", "SNAR", "IN", "BM", "CN", "INDIA-BURMA"]


# --- Doubled quotation marks (the escaping of Cablegate's CSV fields) and its comma apostrophes ------

QUOTED = """\
CONFIDENTIAL ROME 001725

TAGS: PREL IT
SUBJECT: BERLUSCONI'S ""PERSONAL REQUEST""

1. (C) Berlusconi made a ""personal request"" to the President.  He called it ""urgent.""  Italy,s
view: ""we can,t wait,"" reasons 1.4 (b,d).  Rome called it &a scandal.8 at 0.8 percent, in 1998 and Q&A.
"""


def test_doubled_quotation_marks_read_as_one_and_offsets_stay_true() -> None:
    c = parse(QUOTED)
    assert c.subject == 'BERLUSCONI\'S "PERSONAL REQUEST"'
    [p] = c.paragraphs
    assert p.text == ('Berlusconi made a "personal request" to the President. He called it "urgent." '
                      'Italy\'s view: "we can\'t wait," reasons 1.4 (b,d). '
                      'Rome called it "a scandal." at 0.8 percent, in 1998 and Q&A.')  # the pages' other marks too
    assert QUOTED[p.start:p.end].endswith('in 1998 and Q&A.')


def test_real_cable_with_doubled_quotation_marks() -> None:
    rec = real("02ROME1725")
    assert '""PERSONAL REQUEST""' in rec["raw"]
    c = parse(rec["raw"], rec)
    assert not any('""' in t for t in [c.subject or "", c.summary or "", *texts(c)])
    assert any('A "PERSONAL REQUEST" TO PRESIDENT BUSH' in t for t in [c.summary or "", *texts(c)])
    undoubled_raw = rec["raw"].replace('""', '"')
    undoubled = parse(undoubled_raw, rec)  # the offsets are those of the same text undoubled
    for para, same in zip(c.paragraphs, undoubled.paragraphs, strict=True):
        assert para.text == same.text
        assert rec["raw"][para.start:para.end].replace('""', '"') == undoubled_raw[same.start:same.end]


# --- A sentence cut by a page header or "SIPDIS" between blank lines is one paragraph ----------------

CUT = """\
CONFIDENTIAL MADRID 002478

TAGS: PREL SP
SUBJECT: NEW AMBASSADOR MEETS MORATINOS

1. (C) He said President Bush and Secretary Rice want him to turn a new, fresh page in the

SIPDIS
relationship, with the Ambassador as the face of the Administration.

2. (C) Moratinos listed what Spain wants from the

Madrid 00002478  002 of 002

new relationship. He named three things:

a. more visits;

b. trade.
"""


def test_a_sentence_cut_by_sipdis_or_a_page_header_is_one_paragraph() -> None:
    c = parse(CUT)
    assert texts(c) == [
        "He said President Bush and Secretary Rice want him to turn a new, fresh page in the relationship, "
        "with the Ambassador as the face of the Administration.",
        "Moratinos listed what Spain wants from the new relationship. He named three things:",
        "a. more visits;",  # list items after a lead-in stay their own paragraphs
        "b. trade.",
    ]
    assert [p.number for p in c.paragraphs[:2]] == [1, 2]
    assert CUT[c.paragraphs[1].start:c.paragraphs[1].end].endswith("He named three things:")


@pytest.mark.parametrize(("cid", "cut_at"), [
    ("06REYKJAVIK68", "plans are in place (if any) to undertake documentation of trafficking?"),  # a page header
    ("05MADRID2478", "a new, fresh page in the relationship, with the Ambassador"),  # "SIPDIS" after "Secretary"
    ("06ABUDHABI1725", 'Hamas, "with some pressure," would understand the need'),  # a quotation's comma
])
def test_real_sentences_cut_across_a_break_are_joined(cid: str, cut_at: str) -> None:
    rec = real(cid)
    c = parse(rec["raw"], rec)
    assert any(cut_at in t for t in texts(c))


@pytest.mark.parametrize(("line", "noise"), [
    ("Kiev 00001261 002 of 004", True),
    ("Dubai 00000056 002.2 of 002", True),
    ("This record is a partial extract of the original cable. The full text of the original cable is not available.", True),
    ("The minister of finance 00001261 resigned", False),
])
def test_mixed_case_page_header_is_noise_beside_the_partial_extract_line(line: str, noise: bool) -> None:
    assert is_noise(line) is noise


def test_real_mixed_case_page_headers_are_no_paragraphs() -> None:
    rec = real("06KIEV1261")
    c = parse(rec["raw"], rec)
    assert "Kiev 00001261 002 of 004" in rec["raw"]
    assert not any("00001261" in t for t in texts(c))
