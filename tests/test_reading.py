"""What a reader sees: the per-sentence checks and their rates, on hand-made summaries and real cases."""
from __future__ import annotations

import time

import pytest

from summarizer.reading import (broken_kind, check_sentence, check_summary, edit_kind, fact_changes, fragment_kind, logistics_kind,
                               opens_dangling, reading_rates, sentence_row, strip_marker, words)

# ------------------------------------------------------------------------------ fragments
FRAGMENTS = [
    # (kind, text): most are real summary sentences the shipped model chose before this check
    ("note remnant", "End Note)"),
    ("note remnant", "End note.)"),
    ("heading", "Next Steps"),
    ("lead-in", "Participants:"),
    ("lead-in", "Note:"),
    ("lead-in", "In particular, Machado noted that:"),
    ("list marker", "K) N/a"),
    ("list marker", "-- other than for information on shootdown events"),
    ("list marker", "1-Federal Deputy Maninha, Brazil"),
    ("list marker", "o Trust is in short supply on both sides of the talks."),
    ("signer", "MULFORD"),
    ("signer", "VIRDEN"),
    ("bracket remnant", "(Demolition)"),
    ("bracket remnant", "(A/S Burns also suggested a bilateral with Secretary Powell on November 22 if schedules permitted.)"),
    ("routing or header line", "State for NEA/MAG, Commerce for Nate Mason, energy for gina erikson, E.O. 12958: DECL: 6/4/2019"),
    ("routing or header line", "PASS TO USTR FOR JOHN SMITH AND TREASURY FOR OASIA"),
    ("label line", "PARTICIPANTS: GOB: Marcos Aurelio Garcia, international Affairs Advisor to President Lula."),
    ("starts mid-sentence", "(except for a passage on reason) and focuses instead on ancient Greek philosophy."),
    ("starts mid-sentence", "############ only countries with a significant number of victims are in the Report."),
    ("redaction", "############ ############."),
    ("starts mid-sentence", "the FM's position would soon be untenable, and predicted Araujo would be gone within a month."),
    ("redaction", "XXXXXXXXXXXX XXXXXXXXXXXX."),
    ("under 5 words", "Political parties."),
    ("under 5 words", "Could the USG help?"),
    ("question", "B. HAVE THERE BEEN ANTI-AMERICAN DEMONSTRATIONS IN THE COUNTRY WITHIN THE LAST 12 MONTHS?"),
    ("question", "What were prospects for an accord with the CGIL?"),
    ("contact details", "He can be reached via e-mail at os@mfa.is or by phone at: +202-265-6653."),
    ("contact details", "Embassy point of contact is Political Officer Lisa Kierans, tel. +354-562-9100x2294."),
]


@pytest.mark.parametrize("kind, text", FRAGMENTS)
def test_fragment_kinds(kind, text):
    assert fragment_kind(text) == kind


@pytest.mark.parametrize("text", [
    "The minister met the ambassador on Monday to discuss the budget.",
    "Comment: There is little sign that the government will change course before the election.",
    "(Note: the number of hard-core Taliban is probably lower.) The police disagreed with that estimate.",
    "THE MINISTER SAID THE GOVERNMENT WOULD NOT RAISE TAXES THIS YEAR.",  # an ALL-CAPS cable's prose
    "only the minister said the government would not raise taxes this year.",  # a lower-case cable's prose
    "CAFTA-DR: The Arias administration has made this a top priority, and should be encouraged.",  # a topic label
    'He asked, "What are we supposed to do about our neighbors?"',  # a question reported in quotation marks
    "The phone company raised its prices by 12 percent in 2006, the minister said.",
])
def test_prose_is_no_fragment(text):
    assert fragment_kind(text) is None


# ------------------------------------------------------------------------------ broken
@pytest.mark.parametrize("kind, text", [
    ("no sentence-final punctuation", "Economy: the outlines of the party's economic platform are in the annex and"),
    ("ends on a function word", "And answer participants of the meeting are in the."),
    ("unbalanced brackets", "The police (who arrived late said the crowd had left the square."),
    ("unbalanced quotes", "A second question is the relation of Turkey to history -- the \"history of this land."),
    ("repeated phrase", "Is Georgia-in-NATO a security interest in -- in the NATO a NATO a."),
    ("repeated phrase", "This number of the, the, in July rose to 53.8 percent in August."),
    # what the input limits admit inside a real cable (fuzz.worst_case "digits-dots"): one "word" of
    # thousands of ROUGE tokens, which a selector counted as one word and ROUGE-L then took seconds over
    ("run-on token", "The figures were " + "1." * 500 + "1."),
])
def test_broken_kinds(kind, text):
    assert broken_kind(text) == kind


def test_a_word_cut_inside_needs_the_cable_words():
    text = "The Foreign Ministry (itamarat) identified six social issues for the talks."
    assert broken_kind(text) is None
    cable = set(words(text)) - {"itamarat"} | {"itamaraty"}
    assert broken_kind(text, cable) == "word cut inside (itamarat)"


@pytest.mark.parametrize("text", [
    "Indeed, accusations are undercut by: 1) the complexity of Islam; and 2) the state's own agenda.",  # list closers
    "Some of Brazil's new mil-mil exchanges are based on this formula.",  # one word, not a repeat
    "Bono said that if the U.S. releases the missile to Spain, Spain will buy it.",  # a comma between
    "They will not/not be permitted to use Chile as a base.",  # the cable idiom
    "In the course of that meeting, they asked about his trip per Ref a.",  # "a" the reference letter
    "Kivuitu said the commission \"would not be intimidated by anyone.\"",
    "Where does the money come from?",
    "Secretary of Defense General Guillermo Galvan Galvan listed the army's needs.",  # a name
])
def test_whole_sentences_are_not_broken(text):
    assert broken_kind(text) is None


@pytest.mark.parametrize("raw, prose", [
    ("-- The minister met the ambassador on Monday.", "The minister met the ambassador on Monday."),
    ("- - The minister met the ambassador.", "The minister met the ambassador."),
    ("(SBU) The minister met the ambassador.", "The minister met the ambassador."),
    ("(S/Rel UK) Presidential Advisor Stanekzai produced a concept paper.", "Presidential Advisor Stanekzai produced a concept paper."),
    ("(Note: Brazil has general elections in October.", "Brazil has general elections in October."),
    ("(Note: The PMR was emailed to EUR/RPM.)", "The PMR was emailed to EUR/RPM."),
    ("Comment: The Government of Iceland has long argued for it.", "The Government of Iceland has long argued for it."),
    ("COMMENT: The GOI (the government) agreed.", "The GOI (the government) agreed."),
    ("(a) The Netherlands is a party to the convention.", "(a) The Netherlands is a party to the convention."),  # a list item stays one
    ("The minister (SBU) met the ambassador.", "The minister (SBU) met the ambassador."),
])
def test_strip_marker(raw, prose):
    assert strip_marker(raw) == prose


# ------------------------------------------------------------------------------ edits and facts
SOURCE = ["The minister met the ambassador on Monday.",
          "He said, however, that the talks on the USD 500 million loan would not resume before May.",
          "The parliament passed the budget."]


def test_edit_kinds():
    assert edit_kind("The minister met the ambassador on Monday.", SOURCE)[0] == "copy"
    assert edit_kind("He said that the talks on the USD 500 million loan would not resume before May.", SOURCE) == \
        ("deletion", SOURCE[1])
    # two adjacent sentences the summary's splitter reads as one
    assert edit_kind("The minister met the ambassador on Monday. He said that the talks", SOURCE)[0] == "deletion"
    assert edit_kind("The minister met the parliament on Monday.", SOURCE) == ("edit", SOURCE[0])


def test_fact_changes():
    assert fact_changes("He said that the talks would not resume before May.", SOURCE[1]) == \
        ["dropped number 500", "dropped name usd"]
    assert fact_changes("He said the talks on the USD 200 million loan would resume before May.", SOURCE[1]) == \
        ["dropped number 500", "changed number 200", "dropped negation"]
    assert fact_changes("The U.S. Embassy agreed.", "The US Embassy agreed.") == []
    copied = "Press coverage of Augusto Pinochet's death reinforces the assertion."  # a name with an 's holds the name
    assert fact_changes(copied, copied) == []
    assert fact_changes("Press coverage reinforces the assertion.", copied) == ["dropped name augusto pinochet"]


def test_rates_on_a_hand_made_summary():
    body = "\n".join(SOURCE + ["Next Steps", "MULFORD"])
    summary = "\n".join([
        "The minister met the ambassador on Monday.",  # copy
        "He said that the talks on the USD 500 million loan would not resume before May.",  # deletion
        "He said the talks on the USD 200 million loan would resume before May.",  # other edit, facts changed
        "Next Steps",  # a fragment (copied)
    ])
    checks = check_summary(summary, body)
    assert [c.edit for c in checks] == ["copy", "deletion", "edit", "copy"]
    rd = reading_rates([[sentence_row(c) for c in checks], []])
    assert rd["sentences"] == 4
    assert (rd["copy"], rd["deletion"], rd["other_edit"], rd["fragment"], rd["facts_changed"]) == (50.0, 25.0, 25.0, 25.0, 25.0)
    assert rd["broken"] == 0.0
    assert rd["summaries_with_problem"] == 100.0  # of the one non-empty summary
    assert rd["fragment_kinds"] == {"heading": 1}
    assert [w["text"] for w in rd["worst"]] == [summary.split("\n")[2], "Next Steps"]  # a changed fact first


def test_a_marking_left_out_is_no_dropped_fact():
    body = "(S/Rel UK) Presidential Advisor Stanekzai produced a concept paper, which fills in broad details."
    [check] = check_summary("Presidential Advisor Stanekzai produced a concept paper.", body)
    assert check.edit == "deletion" and check.facts == []
    assert check.source == "Presidential Advisor Stanekzai produced a concept paper, which fills in broad details."


def test_contact_details_check_is_linear_on_a_long_run_of_address_characters():
    """A run of digits and dots (a hostile input) was read once per start by the e-mail pattern: 30,000
    characters took 3 s; the full test input, over 30 s."""
    run = "1.2.3." * 40_000
    start = time.process_time()
    assert fragment_kind(run + " x.") != "contact details"
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize("sentence, kind", [
    ("A/S Welch and DNSA Abrams cleared this message.", "clearance"),
    ("This cable was cleared by Embassy Baghdad.", "clearance"),
    ("Participants: Ambassador Jones, Minister Lund and notetaker.", "participants"),
    ("This is an action request; please see paragraph 6.", "action pointer"),
    ("Drafted by POL:JSMITH; approved by DCM.", "drafting note"),
    ("The minister cleared the way for talks on the message of reform.", None),
    ("Foreign Minister Lund told the Ambassador that talks resume in March.", None),
])
def test_logistics_kind(sentence, kind):
    assert logistics_kind(sentence) == kind


@pytest.mark.parametrize("sentence, dangling", [
    ("However, stronger Russian interest in cooperating does not translate into support.", True),
    ("He noted that al-Qadhafi's demand for these translations had diminished.", True),
    ("-- These talks resumed in March.", True),
    ("Heavy rains flooded the port in November.", False),  # "He" only as part of a word
    ("Mossad Chief Meir Dagan told A/S Welch that Bashar al-Assad is weak.", False),
])
def test_opens_dangling(sentence, dangling):
    assert opens_dangling(sentence) is dangling


def test_reading_rates_count_dangling_openings_and_logistics():
    def row(text):
        return sentence_row(check_sentence(text, [text], set(words(text))))

    summaries = [[row("However, the talks resumed in March after a long break."), row("The Ambassador cleared this message.")],
                 [row("Foreign Minister Lund said talks would resume in March.")]]
    rates = reading_rates(summaries)
    assert rates["dangling_first"] == 50.0
    assert rates["logistics"] == pytest.approx(100 / 3)
