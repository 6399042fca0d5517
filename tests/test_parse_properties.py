"""Property-based tests (hypothesis) of the parser.

1. `parse` never raises on arbitrary text (pilcrows, NULs, markings, rules, very long lines) and
   always returns a `Cable` whose paragraph offsets lie inside the raw text.
2. On generated cables whose sentences are all distinct, the summary sentences are exactly the
   summary and none of them is in the body (the model-input rule), and every other sentence is in
   the body once.
3. Idempotence: rendering a parsed cable and parsing the rendering gives back the same fields, and
   rendering is then a fixpoint.
"""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.cable import Cable
from summarizer.parsing import parse
from summarizer.parsing.render import render

SETTINGS = settings(max_examples=60, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real cables, so that random text reaches the parser's branches.
FRAGMENTS = [
    "¶", "¶1.", "1.", "12. ", "(C)", "(SBU)", "(S//NF)", "(U) ", "Summary:", "SUMMARY", "End Summary.", "END\nSUMMARY",
    "BEGIN SUMMARY", "Summary and Comment:", "Comment:", "End Comment.", "TAGS: PREL JA", "TAGS:", "TAG ", "Tags: prel, sy",
    "SUBJECT: ", "REF: A. STATE 1234", "Classified By: J. Doe, reasons 1.4 (b) and (d)", "E.O. 12958: DECL: 1/1/2019",
    "C O N F I D E N T I A L TOKYO 003797", "SECTION 01 OF 03", "SIPDIS", "SENSITIVE", "-------", "- - - -", "=====",
    "O 070408Z JUL 06", "FM AMEMBASSY TOKYO", "TOKYO 00003797  002 OF 003", "PAGE 02 TOKYO 03797 01 OF 02 070408Z",
    "This record is a partial extract of the original cable.", "Identifier\nCreated\nClassification\nOrigin\n",
    "Cable title:", "SCHIEFFER", "\x00", "\r\n", "\n", "\n\n", " ", "  ", "\t", "é", "“", "XXXXXXXXXXXX",
    "Visit Embassy Cairo's Classified Website: XXXXXXXXXXXX", "MILAM 0 10/26/2007 5416 BTIO,ECON,LY",
]
junk_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=40).map("".join)
long_line = st.builds(lambda a, n, b: a + "x " * n + b, junk_text, st.integers(300, 1500), junk_text)


def check_cable(raw: str, c: Cable) -> None:
    assert isinstance(c, Cable)
    assert isinstance(c.warnings, list) and all(isinstance(w, str) for w in c.warnings)
    for p in c.paragraphs:
        assert 0 <= p.start <= p.end <= len(raw)
        assert p.text == p.text.strip() and p.text
    assert all(0 <= i < len(c.paragraphs) for i in c.summary_paragraphs)
    assert isinstance(c.body, str)
    c.to_json()  # serialisable fields only


@SETTINGS
@given(st.text(max_size=2000))
def test_never_raises_on_any_text(raw: str) -> None:
    check_cable(raw, parse(raw))


@SETTINGS
@given(st.one_of(junk_text, long_line))
def test_never_raises_on_cable_like_junk(raw: str) -> None:
    check_cable(raw, parse(raw))


@SETTINGS
@given(junk_text, st.dictionaries(st.sampled_from(["id", "date", "tags", "origin", "classification", "subject"]),
                                   st.one_of(st.none(), st.text(max_size=20), st.lists(st.text(max_size=8), max_size=3), st.integers())))
def test_never_raises_with_odd_hints(raw: str, hints: dict) -> None:
    check_cable(raw, parse(raw, hints))


# --- generated cables with distinct sentences ------------------------------------------------------

WORDS = ["minister", "ambassador", "talks", "budget", "islands", "pipeline", "election", "visit", "treaty", "border",
         "council", "reform", "agreement", "embassy", "parliament", "delegation", "meeting", "press", "report", "trade"]
TAG_CODES = ["PREL", "PGOV", "PTER", "ENRG", "ECON", "PHUM", "MARR", "KNNP", "JA", "RS", "SY", "IR", "UK", "FR"]
STATIONS = ["TOKYO", "MOSCOW", "CAIRO", "PARIS", "BRASILIA", "NEW DELHI", "THE HAGUE"]
MARKINGS = ["C", "SBU", "S", "U", "C/NF", "S/NF"]


@st.composite
def sentences(draw, counter: list[int], n_min: int = 1, n_max: int = 3) -> list[str]:
    out = []
    for _ in range(draw(st.integers(n_min, n_max))):
        counter[0] += 1
        words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=9))
        out.append(f"The {' '.join(words)} item{counter[0]} followed.")
    return out


@st.composite
def generated_cable(draw):
    counter = [0]
    n_paras = draw(st.integers(2, 6))
    paras = [draw(sentences(counter)) for _ in range(n_paras)]
    summary_style = draw(st.sampled_from(["none", "labelled", "inside_first", "spanning", "no_end", "heading"]))
    wrap = draw(st.integers(40, 90))
    numbered = draw(st.booleans())
    marking = draw(st.sampled_from(MARKINGS))
    station = draw(st.sampled_from(STATIONS))
    tags = draw(st.lists(st.sampled_from(TAG_CODES), min_size=1, max_size=6, unique=True))
    subject = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=8))).upper()

    summary: list[str] = []
    blocks: list[str] = []
    for i, sents in enumerate(paras):
        text = " ".join(sents)
        if i == 0 and summary_style == "labelled":
            text, summary = f"Summary: {text} End Summary.", sents
        elif i == 0 and summary_style == "inside_first" and len(sents) > 1:
            text, summary = f"{sents[0]} Summary: {' '.join(sents[1:])} End Summary.", sents[1:]
        elif summary_style == "spanning" and i < 2:
            text = f"Summary: {text}" if i == 0 else f"{text} End Summary."
            summary += sents
        elif i == 0 and summary_style == "no_end":
            text, summary = f"Summary: {text}", sents
        elif i == 0 and summary_style == "heading":
            blocks.append("SUMMARY\n-------")
            summary = sents
        lead = (f"{i + 1}. " if numbered else "") + f"({marking}) "
        blocks.append(_wrap(lead + text, wrap))
    signer = draw(st.sampled_from(["SCHIEFFER", "CROCKER", None]))
    raw = (
        f"O 070408Z JUL 06\nFM AMEMBASSY {station}\nTO SECSTATE WASHDC IMMEDIATE 4086\n\n"
        f"C O N F I D E N T I A L {station} 003797\n\nSIPDIS\n\nE.O. 12958: DECL: 07/06/2016\n"
        f"TAGS: {' '.join(tags)}\nSUBJECT: {subject}\n\n"
        "Classified By: Political Counselor Jane Doe. Reasons 1.4 (b) and (d).\n\n"
        + "\n\n".join(blocks) + (f"\n\n{signer}\n" if signer else "\n")
    )
    everything = [s for sents in paras for s in sents]
    return raw, tags, subject, summary, [s for s in everything if s not in summary], signer


def _wrap(text: str, width: int) -> str:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return "\n".join([*lines, cur])


@SETTINGS
@given(generated_cable())
def test_generated_cable_fields_and_model_input_rule(case) -> None:
    raw, tags, subject, summary, rest, signer = case
    c = parse(raw)
    check_cable(raw, c)
    assert c.tag_codes == tags
    assert c.subject == subject
    assert c.signer == signer
    if summary:
        assert c.summary is not None and c.summary.split() == " ".join(summary).split()
    else:
        assert c.summary is None
    for s in summary:
        assert s not in c.body  # the model-input rule
    for s in rest:
        assert c.body.count(s) == 1
    for p in c.paragraphs:  # offsets point at the paragraph in the raw text
        assert p.text.split()[0] in raw[p.start:p.end]


FIELDS = ["id", "date", "origin", "classification", "subject", "tag_codes", "references", "classified_by",
          "classification_reasons", "summary", "body", "signer"]


@SETTINGS
@given(generated_cable())
def test_parse_of_rendered_cable_is_the_same(case) -> None:
    c1 = parse(case[0])
    rendered = render(c1)
    c2 = parse(rendered)
    assert {f: getattr(c2, f) for f in FIELDS} == {f: getattr(c1, f) for f in FIELDS}
    assert render(c2) == rendered  # rendering is a fixpoint


def test_render_of_seed_round_trips() -> None:
    from importlib import resources

    raw = resources.files("summarizer").joinpath("data", "examples", "06TOKYO3797.txt").read_text(encoding="utf-8")
    c1 = parse(raw)
    c2 = parse(render(c1))
    assert {f: getattr(c2, f) for f in FIELDS} == {f: getattr(c1, f) for f in FIELDS}
    assert [p.heading for p in c2.paragraphs] == [p.heading for p in c1.paragraphs]


@SETTINGS
@given(st.text(alphabet=string.ascii_letters + " .,:;()¶\n-", min_size=1, max_size=400))
def test_parse_is_deterministic(raw: str) -> None:
    assert parse(raw).to_json() == parse(raw).to_json()


def test_text_past_the_line_limit_is_cut_with_a_warning():
    from summarizer.parsing.lines import MAX_LINES

    raw = "TAGS: PREL JA\nSUBJECT: LONG\n" + "".join(f"{i % 90 + 1}. (C) Paragraph {i}.\n\n" for i in range(MAX_LINES))
    cable = parse(raw)
    assert any(w.startswith(f"text cut after {MAX_LINES:,} lines") for w in cable.warnings)
    assert 0 < len(cable.paragraphs) <= MAX_LINES // 2 + 1
    assert cable.paragraphs[0].text == "Paragraph 0."
    short = parse("TAGS: PREL JA\nSUBJECT: SHORT\n1. (C) One paragraph.\n")
    assert not any("text cut" in w for w in short.warnings)


def test_a_hostile_tags_line_is_read_in_linear_time():
    import random
    import time

    from summarizer.parsing.tag_line import MAX_TAG_TOKENS

    rng = random.Random(0)
    codes = ["".join(rng.choice(string.ascii_uppercase) for _ in range(5)) for _ in range(100_000)]
    t0 = time.process_time()
    cable = parse("TAGS: " + " ".join(codes) + "\nSUBJECT: X\n1. (C) Text.\n")
    assert time.process_time() - t0 < 1.0  # every distinct code once compared with every other: minutes
    assert [t.code for t in cable.tags] == codes[:MAX_TAG_TOKENS]
