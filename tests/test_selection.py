"""The sentence selector: features, fitting on oracle labels, length budget, save/load."""
from __future__ import annotations

import numpy as np
import pytest

from summarizer.parsing import parse
from summarizer.selection import FEATURE_NAMES, SentenceScorer, body_sentences, sentence_features
from summarizer.selection.fit import FitConfig, fit_scorer

HEAD = "C O N F I D E N T I A L TOKYO 00{n:04d}\n\nTAGS: PREL JA\nSUBJECT: THE {topic} DISPUTE\n\n"
FILLER = [
    "The weather in the capital was mild for the season.",
    "Officials served tea and biscuits before the meeting began.",
    "The room was decorated with paintings of old harbours.",
    "Several aides took notes throughout the long afternoon.",
]


def synthetic(n: int) -> str:
    """A cable whose summary repeats the sentence naming the topic, placed at varying depths."""
    topic = ["ISLAND", "FISHERIES", "PIPELINE", "VISA"][n % 4]
    key = f"The minister said the {topic.lower()} dispute {n} would be settled by talks next year."
    body = list(FILLER)
    body.insert(n % 5, key)
    paragraphs = "".join(f"{i}. (C) {s}\n\n" for i, s in enumerate(body, start=2))
    return HEAD.format(n=n, topic=topic) + f"1. (C) Summary: {key} End Summary.\n\n" + paragraphs


@pytest.fixture(scope="module")
def scorer() -> SentenceScorer:
    return fit_scorer([parse(synthetic(n)) for n in range(40)])


def test_features_have_one_row_per_sentence() -> None:
    cable = parse(synthetic(3))
    sentences = body_sentences(cable)
    x = sentence_features(cable, sentences, {}, 1.0)
    assert x.shape == (len(sentences), len(FEATURE_NAMES)) == (5, len(FEATURE_NAMES))
    assert np.isfinite(x).all()


def test_fitted_scorer_picks_the_sentence_the_summary_came_from(scorer: SentenceScorer) -> None:
    for n in range(100, 110):
        cable = parse(synthetic(n))
        chosen = scorer.select(cable, budget=12)
        assert [s.text for s in chosen] == [cable.summary]


def test_selection_keeps_document_order_and_the_budget(scorer: SentenceScorer) -> None:
    cable = parse(synthetic(7))
    chosen = scorer.select(cable, budget=30)
    positions = [(s.paragraph, s.index) for s in chosen]
    assert positions == sorted(positions)
    assert 12 <= sum(len(s.text.split()) for s in chosen) <= 45


def test_budget_is_clamped(scorer: SentenceScorer) -> None:
    assert scorer.min_words <= scorer.budget(parse(synthetic(1))) <= scorer.max_words


def test_empty_body_selects_nothing(scorer: SentenceScorer) -> None:
    assert scorer.select(parse("TAGS: PREL\nSUBJECT: NOTHING\n")) == []


def test_save_and_load_round_trip(scorer: SentenceScorer, tmp_path) -> None:
    scorer.save(tmp_path)
    loaded = SentenceScorer.load(tmp_path)
    cable = parse(synthetic(5))
    assert [s.text for s in loaded.select(cable)] == [s.text for s in scorer.select(cable)]
    assert np.allclose(loaded.scores(cable, body_sentences(cable)), scorer.scores(cable, body_sentences(cable)), atol=1e-3, rtol=1e-3)  # fp16 on disk


def test_directory_without_selector_loads_none(tmp_path) -> None:
    assert SentenceScorer.load(tmp_path) is None


def test_length_scale_lengthens_the_budget_and_is_saved(scorer: SentenceScorer, tmp_path) -> None:
    import dataclasses

    cable = parse(synthetic(3))
    longer = dataclasses.replace(scorer, length_scale=1.5, min_words=1, max_words=10_000)
    base = dataclasses.replace(scorer, min_words=1, max_words=10_000)
    assert longer.budget(cable) == pytest.approx(1.5 * base.budget(cable), abs=1)
    longer.save(tmp_path)
    assert SentenceScorer.load(tmp_path).length_scale == 1.5


def test_summary_likeness_ranks_the_words_summaries_restate() -> None:
    from summarizer.selection.fit import summary_likeness

    cables = [parse(synthetic(n)) for n in range(40)]
    table, default = summary_likeness(cables)
    assert table["dispute"] > default > table["biscuits"]  # every summary has "dispute", none "biscuits"
    assert "island" in table and "0" not in table  # a number seen in one cable only is left to the default


def test_likeness_and_comment_features() -> None:
    cable = parse(HEAD.format(n=1, topic="ISLAND") + "1. (C) The talks on the island dispute stalled.\n\n"
                  "2. (C) Officials served tea.\n\n3. (C) Comment: The island talks will resume. End Comment.\n")
    sentences = body_sentences(cable)
    x = sentence_features(cable, sentences, {}, 1.0, {"island": 2.0, "talks": 1.0}, -1.0)
    col = {name: x[:, i] for i, name in enumerate(FEATURE_NAMES)}
    assert col["likeness_max"][0] == 2.0 and col["likeness_max"][1] == -1.0
    assert col["likeness_mean"][0] > col["likeness_mean"][1]
    assert col["comment_overlap"][0] > col["comment_overlap"][1] == 0.0
    assert col["has_comment"].all()


def test_only_whole_prose_is_offered(scorer: SentenceScorer) -> None:
    from summarizer.reading import readable

    junk = ["Next Steps", "Participants:", "-- The minister said the dispute would be settled by talks next year.",
            "(SBU) Officials said the visa talks would open in Tokyo next month.", "End Note.)", "MULFORD",
            "the visa office, which Minister Abe opened in March."]
    body = "".join(f"{i}. (C) {s}\n\n" for i, s in enumerate(FILLER + junk, start=2))
    cable = parse(HEAD.format(n=7, topic="VISA") + body)
    chosen = [s.text for s in scorer.select(cable, budget=1000)]
    assert all(readable(t) for t in chosen)
    # a bullet's dash and a sub-paragraph's marking are left out; the sentence itself is offered
    assert "The minister said the dispute would be settled by talks next year." in chosen
    assert "Officials said the visa talks would open in Tokyo next month." in chosen
    assert not {"Next Steps", "Participants:", "End Note.)", "MULFORD", junk[-1]} & set(chosen)


def test_train_stage_selector_fits_into_the_directory(tmp_path) -> None:
    from summarizer.training import TrainConfig
    from summarizer.training.stages import fit_selector

    cables = [parse(synthetic(n)) for n in range(40)]
    fit_selector(TrainConfig(out=str(tmp_path), selector_length_scale=1.5), cables, log=lambda *_: None)
    loaded = SentenceScorer.load(tmp_path)
    assert loaded is not None and loaded.length_scale == 1.5
    cable = cables[3]
    assert np.allclose(loaded.scores(cable, body_sentences(cable)), fit_scorer(cables).scores(cable, body_sentences(cable)),
                       atol=1e-3, rtol=1e-3)  # fp16 on disk


def test_a_selector_of_the_old_format_is_refused_with_the_command_that_refits_it(scorer: SentenceScorer, tmp_path) -> None:
    import json

    scorer.save(tmp_path)
    settings = json.loads((tmp_path / "selector.json").read_text())
    del settings["format"]  # what the logistic-regression selector wrote
    (tmp_path / "selector.json").write_text(json.dumps(settings))
    with pytest.raises(ValueError, match="stages=selector"):
        SentenceScorer.load(tmp_path)


def test_the_network_reads_the_words_of_a_sentence() -> None:
    """Two sentences the features cannot tell apart (same length and cues, each first half the time, both
    words in every summary, so equally summary-like): only the words say which one the summaries restate."""
    def cable(n: int, first: str) -> str:
        a, b = ("The envoy praised the harbour plan.", "The envoy praised the garden plan.")[:: 1 if first == "harbour" else -1]
        body = f"2. (C) {a}\n\n3. (C) {b}\n\n4. (C) {FILLER[n % 4]}\n\n"
        return HEAD.format(n=n, topic="PORT") + "1. (C) Summary: The envoy praised the harbour plan, not a garden. End Summary.\n\n" + body

    cables = [parse(cable(n, "harbour" if n % 2 else "garden")) for n in range(40)]
    fitted = fit_scorer(cables, FitConfig(epochs=20))
    for first in ("harbour", "garden"):
        c = parse(cable(99, first))
        assert [s.text for s in fitted.select(c, budget=6)] == ["The envoy praised the harbour plan."]
