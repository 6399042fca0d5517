"""The project's sentence splitter on cable prose."""
import pytest

from summarizer.sentences import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   \n  ", []),
        ("One sentence without a stop", ["One sentence without a stop"]),
        ("The talks ended. The minister left.", ["The talks ended.", "The minister left."]),
        ("Is it true? Yes! Then go.", ["Is it true?", "Yes!", "Then go."]),
        # Abbreviations and titles
        ("The U.S. and Japan agreed. The U.N. met.", ["The U.S. and Japan agreed.", "The U.N. met."]),
        ("Amb. Schieffer met Gen. Abizaid and Dr. Li.", ["Amb. Schieffer met Gen. Abizaid and Dr. Li."]),
        ("Mr. Tanaka and Mrs. Sato met Gov. Ishihara.", ["Mr. Tanaka and Mrs. Sato met Gov. Ishihara."]),
        ("See Ref. A and para. 5 of No. 7 for details.", ["See Ref. A and para. 5 of No. 7 for details."]),
        ("The answer to each is no. That said, talks go on.", ["The answer to each is no.", "That said, talks go on."]),
        ("They met on Jan. 5 and again on Sept. 12. Nothing changed.",
         ["They met on Jan. 5 and again on Sept. 12.", "Nothing changed."]),
        ("Some donors, e.g. Japan, and others, i.e. Korea, paid.", ["Some donors, e.g. Japan, and others, i.e. Korea, paid."]),
        # Initials, decimals, section numbers
        ("Classified By: Political Minister Counselor W. Michael Meserve. Reason: 1.4 (b)(d).",
         ["Classified By: Political Minister Counselor W. Michael Meserve.", "Reason: 1.4 (b)(d)."]),
        ("Growth was 3.5 percent in 2005. It fell to 2.1 in 2006.",
         ["Growth was 3.5 percent in 2005.", "It fell to 2.1 in 2006."]),
        ("Reasons 1.4 (b) and (d). The cable follows.", ["Reasons 1.4 (b) and (d).", "The cable follows."]),
        # Ellipses
        ("He said... Then nothing. And \u2026 More.", ["He said... Then nothing.", "And \u2026 More."]),
        # A dotted acronym ends a sentence only before a sentence-starting word
        ("Aid came from the U.S. The minister thanked us.", ["Aid came from the U.S.", "The minister thanked us."]),
        ("The U.S. Embassy said so.", ["The U.S. Embassy said so."]),
        # ... also as the last part of a compound (06REYKJAVIK97)
        ("Thus the Iceland-U.S. Defense agreement holds.", ["Thus the Iceland-U.S. Defense agreement holds."]),
        ("Talks on EU/U.S. Trade went well.", ["Talks on EU/U.S. Trade went well."]),
        ("Crowds were anti-U.S. The minister left.", ["Crowds were anti-U.S.", "The minister left."]),
        # Quotes and brackets
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        # Paragraph newlines always split
        ("First paragraph without stop\nSecond one.", ["First paragraph without stop", "Second one."]),
        # Letter-less fragments join the next sentence
        ("1. (C) Summary: Koizumi will go. End Summary.", ["1. (C) Summary: Koizumi will go.", "End Summary."]),
        # Lower-case text (e.g. a lower-cased model output) still splits
        ("rates rose 2.5 percent. the ministry said so.", ["rates rose 2.5 percent.", "the ministry said so."]),
    ],
)
def test_split(text, expected):
    assert split_sentences(text) == expected


def test_all_caps_cable():
    text = (
        "THE U.S. AND JAPAN AGREED ON THE PLAN. AMB. SCHIEFFER MET GOV. ISHIHARA IN SEPT. 2006. "
        "FOREIGN MINISTER ASO, E.G. BY PHONE, CALLED THE SECRETARY. W. MICHAEL MESERVE SIGNED. "
        "REASON: 1.4 (B)(D)."
    )
    assert split_sentences(text) == [
        "THE U.S. AND JAPAN AGREED ON THE PLAN.",
        "AMB. SCHIEFFER MET GOV. ISHIHARA IN SEPT. 2006.",
        "FOREIGN MINISTER ASO, E.G. BY PHONE, CALLED THE SECRETARY.",
        "W. MICHAEL MESERVE SIGNED.",
        "REASON: 1.4 (B)(D).",
    ]


def test_all_caps_dotted_acronym_before_starter():
    assert split_sentences("HE MET THE U.S. THE MINISTER LEFT.") == ["HE MET THE U.S.", "THE MINISTER LEFT."]


def test_no_text_lost():
    text = (
        "1. (C) Summary: Prime Minister Koizumi plans to raise the Northern Territories dispute with "
        "President Putin at the G-8 Summit, according to MOFA. Progress has been made in five of the 12 "
        "agreements... Visa talks stalled. End Summary.\n2. (C) Nakamura said the U.S.-Japan MLAT is a model."
    )
    sents = split_sentences(text)
    assert " ".join(sents).split() == text.split()
    assert all(s == s.strip() and s for s in sents)


def test_seed_cable_body_splits_sensibly():
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "summarizer" / "data" / "examples" / "06TOKYO3797.txt"
    text = seed.read_text(encoding="utf-8")
    sents = split_sentences(text)
    assert "Classified By: Political Minister Counselor W. Michael Meserve." in sents
    # No sentence ends right after an initial or a title
    assert not any(s.endswith((" W.", " Mr.", " Amb.", " Dr.", " U.S.")) and len(s.split()) < 3 for s in sents)
