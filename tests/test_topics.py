"""The page's #topics output: the predicted TAGS, each with the words that triggered it on hover."""
from __future__ import annotations

import html
import re

from summarizer.app.service import analysis_of
from summarizer.app.topics import tag_evidence, topics_markdown
from summarizer.parsing import parse

CABLE = ("C O N F I D E N T I A L BRASILIA 001017\n\nE.O. 12958: DECL: 03/04/2019\nTAGS: KIPR BR\n"
         "SUBJECT: BRAZIL: PATENT DENIED FOR <HIV> DRUG\n\n1. (C) The Brazilian patent office denied the "
         "patent; Brazil will produce the drug itself. Pharmaceutical firms say intellectual property "
         "rights are at risk.\n")


def test_each_code_shows_its_evidence_on_hover() -> None:
    cable = parse(CABLE, {"id": "09BRASILIA1017", "origin": "Embassy Brasilia"})
    a = analysis_of(cable, "Brazil denied the patent.", ["BR", "KIPR", "ZZZZ"], ["Patents"], 0.1, "test")
    out = topics_markdown(a)
    titles = {code: title for title, code in
              re.findall(r'<span class="tag-evidence" title="([^"]*)"><code>(\w+)</code>', out)}
    assert set(titles) == {"BR", "KIPR"}  # ZZZZ: no evidence known, so no hover
    br = html.unescape(titles["BR"])
    assert br.startswith("evidence: sent from BRASILIA; ") and "Brazilian" in br and "BRAZIL" in br
    assert "patent" in html.unescape(titles["KIPR"])
    assert "<code>ZZZZ</code>" in out and "✓" in out  # BR and KIPR are on the cable's own TAGS line
    assert "hover a code for the words that triggered it" in out


def test_evidence_is_escaped_and_never_breaks_the_page(monkeypatch) -> None:
    cable = parse(CABLE.replace("Brazilian patent office", 'Brazilian "patent" <b>office</b>'),
                  {"id": "09BRASILIA1017"})
    out = topics_markdown(analysis_of(cable, "", ["BR"], ['<img src=x onerror="alert(1)">'], 0.1, "test"))
    assert "<img" not in out and "<b>" not in out
    import summarizer.app.topics as topics

    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(topics._shipped_classifier(), "evidence", broken)
    assert tag_evidence(cable, ["BR"]) == {"BR": []}
    assert "<code>BR</code>" in topics_markdown(analysis_of(cable, "", ["BR"], [], 0.1, "test"))
