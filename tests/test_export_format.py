"""The user's export format (`../shared/examples/06TOKYO3797.txt`): a table, the title, then the cable
with its header block repeated and its body twice, and no blank lines. Cases by the shape of real cables."""
from __future__ import annotations

from summarizer.parsing import parse
from summarizer.parsing.export import parse_export, repeat_start


def export(table_id: str, title: str, routing: str, block: str, body: str) -> str:
    """The export's layout: table, title, routing line, header block twice, body, the block less its
    classification line, the body again."""
    return ("Identifier\nCreated\nClassification\nOrigin\n" + table_id + "\n2006-11-27 09:15:00\nUNCLASSIFIED\nEmbassy Hanoi\n"
            "Cable title:\n" + title + "\n" + routing + "\n" + block + block + body + block.split("\n", 1)[1] + body)


# The shape of the first case: "SUMMARY" between two rules at the end of the header block, so
# inside each repeat of it, then paragraphs numbered without a marking.
RULED_SUMMARY_BLOCK = """UNCLAS SECTION 01 OF 02 HANOI 001234
SIPDIS
SENSITIVE
STATE FOR EAP/MLS
E.O. 12958: N/A
TAGS: ELAB ECON PGOV VM
SUBJECT: STRIKES SPREAD TO FOREIGN-OWNED FACTORIES
REF: HANOI 1100
-------
SUMMARY
-------
"""
RULED_SUMMARY_BODY = """1.  Several thousand workers at three foreign-owned shoe factories
walked off the job this week to demand higher wages.  End summary.
2.  On November 24, workers at a Taiwanese-owned factory in Binh
Duong stopped work, and the strike spread to two more plants.
3.  The provincial labor department said talks would open Monday.
MICHALAK
"""
ROUTING = "VZCZCXRO1234 RR RUEHCHI DE RUEHHI #1234/01 3310915 ZNR UUUUU ZZH R 270915Z NOV 06 FM AMEMBASSY HANOI TO RUEHC/SECSTATE WASHDC 3901"


def test_ruled_summary_heading_in_the_repeated_header_keeps_the_body() -> None:
    c = parse(export("06HANOI1234", "STRIKES SPREAD TO FOREIGN-OWNED FACTORIES", ROUTING, RULED_SUMMARY_BLOCK, RULED_SUMMARY_BODY))
    assert c.summary == ("Several thousand workers at three foreign-owned shoe factories walked off the job "
                         "this week to demand higher wages.")
    assert c.body_paragraphs == [
        "On November 24, workers at a Taiwanese-owned factory in Binh Duong stopped work, and the strike spread to two more plants.",
        "The provincial labor department said talks would open Monday.",
    ]
    assert c.signer == "MICHALAK"
    assert c.tag_codes == ["ELAB", "ECON", "PGOV", "VM"]


# The shape of 09KABUL165: the "Classified By" line right above a "Summary" heading over its rule, and
# the summary paragraph with no label and no end marker; the next paragraph ends with "End summary."
# (a reader's slip the parser must not take for the summary's end).
HEADING_BLOCK = """S E C R E T KABUL 000165
EO 12958 DECL: 01/22/2019
TAGS PINR, PREL, PTER, AF
SUBJECT: CENTCOM COMMANDER PETRAEUS JAN 20 MEETING WITH
PRESIDENT KARZAI
Classified By: Ambassador William B. Wood, U.S. Embassy Kabul, Reasons:  1.4 (B and D)
"""
HEADING_BODY = """Summary
-------
1.(S) On January 20, CENTCOM Commander Petraeus met with President Karzai and his senior National Security staff.
India/Pakistan
--------------
2.(S) Petraeus asked Karzai to urge India not to curtail its cooperation with Pakistan.
3.(S) Karzai said the U.S. should urge China to press Pakistan.
WOOD
"""


def test_summary_heading_right_after_classified_by_is_the_summary() -> None:
    c = parse(export("09KABUL165", "CENTCOM COMMANDER PETRAEUS JAN 20 MEETING WITH", "O 230734Z JAN 09 FM AMEMBASSY KABUL TO SECSTATE WASHDC IMMEDIATE 6962",
                     HEADING_BLOCK, HEADING_BODY))
    assert c.summary == "On January 20, CENTCOM Commander Petraeus met with President Karzai and his senior National Security staff."
    assert c.body_paragraphs == ["Petraeus asked Karzai to urge India not to curtail its cooperation with Pakistan.",
                                 "Karzai said the U.S. should urge China to press Pakistan."]
    assert c.classified_by == "Ambassador William B. Wood, U.S. Embassy Kabul"
    assert c.subject == "CENTCOM COMMANDER PETRAEUS JAN 20 MEETING WITH PRESIDENT KARZAI"


# The shape of 08LONDON1688: the summary's label opens the line right after the Classified By line.
LABEL_BLOCK = """C O N F I D E N T I A L SECTION 01 OF 02 LONDON 001688
NOFORN
SIPDIS
E.O. 12958: DECL: 06/23/2018
TAGS: PGOV PINF PREL IR UK
SUBJECT: IRAN WANTS QUIET DISCUSSIONS WITH U.S. ON AFGHAN REFUGEES
Classified By: Acting Political Counselor Leslie Tsou for reasons 1.4 b  and d 1. (C/NF)
"""
LABEL_BODY = """Summary:  The Iranian Interior Ministry is searching for a channel to USG authorities.  End Summary.
2. (C/NF) An employee based in Iran told London Iran Watcher that refugee officials want to meet.
3. (C/NF) The employee spoke with Poloff on the margins of a conference.
TUTTLE
"""


def test_summary_label_right_after_classified_by_ends_the_header() -> None:
    c = parse(export("08LONDON1688", "IRAN WANTS QUIET DISCUSSIONS", "P 241557Z JUN 08 FM AMEMBASSY LONDON TO RUEHC/SECSTATE WASHDC PRIORITY 9011",
                     LABEL_BLOCK, LABEL_BODY))
    assert c.summary == "The Iranian Interior Ministry is searching for a channel to USG authorities."
    assert len(c.body_paragraphs) == 2
    assert not any("end marker but no start" in w for w in c.warnings)


# The shape of 06REYKJAVIK63 and 06SANJOSE550: an unnumbered body right after REF, no blank line between.
def test_prose_after_ref_is_body_not_reference() -> None:
    block = ("UNCLAS SAN JOSE 000550\nSIPDIS\nDEPARTMENT FOR WHA/CEN JASON MACK\nE.O. 12958: N/A\nTAGS: AORC PHUM PREL CS\n"
             "SUBJECT: COSTA RICA SIGNING MECHANISM\nSLOW, BUT UNDERWAY\nREF: STATE 33468\n")
    body = ("Per reftel, Poloff communicated talking points to Victor\nMurillo in the Foreign Ministry.  Murillo confirmed\n"
            "that the GOCR intends to sign the Third Additional Protocol.\nLANGDALE\n")
    c = parse(export("06SANJOSE550", "COSTA RICA SIGNING MECHANISM", "R 011200Z MAR 06 FM AMEMBASSY SAN JOSE TO SECSTATE WASHDC 4000", block, body))
    assert c.body == ("Per reftel, Poloff communicated talking points to Victor Murillo in the Foreign Ministry. "
                      "Murillo confirmed that the GOCR intends to sign the Third Additional Protocol.")
    assert c.references == ["06STATE33468"]
    assert c.subject == "COSTA RICA SIGNING MECHANISM SLOW, BUT UNDERWAY"


def test_repeated_copy_found_once_per_copy() -> None:
    one = "".join(f"line {k} of the cable\n" for k in range(6))
    assert repeat_start(one) is None
    assert repeat_start("head\n" + one + one) == len("head\n" + one)
    assert repeat_start("head\n" + one + one + one) == len("head\n" + one)  # three copies: the first kept
    # a signer or "SIPDIS" repeated at the end is no copy of the cable
    assert repeat_start("a\nSIPDIS\nb\nc\nd\ne\nf\nSIPDIS\n") is None


def test_export_with_one_copy_reads_to_the_end() -> None:
    raw = ("Identifier: 06HANOI1234\nCreated: 2006-11-27 09:15\nCable title: STRIKES\n"
           + RULED_SUMMARY_BLOCK + RULED_SUMMARY_BODY)
    assert parse_export(raw).body_end is None
    assert parse(raw).signer == "MICHALAK"


def test_empty_title_line_is_not_the_next_line() -> None:
    raw = ("Identifier\nCreated\nClassification\nOrigin\n06HANOI1234\n2006-11-27 09:15:00\nUNCLASSIFIED\nEmbassy Hanoi\n"
           "Cable title:\n\n" + ROUTING + "\n" + RULED_SUMMARY_BLOCK + RULED_SUMMARY_BODY)
    assert "title" not in parse_export(raw).fields
    assert parse(raw).subject == "STRIKES SPREAD TO FOREIGN-OWNED FACTORIES"


# The shape of 04ANKARA348: an unruled heading between two paragraphs, known (no blank lines) by its
# shape; a short wrapped line ending on a function word is no heading.
def test_bare_heading_between_paragraphs_without_blank_lines() -> None:
    block = ("C O N F I D E N T I A L ANKARA 000348\nSIPDIS\nE.O. 12958: DECL: 01/20/2014\nTAGS: PREL TU\n"
             "SUBJECT: ERDOGAN'S VISIT TO WASHINGTON\nClassified By: DCM Robert Deutsch for reasons 1.4 (b) and (d).\n")
    body = ("4. (C) The visit is the clearest possible signal that the U.S. stands behind\n"
            "the democratically-elected government of Turkey and its prime minister.\n"
            "Who are we dealing with?\n"
            "5. (C) Charismatic, and possessing a common touch and phenomenal memory for\n"
            "faces, Erdogan has a strong pragmatic core. His pragmatism has led him away\n"
            "from the radical milieu of his past.  He remains cautious about the role of\n"
            "the military in\n"
            "Turkish politics, his advisers say.\n"
            "EDELMAN\n")
    c = parse(export("04ANKARA348", "ERDOGAN'S VISIT", "O 201500Z JAN 04 FM AMEMBASSY ANKARA TO SECSTATE WASHDC IMMEDIATE 1000", block, body))
    assert [p.heading for p in c.paragraphs] == [None, "Who are we dealing with?"]
    assert c.paragraphs[0].text.endswith("government of Turkey and its prime minister.")
    assert "the military in Turkish politics" in c.paragraphs[1].text
    assert c.signer == "EDELMAN"
