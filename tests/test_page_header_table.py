"""Issue 29: the page's header table shows the reference parser's fields (DECL, recipients, signers,
classifier and reasons, transmission id, typed references, the partial-extract notice)."""
from __future__ import annotations

from types import SimpleNamespace

from summarizer.app.page import header_markdown
from summarizer.parsing import parse

CABLE = """VZCZCXYZ0033
OO RUEHWEB
DE RUEHKO #3797/01 1880408
ZNY CCCCC ZZH
O 070408Z JUL 06
FM AMEMBASSY TOKYO
TO RUEHC/SECSTATE WASHDC IMMEDIATE 4086
INFO RUEHBJ/AMEMBASSY BEIJING 9416

C O N F I D E N T I A L TOKYO 003797

SIPDIS

E.O. 12958: DECL: 07/06/2016
TAGS: PREL JA RS
SUBJECT: RUSSO-JAPANESE RELATIONS

REF: A. TOKYO 3512 B. LEE-GOLDSTEIN EMAIL 05/11/07

Classified By: Political Counselor Kathy Fitzpatrick, reasons 1.4 (b) and (d)

1. (C) The talks went well.

VAN VOORST
"""


def rows(text: str) -> dict[str, str]:
    table = header_markdown(SimpleNamespace(cable=parse(text)))
    return {k.strip(): v.strip() for k, v in (line.strip("|").split("|", 1) for line in table.splitlines()[2:])}


def test_header_table_shows_the_new_fields() -> None:
    r = rows(CABLE)
    assert r["Id"] == "06TOKYO3797" and r["Declassify on"] == "2016-07-06"
    assert r["To"] == "SECSTATE WASHDC IMMEDIATE" and r["Info"] == "AMEMBASSY BEIJING"
    assert r["Signed"] == "VAN VOORST" and r["Transmission"] == "VZCZCXYZ0033"
    assert r["Classified by"] == "Kathy Fitzpatrick, Political Counselor (reasons 1.4(b), 1.4(d))"
    assert r["References"].startswith("A. 06TOKYO3512, B. ")
    assert "Partial extract" not in r


def test_header_table_without_the_new_fields_keeps_its_first_rows() -> None:
    r = rows("1. (C) Text alone.\n")
    assert list(r) == ["Id", "Date", "Classification", "Origin", "Subject", "TAGS", "References"]
    assert r["References"] == "—"
