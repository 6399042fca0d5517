"""Issue 29: the export format (no blank lines, the header block repeated) read as the original is.

Each case is a shape on which the original and its export disagreed (eval.bench_export_format), fixed
in the parser: a synthetic cable of the shape, and the real dev cable that showed it.
"""
from __future__ import annotations

import pytest

from shared_data import DATA, DEV
from summarizer.inputs import read_records
from summarizer.parsing import parse
from eval.bench_export_format import compare

HEAD = "C O N F I D E N T I A L SAN JOSE 002614\n\nE.O. 12958: N/A\nTAGS: PHUM CS\nSUBJECT: A SUBJECT\n\n"


def test_ref_list_broken_by_a_blank_line_stays_the_ref_field() -> None:
    c = parse(HEAD + "REF: A. STATE 182267\n\n     ¶B. STATE 184178\n     ¶C. SAN JOSE 2543\n\n¶1.  (U) Poloff met.\n")
    assert c.references == ["STATE 182267", "STATE 184178", "SANJOSE 2543"]
    assert [p.text for p in c.paragraphs] == ["Poloff met."]


def test_a_paragraph_run_onto_a_ref_item_is_body() -> None:
    # 08MANAMA305: "¶C. STATE 45792 (SBU) Post has undertaken ..." on one long line
    long_line = "    ¶C. STATE 45792 (SBU) Post has undertaken the following actions " + "in support of the day " * 8
    c = parse(HEAD + "REF: A. STATE 51536\n\n     ¶B. STATE 46997\n" + long_line + "\n")
    assert c.paragraphs and "Post has undertaken" in c.paragraphs[0].text


def test_the_handling_caveat_alone_is_no_paragraph() -> None:
    c = parse(HEAD + "SENSITIVE BUT UNCLASSIFIED - PLEASE PROTECT ACCORDINGLY.\n\n¶1. (SBU) Text.\n")
    assert [p.text for p in c.paragraphs] == ["Text."]


def test_a_heading_wrapped_over_two_lines_above_its_rule() -> None:
    body = "¶1. (C) First.\n\nLONGER TERM WORRIES: REGIONAL ISOLATION,\nMILITARY IMBALANCE, ECONOMIC DECLINE\n" \
           "----------------------------------------\n\n¶2. (C) Second.\n"
    c = parse(HEAD + body)
    assert [p.text for p in c.paragraphs] == ["First.", "Second."]
    assert c.paragraphs[1].heading == "LONGER TERM WORRIES: REGIONAL ISOLATION, MILITARY IMBALANCE, ECONOMIC DECLINE"
    bare = parse((HEAD + body).replace("\n\n", "\n"))  # the export's shape: no blank lines
    assert [(p.text, p.heading) for p in bare.paragraphs] == [(p.text, p.heading) for p in c.paragraphs]


def test_a_long_heading_over_a_numbered_paragraph_without_blank_lines() -> None:
    body = ("¶7. (SBU) The appointment of Solbes as Economy Minister was a deliberate\nsignal, Chaves said.\n"
            "June 13 EU Parliament Election: Turnout Key\n¶8. (SBU) Regarding the outlook, Chaves was uncertain.\n")
    c = parse(HEAD.replace("\n\n", "\n") + body)
    assert c.paragraphs[-1].heading == "June 13 EU Parliament Election: Turnout Key"
    assert c.paragraphs[-2].text.endswith("Chaves said.")


def test_an_end_of_comment_line_is_no_heading() -> None:
    body = ("¶6. (C) (Comment: Nicaragua has discouraged visits.\nEnd Comment)\nSao Tome and Principe: PRC's Next Target?\n"
            "------------------------------------------\n¶7. (C) FM Huang raised concerns.\n")
    c = parse(HEAD.replace("\n\n", "\n") + body)
    assert c.paragraphs[0].text.endswith("End Comment)")
    assert c.paragraphs[1].heading == "Sao Tome and Principe: PRC's Next Target?"


def test_a_long_heading_between_blank_lines_over_a_numbered_paragraph() -> None:
    body = ("¶6. (C) He conceded there could be problems.\n\n"
            "INFLATION, CORRUPTION & PROPERTY PROTECTION ARE PRIVATE SECTOR'S KEY CONCERNS\n\n¶7. (C) The private sector agrees.\n")
    c = parse(HEAD + body)
    assert [(p.text, p.heading) for p in c.paragraphs] == [
        ("He conceded there could be problems.", None),
        ("The private sector agrees.", "INFLATION, CORRUPTION & PROPERTY PROTECTION ARE PRIVATE SECTOR'S KEY CONCERNS")]


def test_a_classified_by_paragraph_is_no_heading() -> None:
    c = parse(HEAD + "Classified By: Political Counselor Steve Liston, reason: 1.4 (b) and (d )\n\n¶1. (C) Text.\n")
    assert c.classified_by == "Political Counselor Steve Liston"


def test_an_end_marker_without_its_period_closes_the_sentence() -> None:
    body = "¶1. (C) Summary: The center right won. End Summary\nNext Steps for the PD\n- - - - - - - - - -\n¶2. (C) Veltroni left.\n"
    c = parse(HEAD.replace("\n\n", "\n") + body)
    assert c.paragraphs[1].heading == "Next Steps for the PD"
    c = parse(HEAD + "¶1. (C) Text. END COMMENT\n\nSPOGLI\n")  # 05ROME3081: the name after it signs
    assert c.signers == ["SPOGLI"]


def test_a_line_of_prose_after_ref_is_body_though_it_holds_digits() -> None:
    body = "REF: STATE 9584\nOn February 5, 2010, Econoff delivered reftel demarche to\nLars Osterberg, Director.\n"
    c = parse(HEAD.replace("\n\n", "\n") + body)
    assert c.references == ["STATE 9584"]
    assert c.paragraphs[0].text.startswith("On February 5, 2010, Econoff delivered")


def test_a_wrapped_line_is_no_heading_beside_an_unwrapped_paragraph() -> None:
    # the wrap width is what most lines stay within, not the longest line (10BEIJING183)
    wrapped = ["Most regional reporting in China emphasized that Internet freedom"] * 10
    lines = ["¶1. (U) " + "An unwrapped paragraph runs on " * 8 + ".", "¶2. (U) The reporting went on.", *wrapped,
             'calculations," accusing her of having a "Cold War mentality."',
             "Some Chinese outlets rebutted U.S. charges by praising", "Chinese Internet practices. Television reported",
             "on the benefits for Chinese users of the supervision of the web."]
    c = parse(HEAD.replace("\n\n", "\n") + "\n".join(lines) + "\n")
    assert all(p.heading is None for p in c.paragraphs)
    assert "Some Chinese outlets rebutted U.S. charges by praising Chinese" in c.paragraphs[-1].text


def test_the_repeated_header_block_is_skipped_as_far_as_its_lines_are_the_headers() -> None:
    # the export repeats the header word for word: after its REF line, the first line the header
    # lacks is the body's, though it holds digits (06SANSALVADOR169)
    head = HEAD + "REF: A. STATE 009539\n\n     ¶B. SAN JOSE 001488\n\n"
    text = "On January 23, Poloff met with Jose Francisco Gonzalez\nCortez, Security and Defense Officer.\n"
    c = parse(head + text)
    rendered = "\n".join(ln for ln in (head + head + text).splitlines() if ln.strip()) + "\n"
    e = parse(rendered)
    assert c.body == e.body == "On January 23, Poloff met with Jose Francisco Gonzalez Cortez, Security and Defense Officer."
    assert e.references == c.references == ["STATE 9539", "SANJOSE 1488"]


def test_a_page_header_repeating_the_subject_cut_short_is_header() -> None:
    # 09STATE129362: "SUBJECT: ..." / "CONVERSATION WITH ... MIGUEL ANG" at a page break, the text going on
    head = HEAD.replace("SUBJECT: A SUBJECT", "SUBJECT: (U) SECRETARY CLINTON'S DECEMBER 14, 2009\n"
                        "CONVERSATION WITH SPANISH FOREIGN MINISTER MIGUEL ANGEL\nMORATINOS")
    body = ("¶13. (C) Moratinos agreed that we are moving towards increased\n\nSTATE 00129362 003 OF 003\n\n"
            "SUBJECT: (U) SECRETARY CLINTON'S DECEMBER 14, 2009\nCONVERSATION WITH SPANISH FOREIGN MINISTER MIGUEL ANG\n"
            "sanctions and pressure and close cooperation.\n")
    c = parse(head + body)
    assert c.body == "Moratinos agreed that we are moving towards increased sanctions and pressure and close cooperation."


@pytest.mark.parametrize("line", [
    "--------------------------------------------- --- PCC TARGETS EXPANDED TO BANKS --------------------------------------------- ---",
    "--------------------------------------------- - Excessive Public Spending Means Votes ----------------------------------- -",
    "- - - Comment: Shahbaz Remains Strongly Supportive - - -",
])
def test_a_heading_framed_by_broken_or_spaced_rules(line: str) -> None:
    c = parse(HEAD + "¶5. (C) Gridlock followed.\n\n" + line + "\n\n¶6. (U) The crime wave grew.\n")
    assert [p.text for p in c.paragraphs] == ["Gridlock followed.", "The crime wave grew."]
    assert c.paragraphs[1].heading


def test_a_heading_framed_by_dashes_in_text_without_blank_lines() -> None:
    c = parse(HEAD.replace("\n\n", "\n") + "¶4. (C) The market outsourced.\nCompetition --\n¶5. (SBU) Gazprom faces a demand problem.\n")
    assert [(p.text, p.heading) for p in c.paragraphs] == [("The market outsourced.", None),
                                                          ("Gazprom faces a demand problem.", "Competition --")]


def test_a_labelled_value_is_no_heading_without_blank_lines() -> None:
    lines = ["¶2.  (SBU) The following personnel have been selected for training courses.", "Vetting #: 99546",
             "Rank/Name: MAJ TAREK MAHFOUZ", "DOB: 5/30/1977", "End Date: 7/26/2010", "Vetting #: 99547",
             "Rank/Name: LTC TAREK KASSEM"]
    c = parse(HEAD.replace("\n\n", "\n") + "\n".join(lines) + "\n")
    assert all(p.heading is None for p in c.paragraphs) and "Vetting #: 99547" in c.body


# --- real dev cables whose export now agrees with the original ---------------------------------

AGREE = ["06SANJOSE2614", "08PANAMA851", "05BEIRUT3122", "04MADRID2164", "09BOGOTA3421", "10CARACAS43",
         "08LONDON929", "06SAOPAULO526", "06TAIPEI2921", "09TRIPOLI258", "10CAIRO257", "09ROME192", "10LONDON364", "07SEOUL1576", "10STOCKHOLM62",
         "10BEIJING183", "06SANSALVADOR169",
         "09MOSCOW2541", "06SAOPAULO526", "08LAHORE325",
         "10STATE15082", "07REYKJAVIK139", "06REYKJAVIK63"]


@pytest.mark.parametrize("cid", AGREE)
def test_real_export_agrees_with_the_original(cid: str) -> None:
    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DATA}")
    rec = next(r for r in read_records(str(DEV)) if r.id == cid)
    assert compare(rec) == []
