"""Table-driven cases for every hard case of issue 2, each a short synthetic snippet named by case.

Each table row is (case id, raw text, expectations). The cables are written for the test: a
minimal header (`HEAD`) and a few paragraphs that exercise one difficulty at a time.
"""
from __future__ import annotations

import re

import pytest

from summarizer.parsing import NOT_A_CABLE, parse

HEAD = """\
C O N F I D E N T I A L TOKYO 003797

SIPDIS

E.O. 12958: DECL: 07/06/2016
TAGS: PREL PTER JA
SUBJECT: JAPAN PLANS TO RAISE THE DISPUTE

Classified By: Political Counselor Jane Doe. Reasons 1.4 (b) and (d).

"""


def cable(body: str, head: str = HEAD) -> str:
    return head + body


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


# ---------------------------------------------------------------------------------------------
# The own summary. Row: (id, raw, summary (exact, None for no summary), texts the body must keep)
# ---------------------------------------------------------------------------------------------
SUMMARY_CASES = [
    (
        "summary_inside_paragraph_1",
        cable("1. (C) The minister met the ambassador on July 5. Summary: Japan will raise the\n"
              "island dispute at the summit. End Summary.\n\n2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The minister met the ambassador on July 5.", "The meeting lasted an hour."],
    ),
    (
        "summary_heading_with_rule",
        cable("SUMMARY\n-------\n\n1. (C) Japan will raise the island dispute at the summit.\n\n"
              "Background\n----------\n\n2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_heading_between_rules",
        cable("-------\nSUMMARY\n-------\n\n1. (C) Japan will raise the island dispute at the summit.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "end_summary_without_start",
        cable("1. (C) Japan will raise the island dispute at the summit. End Summary.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "start_without_end_summary",
        cable("1. (C) Summary: Japan will raise the island dispute at the summit.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_and_comment",
        cable("1. (C) Summary and Comment: Japan will raise the island dispute. We doubt it will\n"
              "help. End Summary and Comment.\n\n2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute. We doubt it will help.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_and_action_request",
        cable("1. (SBU) Summary and Action Request: Japan asks for talking points by July 10.\n"
              "End Summary and Action Request.\n\n2. (SBU) The meeting lasted an hour.\n"),
        "Japan asks for talking points by July 10.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_and_introduction",
        cable("1. (U) Summary and Introduction: This is the first of three cables on energy.\n"
              "End Summary and Introduction.\n\n2. (U) The meeting lasted an hour.\n"),
        "This is the first of three cables on energy.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_spans_paragraphs",
        cable("1. (C) Summary: Japan will raise the island dispute.\n\n"
              "2. (C) Russia is unlikely to move.\n\n"
              "3. (C) Pipeline talks continue. End Summary.\n\n"
              "4. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute.\nRussia is unlikely to move.\nPipeline talks continue.",
        ["The meeting lasted an hour."],
    ),
    (
        "end_summary_split_over_lines",
        cable("1. (C) Summary: Japan will raise the island dispute at the summit. End\n"
              "Summary.\n\n2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "end_summary_split_capitals",
        cable("1. (C) SUMMARY: JAPAN WILL RAISE THE ISLAND DISPUTE AT THE SUMMIT. END\n"
              "SUMMARY.\n\n2. (C) THE MEETING LASTED AN HOUR.\n"),
        "JAPAN WILL RAISE THE ISLAND DISPUTE AT THE SUMMIT.",
        ["THE MEETING LASTED AN HOUR."],
    ),
    (
        "summay_typo",
        cable("1. (C) Summay: Japan will raise the island dispute at the summit. End Summay.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "marking_after_the_word",
        cable("1. Summary: (SBU) Japan will raise the island dispute at the summit. End Summary.\n\n"
              "2. (SBU) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "marking_before_the_word_unnumbered",
        cable("(C) Summary: Japan will raise the island dispute at the summit. End Summary.\n\n"
              "(C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "begin_summary",
        cable("1. (C) BEGIN SUMMARY. Japan will raise the island dispute at the summit. END SUMMARY.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "begin_summary_alone_1970s_capitals",
        "R 250930Z FEB 72\nFM AMEMBASSY TEHRAN\nTO SECSTATE WASHDC 7561\n\n"
        "UNCLASSIFIED SECTION 01 OF 01 TEHRAN 1164\n\n"
        "TAGS: MASS MARR IR\nSUBJECT: ACCELERATION OF F-4ES FOR IRAN\n\n"
        "REF: TEHRAN 1091\n\n"
        "BEGIN SUMMARY\n\n"
        "GENERAL AZIMI ASKS THAT WE ACCELERATE DELIVERY OF F-4ES TO IRAN. END SUMMARY\n\n"
        "ACTION REQUESTED: COUNTRY TEAM RECOMMENDS US RESPOND FAVORABLY.\n\n"
        "¶1. ON FEB 24 CHARGE WAS CONVOKED BY MINISTER OF WAR.\n\n"
        "¶2. AZIMI RECALLED THE EARLIER REQUEST.\n",
        "GENERAL AZIMI ASKS THAT WE ACCELERATE DELIVERY OF F-4ES TO IRAN.",
        ["ACTION REQUESTED: COUNTRY TEAM RECOMMENDS US RESPOND FAVORABLY.", "ON FEB 24 CHARGE WAS CONVOKED BY MINISTER OF WAR."],
    ),
    (
        "all_capitals_1970s",
        "O 151200Z MAR 75\nFM AMEMBASSY TEHRAN\nTO SECSTATE WASHDC IMMEDIATE 2069\n\n"
        "C O N F I D E N T I A L TEHRAN 2069\n\n"
        "E.O. 11652: GDS\nTAGS: PFOR IR\nSUBJECT: SHAH'S VIEWS ON OIL PRICES\n\n"
        "1. SUMMARY: SHAH TOLD AMBASSADOR IRAN WILL NOT CUT PRICES THIS YEAR. END SUMMARY.\n\n"
        "2. IN A ONE-HOUR AUDIENCE THE SHAH REVIEWED THE MARKET.\n\nHELMS\n",
        "SHAH TOLD AMBASSADOR IRAN WILL NOT CUT PRICES THIS YEAR.",
        ["IN A ONE-HOUR AUDIENCE THE SHAH REVIEWED THE MARKET."],
    ),
    (
        "text_after_end_summary_stays_in_body",
        cable("1. (C) Summary: Japan will raise the island dispute. End Summary. The meeting began\n"
              "at noon in the Foreign Ministry.\n\n2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute.",
        ["The meeting began at noon in the Foreign Ministry.", "The meeting lasted an hour."],
    ),
    (
        "in_summary_phrase_is_not_a_label",
        cable("1. (C) The minister spoke for an hour. In summary, Japan sees no progress.\n\n"
              "2. (C) A summary of the talks will follow.\n"),
        None,
        ["In summary, Japan sees no progress.", "A summary of the talks will follow."],
    ),
    (
        "end_summary_in_parentheses",
        cable("1. (C) Summary: Japan will raise the island dispute at the summit. (End Summary)\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
    (
        "summary_dash",
        cable("1. (C) SUMMARY -- Japan will raise the island dispute at the summit. END SUMMARY.\n\n"
              "2. (C) The meeting lasted an hour.\n"),
        "Japan will raise the island dispute at the summit.",
        ["The meeting lasted an hour."],
    ),
]


@pytest.mark.parametrize(("raw", "summary", "keep"), [c[1:] for c in SUMMARY_CASES], ids=[c[0] for c in SUMMARY_CASES])
def test_summary(raw: str, summary: str | None, keep: list[str]) -> None:
    c = parse(raw)
    assert c.summary == summary
    for text in keep:
        assert text in c.body, f"{text!r} missing from the body"
    if summary:
        # The model-input rule: no sentence of the summary is left in the body.
        for part in summary.split("\n"):
            assert part not in c.body
        assert not re.search(r"(?i)\bend\s+summ", c.body), "the end marker leaked into the body"
        assert not re.search(r"(?im)^(?:begin\s+)?summa?r?y\b", c.body), "the start marker leaked into the body"
        assert c.summary_paragraphs, "the summary's paragraphs are not recorded"


def test_summary_text_before_marker_keeps_paragraph_number() -> None:
    c = parse(SUMMARY_CASES[0][1])
    first = c.paragraphs[0]
    assert (first.number, first.marking, first.text) == (1, "C", "The minister met the ambassador on July 5.")


def test_start_without_end_warns() -> None:
    c = parse(cable("1. (C) Summary: Japan will raise the dispute.\n\n2. (C) The meeting lasted an hour.\n"))
    assert any("no End Summary" in w for w in c.warnings)


def test_end_without_start_warns() -> None:
    c = parse(cable("1. (C) Japan will raise the dispute. End Summary.\n\n2. (C) The meeting lasted an hour.\n"))
    assert any("no start marker" in w for w in c.warnings)


# ---------------------------------------------------------------------------------------------
# TAGS. Row: (id, header lines between E.O. and SUBJECT, expected codes in order)
# ---------------------------------------------------------------------------------------------
TAGS_CASES = [
    ("plain", "TAGS: PREL PTER ENRG RS JA", ["PREL", "PTER", "ENRG", "RS", "JA"]),
    ("wrapped_over_lines", "TAGS: PREL PGOV ECON ETRD EAID KNNP\n      MARR JA", ["PREL", "PGOV", "ECON", "ETRD", "EAID", "KNNP", "MARR", "JA"]),
    ("wrapped_unindented", "TAGS: PREL PGOV ECON ETRD\nEAID JA", ["PREL", "PGOV", "ECON", "ETRD", "EAID", "JA"]),
    ("one_per_line_pdf", "TAGS: \nPGOV\n \nPREL\n \nVM", ["PGOV", "PREL", "VM"]),
    ("glued", "TAGS: VTPREL PGOV", ["VT", "PREL", "PGOV"]),
    ("glued_three", "TAGS: PRELPGOVJA", ["PREL", "PGOV", "JA"]),
    ("comma_separated", "TAGS: PREL, PGOV, SY", ["PREL", "PGOV", "SY"]),
    ("comma_no_space", "TAGS: PREL,PGOV,SY", ["PREL", "PGOV", "SY"]),
    ("tag_typo", "TAG PREL PGOV SY", ["PREL", "PGOV", "SY"]),
    ("tage_typo", "TAGE: PREL PGOV SY", ["PREL", "PGOV", "SY"]),
    ("lower_case_line", "Tags: prel, pgov, sy", ["PREL", "PGOV", "SY"]),
    ("no_colon", "TAGS PREL PGOV SY", ["PREL", "PGOV", "SY"]),
    ("person_tag", "TAGS: PREL OVIP (BIDEN, JOSEPH) US", ["PREL", "OVIP (BIDEN, JOSEPH)", "US"]),
    ("person_tag_first_comma_list", "TAGS OVIP (STEINBERG, JAMES B.), PREL, PGOV,\nCH, KN", ["OVIP (STEINBERG, JAMES B.)", "PREL", "PGOV", "CH", "KN"]),
    ("duplicates_dropped", "TAGS: PREL PREL JA", ["PREL", "JA"]),
]


@pytest.mark.parametrize(("tags_lines", "expected"), [c[1:] for c in TAGS_CASES], ids=[c[0] for c in TAGS_CASES])
def test_tags(tags_lines: str, expected: list[str]) -> None:
    raw = (
        "C O N F I D E N T I A L TOKYO 003797\n\nE.O. 12958: DECL: 07/06/2016\n"
        f"{tags_lines}\nSUBJECT: A SHORT SUBJECT\n\n1. (C) The minister met the ambassador.\n"
    )
    c = parse(raw)
    assert c.tag_codes == expected
    assert c.subject == "A SHORT SUBJECT"
    assert c.body == "The minister met the ambassador."


def test_person_tag_is_one_code_of_kind_person() -> None:
    c = parse(cable("1. (C) Text.\n", head=HEAD.replace("TAGS: PREL PTER JA", "TAGS: PREL OVIP (BIDEN, JOSEPH) US")))
    kinds = {t.code: t.kind for t in c.tags}
    assert kinds["OVIP (BIDEN, JOSEPH)"] == "person"
    assert kinds["PREL"] == "subject"
    assert kinds["US"] == "geographic"


def test_lower_case_header_lines() -> None:
    raw = (
        "Confidential\n\nE.o. 12958: decl: 07/06/2016\nTags: prel, pgov, sy\n"
        "Subject: syria: talks resume\n\nClassified by: Ambassador John Doe, reasons 1.4 (b) and (d)\n\n"
        "1. (C) Summary: The talks resumed. End summary.\n\n2. (C) The meeting lasted an hour.\n"
    )
    c = parse(raw)
    assert c.tag_codes == ["PREL", "PGOV", "SY"]
    assert c.subject == "syria: talks resume"
    assert c.classified_by == "Ambassador John Doe"
    assert c.classification_reasons == ["1.4(b)", "1.4(d)"]
    assert c.summary == "The talks resumed."
    assert c.body == "The meeting lasted an hour."


def test_header_labels_with_letters_that_case_folding_reads_as_others() -> None:
    """The labels are matched ignoring case, which also reads "ſ" as "s" and "İ" as "i": the header
    fields are found by their labels' literals in capitals, which must not lose these lines."""
    raw = (
        "C O N F I D E N T I A L TOKYO 003797\n\nE.O. 12958: DECL: 07/06/2016\nTaGſ: prel, pgov\n"
        "ſubject: talks resume\n\nClaſſİfied by: Ambassador John Doe, reasons 1.4 (b) and (d)\n\n"
        "1. (C) The talks resumed.\n\n2. (C) The meeting lasted an hour.\n"
    )
    c = parse(raw)
    assert c.tag_codes == ["PREL", "PGOV"]
    assert c.subject == "talks resume"
    assert c.classified_by == "Ambassador John Doe"
    assert c.classification_reasons == ["1.4(b)", "1.4(d)"]


# ---------------------------------------------------------------------------------------------
# Cleaning. Row: (id, body text after HEAD, expected paragraphs as (number, marking, text))
# ---------------------------------------------------------------------------------------------
CLEANING_CASES = [
    (
        "pilcrow_markers",
        "¶1. (C) First paragraph.\n\n¶2. (C) Second paragraph.\n",
        [(1, "C", "First paragraph."), (2, "C", "Second paragraph.")],
    ),
    (
        "paragraph_numbers_and_markings",
        "1. (C) Confidential text.\n\n2. (SBU) Sensitive text.\n\n3. (S//NF) Secret text.\n\n"
        "4. (U) Open text.\n\n5. (C/NF) More text.\n\n6. (S/REL UK) Shared text.\n",
        [(1, "C", "Confidential text."), (2, "SBU", "Sensitive text."), (3, "S/NF", "Secret text."),
         (4, "U", "Open text."), (5, "C/NF", "More text."), (6, "S/REL UK", "Shared text.")],
    ),
    (
        "number_without_marking",
        "1. The minister spoke.\n\n2. The ambassador replied.\n",
        [(1, None, "The minister spoke."), (2, None, "The ambassador replied.")],
    ),
    (
        "sipdis_and_sensitive_lines",
        "1. (C) The minister\nSIPDIS\nspoke at length.\n\nSENSITIVE\n\n2. (C) The ambassador replied.\n",
        [(1, "C", "The minister spoke at length."), (2, "C", "The ambassador replied.")],
    ),
    (
        "section_counter_between_pages",
        "1. (C) The minister spoke at length about the\n"
        "C O N F I D E N T I A L SECTION 02 OF 03 TOKYO 003797\n"
        "dispute over the islands.\n\n2. (C) The ambassador replied.\n",
        [(1, "C", "The minister spoke at length about the dispute over the islands."), (2, "C", "The ambassador replied.")],
    ),
    (
        "page_header_between_pages",
        "1. (C) THE MINISTER SPOKE AT LENGTH ABOUT THE\n"
        "PAGE 02        TOKYO  03797  01 OF 02  070408Z\n"
        "DISPUTE OVER THE ISLANDS.\n\n2. (C) THE AMBASSADOR REPLIED.\n",
        [(1, "C", "THE MINISTER SPOKE AT LENGTH ABOUT THE DISPUTE OVER THE ISLANDS."), (2, "C", "THE AMBASSADOR REPLIED.")],
    ),
    (
        "file_page_header",
        "1. (C) The minister spoke at length about the\n"
        "TOKYO 00003797  002 OF 003\n"
        "dispute over the islands.\n\n2. (C) The ambassador replied.\n",
        [(1, "C", "The minister spoke at length about the dispute over the islands."), (2, "C", "The ambassador replied.")],
    ),
    (
        "rules_with_headings",
        "1. (C) The minister spoke.\n\nThe Islands\n-----------\n\n2. (C) The ambassador replied.\n\n==========\n",
        [(1, "C", "The minister spoke."), (2, "C", "The ambassador replied.")],
    ),
    (
        "wrapped_lines_rejoined",
        "1. (C) The minister spoke at\nlength about the dispute\nover the islands.\n\n2. (C) The\nambassador replied.\n",
        [(1, "C", "The minister spoke at length about the dispute over the islands."), (2, "C", "The ambassador replied.")],
    ),
    (
        "numbered_lines_without_blank_lines",
        "1. (C) The minister spoke.\n2. (C) The ambassador replied.\n3. (C) Both left.\n",
        [(1, "C", "The minister spoke."), (2, "C", "The ambassador replied."), (3, "C", "Both left.")],
    ),
    (
        "wrapped_line_starting_with_a_number_is_not_a_paragraph",
        "1. (C) The minister said the budget would grow by\n2. percent next year.\n\n2. (C) The ambassador replied.\n",
        [(1, "C", "The minister said the budget would grow by 2. percent next year."), (2, "C", "The ambassador replied.")],
    ),
    (
        "spaces_and_tabs_collapsed",
        "1. (C)   The minister\tspoke   twice.\n",
        [(1, "C", "The minister spoke twice.")],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CLEANING_CASES], ids=[c[0] for c in CLEANING_CASES])
def test_cleaning(body: str, expected: list[tuple]) -> None:
    c = parse(cable(body))
    assert [(p.number, p.marking, p.text) for p in c.paragraphs] == expected
    for bad in ("¶", "SIPDIS", "SENSITIVE", "SECTION 02", "PAGE 02", "----", "===", "(C)", "(SBU)", "(S//NF)"):
        assert bad not in c.body


def test_rule_headings_are_kept_as_paragraph_headings() -> None:
    c = parse(cable("1. (C) The minister spoke.\n\nThe Islands\n-----------\n\n2. (C) The ambassador replied.\n"))
    assert c.paragraphs[1].heading == "The Islands"
    assert "The Islands" not in c.body


def test_double_spaced_cable_rejoins_wrapped_lines() -> None:
    # Some sources put a blank line after every wrapped line; only the paragraph numbers separate paragraphs.
    wrapped = ("1. (C) Summary: On July 19 the DCM paid a farewell call on\n\nthe closest advisor of the\n\n"
               "president, who spoke of the bilateral relationship. End Summary.\n\n"
               "2. (C) The advisor said the government would\n\nkeep its regional policy and\n\n"
               "the DCM thanked him for his\n\ncooperation over three years.\n\n"
               "3. (C) They parted on good terms and agreed\n\nto meet again in the autumn.\n")
    c = parse(cable(wrapped, head=HEAD.replace("\n", "\n\n")))
    assert c.summary == ("On July 19 the DCM paid a farewell call on the closest advisor of the president, "
                         "who spoke of the bilateral relationship.")
    assert [p.number for p in c.paragraphs] == [1, 2, 3]
    assert c.tag_codes == ["PREL", "PTER", "JA"]


def test_unwrapped_paragraphs_between_blank_lines_are_not_double_spacing() -> None:
    long = "spoke at length about the island dispute and the coming summit in July, and then left. " * 2
    body = "".join(f"{i}. (C) Minister {i} {long}\n\n" for i in range(1, 12))
    c = parse(cable(body))
    assert [p.number for p in c.paragraphs] == list(range(1, 12))


def test_partial_extract_line_dropped() -> None:
    raw = "This record is a partial extract of the original cable. The full text of the original cable is not available.\n\n" + cable(
        "1. (C) The minister spoke.\n"
    )
    c = parse(raw)
    assert c.tag_codes == ["PREL", "PTER", "JA"]
    assert c.body == "The minister spoke."
    assert "partial extract" not in c.body


def test_partial_extract_with_page_headers_and_routing_block() -> None:
    raw = (
        "This record is a partial extract of the original cable. The full text of the original cable is not available.\n"
        "2000HANOI00686 - CONFIDENTIAL\n \n"
        "                           CONFIDENTIAL     PTQ0683\n"
        "PAGE 01        HANOI  00686  01 OF 07  050821Z \n"
        "ACTION EAP-00   \n"
        "INFO  LOG-00   NP-00    AID-00   ACQ-00\n"
        "      NFAT-00  SAS-00     /023W\n"
        "                  ------------------47E1B3  050822Z /38    \n"
        "FM AMEMBASSY HANOI\nTO SECSTATE WASHDC PRIORITY 9479\n"
        "C O N F I D E N T I A L SECTION 01 OF 07 HANOI 000686 \n \nSIPDIS \n \n"
        "                       CONFIDENTIAL \n \n"
        "PAGE 02        HANOI  00686  01 OF 07  050821Z \n"
        "STATE ALSO FOR EAP DAS BOYCE\n \n"
        "E.O. 12958: DECL: 3/21/2020 \nTAGS: \nPGOV\n \nPREL\n \nVM\n"
        "SUBJECT: VIETNAM IDEOLOGICALLY COMMITTED TO STATE-LED ECONOMIC DEVELOPMENT \n \n"
        "REF: A) HANOI 637   B) HANOI 232 \n \n"
        "(U) CLASSIFIED BY POLITICAL COUNSELOR JAMES BRUNO; \nREASONS 1.5 (B) AND (D). \n \n"
        "------- \nSUMMARY \n------- \n \n"
        "¶1. (C) SENIOR LEADERS RECENTLY HAVE EMPHASIZED FAMILIAR THEMES.\n \n"
        "¶2. (C) THE PARTY GUIDES THE ECONOMY.\n"
    )
    c = parse(raw)
    assert c.tag_codes == ["PGOV", "PREL", "VM"]
    assert c.origin == "Embassy Hanoi"
    assert c.id == "00HANOI686"
    assert c.classification == "CONFIDENTIAL"
    assert c.references == ["00HANOI637", "00HANOI232"]
    assert c.classified_by == "POLITICAL COUNSELOR JAMES BRUNO"
    assert c.classification_reasons == ["1.5(b)", "1.5(d)"]
    assert c.summary == "SENIOR LEADERS RECENTLY HAVE EMPHASIZED FAMILIAR THEMES."
    assert c.body == "THE PARTY GUIDES THE ECONOMY."


# ---------------------------------------------------------------------------------------------
# Header fields
# ---------------------------------------------------------------------------------------------
BARE = """\
O 070408Z JUL 06
FM AMEMBASSY TOKYO
TO SECSTATE WASHDC IMMEDIATE 4086
INFO AMEMBASSY MOSCOW PRIORITY 1128
BT
C O N F I D E N T I A L SECTION 01 OF 02 TOKYO 003797

SIPDIS

E.O. 12958: DECL: 07/06/2016
TAGS: PREL PTER ENRG RS JA
SUBJECT: RUSSO-JAPANESE RELATIONS: POST-SUMMIT
PROGRESS

REF: A. TOKYO 6356 B. 05 MOSCOW 1234 C. STATE 131559

Classified By: Political Minister Counselor W. Michael Meserve. Reason
: 1.4 (b)(d).

1. (C) Summary: Prime Minister Koizumi plans to raise the Northern
Territories. End Summary.

2. (C) Progress has been made on five of the 12 agreements.

3. (C) Comment: Japan is more flexible on the pipeline. End Comment.

SCHIEFFER
"""

HEADER_CASES = [
    ("id_from_dtg_year_station_serial", "id", "06TOKYO3797"),
    ("date_iso_from_dtg", "date", "2006-07-07T04:08"),
    ("classification_spaced_letters", "classification", "C O N F I D E N T I A L".replace(" ", "")),
    ("origin_embassy", "origin", "Embassy Tokyo"),
    ("subject_wrapped", "subject", "RUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS"),
    ("tags", "tag_codes", ["PREL", "PTER", "ENRG", "RS", "JA"]),
    ("references_lettered", "references", ["06TOKYO6356", "05MOSCOW1234", "06STATE131559"]),
    ("classified_by", "classified_by", "Political Minister Counselor W. Michael Meserve"),
    ("reason_codes", "classification_reasons", ["1.4(b)", "1.4(d)"]),
    ("signer", "signer", "SCHIEFFER"),
    ("comment", "comment", "Japan is more flexible on the pipeline."),
    ("summary", "summary", "Prime Minister Koizumi plans to raise the Northern Territories."),
]


@pytest.mark.parametrize(("attr", "expected"), [c[1:] for c in HEADER_CASES], ids=[c[0] for c in HEADER_CASES])
def test_bare_pasted_cable_fields(attr: str, expected) -> None:
    """A cable pasted by a person, with no metadata at all: everything comes from the text."""
    assert getattr(parse(BARE), attr) == expected


def test_bare_pasted_cable_body_and_warnings() -> None:
    c = parse(BARE)
    assert c.body_paragraphs == ["Progress has been made on five of the 12 agreements.", "Comment: Japan is more flexible on the pipeline. End Comment."]
    assert "SCHIEFFER" not in c.body
    assert NOT_A_CABLE not in c.warnings
    assert not any("line breaks were lost" in w for w in c.warnings)


ORIGIN_CASES = [
    ("embassy", "FM AMEMBASSY TOKYO", "Embassy Tokyo"),
    ("embassy_two_words", "FM AMEMBASSY NEW DELHI", "Embassy New Delhi"),
    ("consulate", "FM AMCONSUL HONG KONG", "Consulate Hong Kong"),
    ("mission", "FM USMISSION GENEVA", "Mission Geneva"),
    ("secstate", "FM SECSTATE WASHDC", "Secretary of State"),
    ("routing_prefix_and_precedence", "FM RUEHKO/AMEMBASSY TOKYO IMMEDIATE 0123", "Embassy Tokyo"),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in ORIGIN_CASES], ids=[c[0] for c in ORIGIN_CASES])
def test_origin(line: str, expected: str) -> None:
    raw = f"O 070408Z JUL 06\n{line}\nTO SECSTATE WASHDC 1234\n" + cable("1. (C) Text.\n")
    assert parse(raw).origin == expected


CLASSIFICATION_CASES = [
    ("spaced_confidential", "C O N F I D E N T I A L TOKYO 003797", "CONFIDENTIAL", "06TOKYO3797"),
    ("spaced_secret_section", "S E C R E T SECTION 01 OF 04 BEIJING 002965", "SECRET", "06BEIJING2965"),
    ("unclas", "UNCLAS SECTION 01 OF 02 STATE 012345", "UNCLASSIFIED", "06STATE12345"),
    ("limited_official_use", "LIMITED OFFICIAL USE NEW DELHI 005135", "LIMITED OFFICIAL USE", "06NEWDELHI5135"),
    ("noforn_suffix", "S E C R E T//NOFORN BAGHDAD 000123", "SECRET//NOFORN", "06BAGHDAD123"),  # the caveat kept (issue 29)
    ("sensitive_caveat", "UNCLAS SENSITIVE SECTION 01 OF 05 BRASILIA 003122", "UNCLASSIFIED//SENSITIVE", "06BRASILIA3122"),
    ("station_wrapped", "C O N F I D E N T I A L SECTION 01 OF 04 THE\nHAGUE 002047", "CONFIDENTIAL", "06THEHAGUE2047"),
]


@pytest.mark.parametrize(("line", "cls", "cid"), [c[1:] for c in CLASSIFICATION_CASES], ids=[c[0] for c in CLASSIFICATION_CASES])
def test_classification_line(line: str, cls: str, cid: str) -> None:
    # No FM line: an FM line naming another post than the classification line's would make the id
    # untrustworthy (two cables' headers run together; tests/test_parse_trust.py).
    raw = f"O 070408Z JUL 06\n\n{line}\n\nTAGS: PREL JA\nSUBJECT: A SUBJECT\n\n1. (C) Text.\n"
    c = parse(raw)
    assert c.classification == cls
    assert c.id == cid


REASON_CASES = [
    ("b_and_d", "Classified By: Ambassador John Doe for reasons 1.4 (b) and (d).", "Ambassador John Doe", ["1.4(b)", "1.4(d)"]),
    ("slash", "Classified By: DCM Jane Roe, reasons 1.4 b/d", "DCM Jane Roe", ["1.4(b)", "1.4(d)"]),
    ("comma_capitals", "CLASSIFIED BY: POLOFF J. SMITH. REASON: 1.5 (B, D)", "POLOFF J. SMITH", ["1.5(b)", "1.5(d)"]),
    ("wrapped_reason", "Classified By: Political Minister Counselor W. Michael Meserve. Reason\n: 1.4 (b)(d).", "Political Minister Counselor W. Michael Meserve", ["1.4(b)", "1.4(d)"]),
    ("marked_u", "(U) Classified by Charge d'Affaires A. Person, reason 1.4(c).", "Charge d'Affaires A. Person", ["1.4(c)"]),
]


@pytest.mark.parametrize(("line", "who", "reasons"), [c[1:] for c in REASON_CASES], ids=[c[0] for c in REASON_CASES])
def test_classified_by(line: str, who: str, reasons: list[str]) -> None:
    raw = f"C O N F I D E N T I A L TOKYO 003797\n\nTAGS: PREL JA\nSUBJECT: A SUBJECT\n\n{line}\n\n1. (C) Text.\n"
    c = parse(raw)
    assert (c.classified_by, c.classification_reasons) == (who, reasons)
    assert c.body == "Text."


REFERENCE_CASES = [
    ("single", "REF: TOKYO 06356", ["TOKYO 6356"]),
    ("lettered", "REF: A. STATE 131559 B. BERLIN 1770", ["STATE 131559", "BERLIN 1770"]),
    ("with_year", "REF: 05 TOKYO 1234", ["05TOKYO1234"]),
    ("parenthesised_letters", "REF: A) HANOI 637   B) HANOI 232", ["HANOI 637", "HANOI 232"]),
    ("wrapped", "REFS: A. STATE 131559\n     B. BERLIN 1770", ["STATE 131559", "BERLIN 1770"]),
    ("reftel_label", "REFTEL: NEW DELHI 5135", ["NEWDELHI 5135"]),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in REFERENCE_CASES], ids=[c[0] for c in REFERENCE_CASES])
def test_references(line: str, expected: list[str]) -> None:
    raw = f"C O N F I D E N T I A L TOKYO 003797\n\nTAGS: PREL JA\nSUBJECT: A SUBJECT\n\n{line}\n\n1. (C) Text.\n"
    c = parse(raw)
    assert c.references == expected
    assert c.body == "Text."


# ---------------------------------------------------------------------------------------------
# Formats: the export format, flattened text, a bare text that is not a cable
# ---------------------------------------------------------------------------------------------
_EXPORT_BLOCK = """\
C O N F I D E N T I A L TOKYO 003797
SIPDIS
E.O. 12958: DECL: 07/06/2016
TAGS: PREL PTER ENRG RS JA
SUBJECT: RUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS
REF: TOKYO 06356
Classified By: Political Minister Counselor W. Michael Meserve. Reason
: 1.4 (b)(d).
"""
_EXPORT_BODY = """\
1. (C) Summary: Prime Minister Koizumi plans to raise the
Northern Territories. End Summary.
Progress on Bilateral Agreements
--------------
2. (C) Progress has been made on five of the 12 bilateral
agreements.
3. (C) Comment. Nakamura's expressions of flexibility
represent a more lenient approach.
SCHIEFFER
"""
EXPORT = (
    "Identifier\nCreated\nClassification\nOrigin\n06TOKYO3797\n2006-07-07 04:08:00\nCONFIDENTIAL\nEmbassy Tokyo\n"
    "Cable title:\nRUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS\n"
    "VZCZCXYZ0033 OO RUEHWEB DE RUEHKO #3797/01 1880408 ZNY CCCCC ZZH O 070408Z JUL 06 FM AMEMBASSY TOKYO TO RUEHC/SECSTATE WASHDC IMMEDIATE 4086\n"
    + _EXPORT_BLOCK + _EXPORT_BLOCK + _EXPORT_BODY + _EXPORT_BLOCK + _EXPORT_BODY
)


def test_export_format_one_copy() -> None:
    c = parse(EXPORT)
    assert c.id == "06TOKYO3797"
    assert c.date == "2006-07-07T04:08"
    assert c.classification == "CONFIDENTIAL"
    assert c.origin == "Embassy Tokyo"
    assert c.subject == "RUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS"
    assert c.tag_codes == ["PREL", "PTER", "ENRG", "RS", "JA"]
    assert c.summary == "Prime Minister Koizumi plans to raise the Northern Territories."
    assert c.body_paragraphs == [
        "Progress has been made on five of the 12 bilateral agreements.",
        "Comment. Nakamura's expressions of flexibility represent a more lenient approach.",
    ]
    assert [p.number for p in c.paragraphs] == [1, 2, 3]
    assert c.signer == "SCHIEFFER"
    assert any("repeated" in w for w in c.warnings)


def test_export_format_label_value_pairs() -> None:
    raw = ("Identifier: 06TOKYO3797\nCreated: 2006-07-07 04:08\nClassification: CONFIDENTIAL\nOrigin: Embassy Tokyo\n"
           "Cable title: RUSSO-JAPANESE RELATIONS\n" + _EXPORT_BLOCK + _EXPORT_BODY)
    c = parse(raw)
    assert (c.id, c.date, c.origin) == ("06TOKYO3797", "2006-07-07T04:08", "Embassy Tokyo")
    assert c.summary == "Prime Minister Koizumi plans to raise the Northern Territories."
    assert len(c.body_paragraphs) == 2


FLAT = (
    "VZCZCXYZ0005 OO RUEHWEB DE RUEHEG #1229 1820722 ZNY CCCCC ZZH O 010722Z JUL 09 FM AMEMBASSY CAIRO "
    "TO RUEHC/SECSTATE WASHDC IMMEDIATE 3056 C O N F I D E N T I A L CAIRO 001229 SIPDIS FOR NEA/ELA "
    "E.O. 12958: DECL: 07/01/2029 TAGS: PREL PGOV PHUM SNAR EG SUBJECT: INTERIOR MINISTRY EAGER TO CONTINUE "
    "POLICE TRAINING REF: A. CAIRO 892 B. CAIRO 694 Classified By: Acting DCM Haynes Mahoney for reason 1.4 (b). "
    "1. (C) Summary: The Interior Ministry wants the police training program to continue and will tell the "
    "Foreign Ministry so. End Summary. 2. (C) In a June 30 meeting with the head of international relations, "
    "the Acting DCM urged a positive response to our April 21 note on the community policing program. "
    "3. (C) The general repeatedly stressed the ministry's interest in continuing the program, which he called "
    "beneficial for both countries. We will follow up with the Foreign Ministry. SCOBEY"
)


def test_flattened_one_line() -> None:
    assert "\n" not in FLAT and len(FLAT) > 600
    c = parse(FLAT)
    assert c.tag_codes == ["PREL", "PGOV", "PHUM", "SNAR", "EG"]
    assert c.subject == "INTERIOR MINISTRY EAGER TO CONTINUE POLICE TRAINING"
    assert c.references == ["09CAIRO892", "09CAIRO694"]
    assert c.id == "09CAIRO1229"
    assert c.origin == "Embassy Cairo"
    assert c.summary == "The Interior Ministry wants the police training program to continue and will tell the Foreign Ministry so."
    assert [p.number for p in c.paragraphs] == [1, 2, 3]
    assert c.body.startswith("In a June 30 meeting")
    assert "Summary" not in c.body
    assert any("line breaks were lost" in w for w in c.warnings)


def test_short_flattened_header_fields_do_not_swallow_each_other() -> None:
    raw = "TAGS: PREL JA SUBJECT: JAPAN AND THE ISLANDS 1. (C) Summary: Japan will raise the dispute. End Summary. 2. (C) The meeting lasted an hour."
    c = parse(raw)
    assert c.tag_codes == ["PREL", "JA"]
    assert c.subject == "JAPAN AND THE ISLANDS"
    assert c.summary == "Japan will raise the dispute."
    assert c.body == "The meeting lasted an hour."


@pytest.mark.parametrize(
    "raw",
    ["Dear John, thanks for lunch yesterday. See you soon.", "hello", "", "   \n\n  ", "1 2 3 4 5"],
    ids=["a_letter", "one_word", "empty", "blank_lines", "numbers"],
)
def test_not_a_cable_is_flagged(raw: str) -> None:
    c = parse(raw)
    assert NOT_A_CABLE in c.warnings
    assert c.summary is None and c.tags == []


def test_bare_paragraphs_are_a_cable() -> None:
    """A person pasting only the body: numbered, marked paragraphs are enough to call it a cable."""
    c = parse("1. (C) Summary: Japan will raise the dispute. End Summary.\n\n2. (C) The meeting lasted an hour.\n")
    assert NOT_A_CABLE not in c.warnings
    assert c.summary == "Japan will raise the dispute."
    assert c.body == "The meeting lasted an hour."
    assert "no TAGS line found" in c.warnings and c.id is None


def test_hints_fill_what_the_text_lacks() -> None:
    c = parse("1. (C) The meeting lasted an hour.\n", {"id": "06TOKYO3797", "date": "2006-07-07 04:08", "tags": ["prel", "ja"], "origin": "Embassy Tokyo"})
    assert (c.id, c.date, c.tag_codes, c.origin) == ("06TOKYO3797", "2006-07-07T04:08", ["PREL", "JA"], "Embassy Tokyo")


# ---------------------------------------------------------------------------------------------
# Offsets and the model-input rule
# ---------------------------------------------------------------------------------------------
OFFSET_CASES = [("bare", BARE), ("export", EXPORT), ("flattened", FLAT), ("summary_in_paragraph_1", SUMMARY_CASES[0][1]),
                ("crlf", BARE.replace("\n", "\r\n"))]


@pytest.mark.parametrize("raw", [c[1] for c in OFFSET_CASES], ids=[c[0] for c in OFFSET_CASES])
def test_paragraph_offsets_point_into_raw(raw: str) -> None:
    c = parse(raw)
    assert c.paragraphs
    for p in c.paragraphs:
        assert 0 <= p.start < p.end <= len(raw)
        first_words = " ".join(p.text.split()[:2])
        assert first_words in norm(raw[p.start:p.end]), (p, raw[p.start:p.end])


@pytest.mark.parametrize("raw", [c[1] for c in SUMMARY_CASES if c[2]] + [BARE, EXPORT, FLAT],
                         ids=[c[0] for c in SUMMARY_CASES if c[2]] + ["bare", "export", "flattened"])
def test_summary_never_in_body(raw: str) -> None:
    c = parse(raw)
    assert c.summary
    assert c.summary not in c.body
    for sentence in re.split(r"(?<=[.!?])\s+|\n", c.summary):
        if len(sentence) > 15:
            assert sentence not in c.body


# ---------------------------------------------------------------------------------------------
# Header blocks repeated or run together before the body (cablegate_html pages)
# ---------------------------------------------------------------------------------------------
ROUTED_HEAD = "FM AMEMBASSY MADRID\nTO RUEHC/SECSTATE WASHDC PRIORITY 5244\n\n"


def test_header_repeated_on_one_line_is_not_body() -> None:
    """'C O N F I D E N T I A L MADRID 000897 SIPDIS ... E.O. ... TAGS: ...' glued onto one line after the
    header (08MADRID897): the TAGS line, the answer to the tags task, must not reach the model's input."""
    raw = (ROUTED_HEAD + HEAD + "REF: A. STATE 87254\n    ...\n\n"
           "C O N F I D E N T I A L MADRID 000897 SIPDIS DEPARTMENT FOR EUR/WE E.O. 12958: DECL: 08/31/2018 "
           "TAGS: MOPS PREL PHUM SP\n\n1. (C) Spain followed the EU lead on the crisis.\n")
    c = parse(raw)
    assert "TAGS" not in c.body and "E.O." not in c.body
    assert c.body_paragraphs == ["Spain followed the EU lead on the crisis."]
    assert c.tag_codes == ["PREL", "PTER", "JA"]


def test_ruled_summary_heading_right_after_tags() -> None:
    """A TAGS field may continue over blank lines, but a rule or a line that is not codes ends it: the
    ruled 'Summary' heading after it (08RIYADH868, 09RIYADH1557) opens the own summary."""
    for heading in ("-------\nSummary\n--------", "Summary and introduction\n------------------------"):
        raw = ("C O N F I D E N T I A L RIYADH 000868\n\nE.O. 12958: DECL: 06/03/2018\nTAGS: EPET ENRG SA\n\n"
               f"{heading}\n\n¶1. (C) Minister Naimi offered more oil.\n\n-------\nComment\n-------\n\n¶2. (C) Prices stayed high.\n")
        c = parse(raw)
        assert c.summary == "Minister Naimi offered more oil.", heading
        assert c.tag_codes == ["EPET", "ENRG", "SA"]
        assert c.body_paragraphs == ["Prices stayed high."]


# The end-of-message marker "NNNN": the signer before it (alone, run into the last sentence or glued to
# the marker) is the signer; what follows (the page's trailer or another message) is not body text.
END_OF_MESSAGE_CASES = [
    ("alone_after_signer", "1. (C) The minister agreed.\n\nBARNES\n\n\nNNNN\n", "BARNES", 0),
    ("glued_to_signer", "1. (C) The minister agreed.\nHALL NNNN 2004ROME02926 - Classification: CONFIDENTIAL\n", "HALL", 0),
    ("run_into_sentence", "1. (C) The minister agreed. HOAGLAND\nNNNN\n", "HOAGLAND", 0),
    ("same_line", "1. (C) The minister agreed. HARDT NNNN 2004VATICA03196 - Classification: CONFIDENTIAL\n", "HARDT", 0),
    ("another_message_after", "1. (C) The minister agreed.\n\nBERRY\n\nNNNN\nO 161036Z DEC 04 FM USLO TRIPOLI\n"
     "TO SECSTATE WASHDC IMMEDIATE\n", "BERRY", 2),
]


@pytest.mark.parametrize("name, body, signer, after", END_OF_MESSAGE_CASES, ids=[c[0] for c in END_OF_MESSAGE_CASES])
def test_end_of_message_marker(name: str, body: str, signer: str, after: int) -> None:
    c = parse(cable(body))
    assert c.body_paragraphs == ["The minister agreed."]
    assert c.signer == signer
    assert "NNNN" not in c.body
    left_out = [w for w in c.warnings if "end-of-message marker" in w]
    assert left_out == ([f"{after} line(s) after the end-of-message marker NNNN left out (trailer or another message)"]
                        if after else [])


# An end marker on the last line looks like a lone name ("End Summary.", "END COMMENT."): it closes the
# text above and is no signer; a name after it on the same line is. Row: (id, body, signer, summary, comment)
END_MARKER_LINE_CASES = [
    ("end_summary_alone", "1. (U) Summary: The talks resumed.\n\n2. (U) The meeting lasted an hour.\nEnd Summary.\n",
     None, "The talks resumed.\nThe meeting lasted an hour.", None),
    ("end_comment_capitals", "1. (C) The minister agreed.\n\n2. (C) Comment: He will not.\nEND COMMENT.\n",
     None, None, "He will not."),
    ("end_comment_then_name", "1. (C) The minister agreed.\n\n2. (C) Comment: He will not.\n\n3. (C) He may.\n"
     "End Comment. SPOGLI\n", "SPOGLI", None, "He will not.\nHe may."),
    ("end_text_then_name", "1. (C) The note reads:\n\n2. (C) The documents are requested.\nEnd Text. AGUIRRE\n",
     "AGUIRRE", None, None),
    ("name_alone_still_signs", "1. (C) The minister agreed.\n\nSCHIEFFER\n", "SCHIEFFER", None, None),
]


@pytest.mark.parametrize("name, body, signer, summary, comment", END_MARKER_LINE_CASES, ids=[c[0] for c in END_MARKER_LINE_CASES])
def test_end_marker_line_is_not_a_signer(name: str, body: str, signer: str | None, summary: str | None, comment: str | None) -> None:
    c = parse(cable(body))
    assert (c.signer, c.summary, c.comment) == (signer, summary, comment)
    if signer:
        assert signer not in c.body


def test_nnnn_inside_a_word_or_sentence_is_text() -> None:
    c = parse(cable("1. (C) The code NNNNX and the NNNN-series forms stay.\n"))
    assert c.body_paragraphs == ["The code NNNNX and the NNNN-series forms stay."]


# A heading and its rule on one line. Row: (id, the line, the heading of the paragraph after it)
ONE_LINE_HEADING_CASES = [
    ("rule_after", "The U.S. Offer -------", "The U.S. Offer"),
    ("rules_around", "---- Embraer, a Winner ----", "Embraer, a Winner"),
    ("rule_wrapped_by_the_export", "Justice Minister Defends Reservation " + "-" * 45 + " -----", "Justice Minister Defends Reservation"),
    ("rule_split_in_two", "Education System Favors the Wealthy ---------------- ------------------ ", "Education System Favors the Wealthy"),
    ("ragged_spaced_rule", "Shared Interests: Biofuels -- - - - - - - -", "Shared Interests: Biofuels"),
    ("dash_inside_the_heading", "Somaliland and Puntland - Supporting Stability -------", "Somaliland and Puntland - Supporting Stability"),
]


@pytest.mark.parametrize(("line", "heading"), [c[1:] for c in ONE_LINE_HEADING_CASES], ids=[c[0] for c in ONE_LINE_HEADING_CASES])
def test_heading_and_rule_on_one_line(line: str, heading: str) -> None:
    c = parse(cable(f"1. (C) The minister spoke.\n\n{line}\n\n2. (C) The ambassador replied.\n"))
    assert [(p.number, p.heading) for p in c.paragraphs] == [(1, None), (2, heading)]
    assert "--" not in c.body


@pytest.mark.parametrize("heading", ["COMMENT: CABINET SHUFFLE NOT ENOUGH", "Comment - Bloody Land Disputes", "Comment"])
def test_a_titled_comment_heading_opens_the_comment(heading: str) -> None:
    c = parse(cable(f"1. (C) The minister spoke.\n\n{heading} " + "-" * 45 + " ---\n\n2. (C) We doubt the shuffle helps.\n"))
    assert c.comment == "We doubt the shuffle helps."


def test_summary_parts_keep_every_paragraph_field() -> None:
    """summary._part builds a paragraph's parts directly, not through dataclasses.replace: it must
    name every field of Paragraph, so that a new field is not dropped from the parts."""
    from dataclasses import fields

    from summarizer.cable import Paragraph
    from summarizer.parsing.summary import _part

    p = Paragraph(number=3, marking="C", text="x", start=5, end=9, heading="H")
    assert [f.name for f in fields(Paragraph)] == ["number", "marking", "text", "start", "end", "heading"]
    assert _part(p, "y", None, None) == Paragraph(number=None, marking="C", text="y", start=5, end=9, heading=None)
