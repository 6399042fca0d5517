"""The TAGS classifier: features, fitting on a synthetic corpus, decoding, save/load, the fit command."""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import numpy as np
import pytest

from eval.systems import TagsPrior, make_item, station_of
from summarizer.cli import main as cli_main
from summarizer.parsing import parse
from summarizer.tagging import DecodeConfig, FeatureConfig, TagClassifier
from summarizer.tagging.classifier import SETTINGS_FILE, WEIGHTS_FILE
from summarizer.tagging.features import build_vocabulary, raw_features, station, words
from summarizer.tagging.fit import FitConfig, evaluate, fit_classifier, gold_codes, micro_f1
from summarizer.training.pairs import load_cables

# Topic words decide the subject code; the station decides the country code.
TOPICS = {
    "KNNP": ["enrichment", "centrifuge", "uranium", "reactor", "safeguards"],
    "ETRD": ["tariff", "export", "import", "quota", "customs"],
    "PHUM": ["prisoner", "torture", "detention", "activist", "abuse"],
}
STATIONS = {"TOKYO": "JA", "CAIRO": "EG", "LONDON": "UK"}
FILLER = "The officials met on Tuesday and agreed to talk again after the holiday."


def raw_cable(n: int, topic: str, city: str, tags: str | None = None) -> str:
    w = TOPICS[topic]
    sentence = f"The minister spoke about {w[n % 5]} and {w[(n + 2) % 5]} with the {w[(n + 3) % 5]} team."
    return (
        f"C O N F I D E N T I A L {city} 00{n:04d}\n\nTAGS: {tags or f'{topic} {STATIONS[city]}'}\n"
        f"SUBJECT: MEETING {n}\n\n1. (C) {sentence}\n\n2. (C) {FILLER}\n"
    )


def corpus(n: int) -> list[tuple[str, dict]]:
    topics, cities = list(TOPICS), list(STATIONS)
    out = []
    for i in range(n):
        city = cities[(i // 3) % 3]  # every topic appears at every station
        out.append((raw_cable(i, topics[i % 3], city), {"id": f"09{city}{i + 1}", "origin": f"Embassy {city.title()}"}))
    return out


FAST = FitConfig(epochs=40, batch_size=16, lr=0.1, min_label_count=2, tune_threshold=False,
                 decode=DecodeConfig(threshold=0.4))


@pytest.fixture(scope="module")
def classifier() -> TagClassifier:
    return fit_classifier([parse(raw, hints) for raw, hints in corpus(45)], FAST)


def test_station_agrees_with_the_tags_prior_baseline() -> None:
    for raw, hints in corpus(6) + [(raw_cable(1, "KNNP", "TOKYO"), {"origin": "Embassy Tokyo"})]:
        cable = parse(raw, hints)
        assert station(cable) == station_of(cable)
    assert station(parse(raw_cable(1, "KNNP", "TOKYO"), {"id": "09TOKYO5"})) == "TOKYO"


def test_a_tags_line_left_in_the_body_is_not_read() -> None:
    assert words("Hello TAGS: KNNP JA\nthe reactor") == ["hello", "the", "reactor"]


def test_features_are_blocks_each_normalised_and_weighted() -> None:
    fc = FeatureConfig(min_df=1, subject_weight=0.5, station_weight=0.25)
    cables = [parse(raw, hints) for raw, hints in corpus(6)]
    raws = [raw_features(c, fc) for c in cables]
    vocab = build_vocabulary(raws, fc)
    cols, vals = vocab.vectorise(raws[0], fc)
    names = {j: f for f, j in vocab.index.items()}
    by_block = {"body": [], "subject": [], "station": []}
    for j, v in zip(cols, vals):
        f = names[int(j)]
        by_block["station" if f.startswith("st:") else "subject" if f.startswith("s:") else "body"].append(v)
    assert np.linalg.norm(by_block["body"]) == pytest.approx(1.0, rel=1e-5)
    assert np.linalg.norm(by_block["subject"]) == pytest.approx(0.5, rel=1e-5)
    assert by_block["station"] == [pytest.approx(0.25)]
    assert "s:meeting" in vocab.index and "st:TOKYO" in vocab.index


def test_vocabulary_keeps_stations_and_the_most_widespread_words() -> None:
    fc = FeatureConfig(min_df=2, max_features=10)
    raws = [raw_features(parse(raw, hints), fc) for raw, hints in corpus(9)]
    vocab = build_vocabulary(raws, fc)
    assert len(vocab) == 10
    assert {"st:TOKYO", "st:CAIRO", "st:LONDON"} <= set(vocab.index)
    df = {f: sum(f in r["body"] or f in r["subject"] for r in raws) for r in raws for f in (*r["body"], *r["subject"])}
    kept = [df[f] for f in vocab.index if not f.startswith("st:")]
    dropped = [k for f, k in df.items() if f not in vocab.index]
    assert min(kept) >= max(dropped) and min(kept) >= fc.min_df
    assert np.all(vocab.idf > 0)


def test_fit_predicts_the_obvious_codes(classifier: TagClassifier) -> None:
    cable = parse(raw_cable(7, "KNNP", "CAIRO"), {"id": "10CAIRO77"})
    tags = classifier.predict(cable)
    assert set(tags[:2]) == {"KNNP", "EG"}
    assert "ETRD" not in tags and "JA" not in tags
    probs = dict(zip(classifier.labels, classifier.probabilities(cable)))
    assert probs["KNNP"] > 0.5 > probs["PHUM"]
    scored = classifier.scored(cable)
    assert [p for _, p in scored] == sorted((p for _, p in scored), reverse=True)


def test_an_empty_cable_still_gets_a_code(classifier: TagClassifier) -> None:
    for cable in (parse(""), parse("SUBJECT: \n\n"), parse(raw_cable(3, "ETRD", "TOKYO"), {"id": "09NOWHERE3"})):
        tags = classifier.predict(cable)
        assert len(tags) >= 1 and all(t in classifier.labels for t in tags)


def test_decoding_threshold_and_bounds(classifier: TagClassifier) -> None:
    probs = np.array([0.9, 0.05, 0.5, 0.3] + [0.01] * (len(classifier.labels) - 4))
    pick = lambda **kw: [c for c, _ in classifier.with_decode(DecodeConfig(**kw)).choose(probs)]  # noqa: E731
    lab = classifier.labels
    assert pick(threshold=0.4) == [lab[0], lab[2]]
    assert pick(threshold=0.95) == [lab[0]]  # never empty
    assert pick(threshold=0.95, min_tags=2) == [lab[0], lab[2]]
    assert pick(threshold=0.2, max_tags=2) == [lab[0], lab[2]]


def test_save_load_round_trip_predicts_identically(classifier: TagClassifier, tmp_path: Path) -> None:
    files = classifier.save(tmp_path / "model")
    assert sorted(p.name for p in files) == sorted([WEIGHTS_FILE, SETTINGS_FILE])
    loaded = TagClassifier.load(tmp_path / "model")
    assert loaded is not None
    assert loaded.labels == classifier.labels and loaded.decode == classifier.decode
    for raw, hints in corpus(12)[-6:]:
        cable = parse(raw, hints)
        assert np.array_equal(loaded.probabilities(cable), classifier.probabilities(cable))
        assert loaded.predict(cable) == classifier.predict(cable)


def test_load_returns_none_without_the_files(tmp_path: Path, classifier: TagClassifier) -> None:
    assert TagClassifier.load(tmp_path) is None
    assert TagClassifier.load(tmp_path / "missing") is None
    classifier.save(tmp_path)
    (tmp_path / WEIGHTS_FILE).unlink()
    assert TagClassifier.load(tmp_path) is None


def test_load_rejects_files_that_do_not_match(tmp_path: Path, classifier: TagClassifier) -> None:
    classifier.save(tmp_path)
    settings = json.loads((tmp_path / SETTINGS_FILE).read_text())
    settings["vocabulary"] = settings["vocabulary"][:-1]
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(settings))
    with pytest.raises(ValueError, match="do not match"):
        TagClassifier.load(tmp_path)


def test_pruning_keeps_the_largest_weights(classifier: TagClassifier) -> None:
    dense = np.zeros((len(classifier.vocabulary), len(classifier.labels)), dtype=np.float32)
    for j in range(len(classifier.vocabulary)):
        lo, hi = classifier.indptr[j], classifier.indptr[j + 1]
        dense[j, classifier.label_index[lo:hi]] = classifier.values[lo:hi]
    dense[np.abs(dense) < 1e-3] = 0  # no ties at the cut
    keep = int((dense != 0).sum()) // 4
    small = TagClassifier.from_dense(classifier.labels, classifier.vocabulary, dense, classifier.bias,
                                     classifier.features, classifier.decode, keep=keep)
    assert small.n_weights == keep
    assert np.abs(small.values).min() >= np.sort(np.abs(dense[dense != 0]))[-keep]
    cable = parse(raw_cable(7, "KNNP", "CAIRO"), {"id": "10CAIRO77"})
    assert small.predict(cable)[0] in {"KNNP", "EG"}


def test_threshold_is_tuned_on_held_out_train_cables() -> None:
    cables = [parse(raw, hints) for raw, hints in corpus(45)]
    clf = fit_classifier(cables, FitConfig(epochs=20, batch_size=16, min_label_count=2, tune_threshold=True))
    assert 0.1 <= clf.decode.threshold <= 0.6
    assert micro_f1([clf.predict(c) for c in cables], [gold_codes(c) for c in cables]) > 90


def test_evaluate_scores_as_the_scorer_does(classifier: TagClassifier) -> None:
    cables = [parse(raw, hints) for raw, hints in corpus(6)]
    perfect = evaluate(lambda c: [t.lower() for t in c.tag_codes], cables)
    assert perfect["micro_f1"] == 100.0 and perfect["by_kind"]["geographic"]["micro_f1"] == 100.0
    assert evaluate(lambda c: ["ZZZZ"], cables)["micro_f1"] == 0.0
    assert micro_f1([["A", "B"]], [["B", "C"]]) == pytest.approx(50.0)


def test_predicting_one_cable_is_fast(classifier: TagClassifier) -> None:
    cable = parse(raw_cable(1, "PHUM", "LONDON") + ("\n\n3. (C) " + FILLER * 400), {"id": "09LONDON1"})
    classifier.predict(cable)
    t0 = time.perf_counter()
    for _ in range(10):
        classifier.predict(cable)
    assert (time.perf_counter() - t0) / 10 < 0.05


def test_train_stage_tagger_writes_the_files_and_reports_dev(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"raw": raw, **hints} for raw, hints in corpus(42)]
    for name, part in (("train", rows[:33]), ("dev", rows[33:])):
        with gzip.open(data / f"cables-{name}.jsonl.gz", "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in part)
    argv = ["train", "--data", str(data), "--out", str(tmp_path / "out"), "limit_train=30"]
    assert cli_main([*argv, "stages=tagger"]) == 0
    assert "tag-classifier" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("model*.safetensors"))  # no seq2seq stage: no weights
    # these synthetic cables have no own summaries: the selector stage says so in one line
    assert cli_main([*argv, "stages=selector"]) == 2
    assert "needs train cables with an own summary" in capsys.readouterr().err
    assert TagClassifier.load(tmp_path / "out") is not None
    report = json.loads((tmp_path / "out" / "tagger_dev_report.json").read_text())
    prior = TagsPrior(data / "cables-train.jsonl.gz")
    dev = load_cables(data / "cables-dev.jsonl.gz")
    theirs = evaluate(lambda c: prior.predict_one(make_item(c, prior)).tags, dev)
    assert report["classifier"]["n"] == theirs["n"] == 9
    assert report["classifier"]["micro_f1"] >= theirs["micro_f1"]


# ---------------------------------------------------------------------------------- geography
def test_gazetteer_finds_names_adjectives_and_capitals_longest_first() -> None:
    from summarizer.tagging.geography import Gazetteer

    g = Gazetteer.load()
    found = g.find("South African and Brazilian envoys met in Port-au-Prince; Iraq's AFRICA policy. U.S. aid")
    assert [(code, words) for code, words, _ in found] == [
        ("SF", "South African"), ("BR", "Brazilian"), ("HA", "Port-au-Prince"), ("IZ", "Iraq"), ("XA", "AFRICA")]
    assert found[1][2] == len("South African and ")  # offsets into the text as given
    assert g.place("ADDISABABA") == "ET" and g.place("TESTVILLE") is None


def test_station_is_known_without_the_ids_year() -> None:
    from summarizer.cable import Cable

    assert station(Cable(id="BRASILIA 001017")) == "BRASILIA"
    assert station(Cable(origin="AMEMBASSY PORT-OF-SPAIN")) == "PORTOFSPAIN"
    assert station(Cable(id="09BRASILA12", origin="Embassy Brasilia")) == "BRASILA"  # the id as written wins


def test_geography_decides_the_country_codes(classifier: TagClassifier) -> None:
    geo = classifier.geography
    assert geo is not None and geo.stations == {"CAIRO": "EG", "LONDON": "UK", "TOKYO": "JA"}
    cairo = parse(raw_cable(7, "KNNP", "CAIRO"), {"id": "10CAIRO77"})
    assert set(classifier.predict(cairo)) == {"KNNP", "EG"}
    # a station train never saw: its country from the gazetteer (Nairobi is Kenya's capital)
    nairobi = parse(raw_cable(7, "KNNP", "TOKYO").replace("TOKYO", "NAIROBI"), {"id": "10NAIROBI7"})
    assert geo.station_country("NAIROBI") == "KE"
    cands = dict(classifier.geographic(nairobi, classifier.probabilities(nairobi)))
    assert "KE" in cands and cands["KE"] > cands.get("JA", 0.0)


def test_evidence_names_the_words_behind_each_code(classifier: TagClassifier) -> None:
    cable = parse(raw_cable(7, "KNNP", "CAIRO"), {"id": "10CAIRO77"})
    evidence = classifier.evidence(cable, ["KNNP", "EG", "ZZZZ"])
    assert evidence["EG"][0] == "sent from CAIRO"
    assert set(evidence["KNNP"]) & set(TOPICS["KNNP"])  # the topic words in this cable's body
    assert not set(evidence["KNNP"]) & set(TOPICS["ETRD"] + TOPICS["PHUM"])
    assert evidence["ZZZZ"] == []  # a code the classifier does not know


def test_a_classifier_without_geography_or_calibration_is_saved_as_before(classifier: TagClassifier, tmp_path: Path) -> None:
    import dataclasses

    plain = dataclasses.replace(classifier, geography=None, calibration=None)
    plain.save(tmp_path)
    settings = json.loads((tmp_path / SETTINGS_FILE).read_text())
    assert settings["format"] == 1 and not {"geography", "calibration"} & set(settings)  # as the version before
    loaded = TagClassifier.load(tmp_path)
    cable = parse(raw_cable(4, "PHUM", "LONDON"), {"id": "09LONDON4"})
    assert loaded.geography is None and loaded.predict(cable) == plain.predict(cable)
    classifier.save(tmp_path / "geo")
    assert json.loads((tmp_path / "geo" / SETTINGS_FILE).read_text())["format"] == 2
    loaded = TagClassifier.load(tmp_path / "geo")
    assert loaded.geography == classifier.geography and loaded.calibration == classifier.calibration


def test_the_shipped_tagger_names_the_country_of_a_pasted_cable() -> None:
    """The issue's case: a Brasilia cable pasted from its classification line, with no id year, about a
    patent decree: BR (and the subject, intellectual property) predicted, each with its evidence."""
    from importlib import resources

    shipped = TagClassifier.load(resources.files("summarizer") / "model" / "default")
    text = ("UNCLAS SECTION 01 OF 02 BRASILIA 001017\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: KIPR ETRD ECON BR\n"
            "SUBJECT: BRAZIL: PATENT DENIED, GOB PAVES WAY FOR GENERIC PRODUCTION OF IMPORTANT HIV DRUG\n\n"
            "1. (U) The Brazilian patent office (INPI) denied a patent application for the AIDS drug tenofovir, "
            "clearing the way for the Health Ministry to produce a generic version. Pharmaceutical companies "
            "and the industry association said the decision undermines intellectual property rights and "
            "the patent regime in Brazil.\n\n2. (U) The Ministry of Health welcomed the decision, saying it "
            "will save money on its HIV/AIDS program and protect public health.\n")
    cable = parse(text)
    tags = shipped.predict(cable)
    assert "BR" in tags and "KIPR" in tags, tags
    evidence = shipped.evidence(cable, tags)
    assert {"BRAZIL", "Brazilian"} <= {w.split(" ×")[0] for w in evidence["BR"]}
    assert any("patent" in w for w in evidence["KIPR"]), evidence["KIPR"]


def test_the_tagger_system_scores_a_directorys_classifier_alone(classifier: TagClassifier, tmp_path: Path) -> None:
    from eval.systems import SystemUnavailable, make_system

    classifier.save(tmp_path / "m")
    system = make_system("tagger", model_dir=str(tmp_path / "m"))
    cable = parse(raw_cable(7, "KNNP", "CAIRO"), {"id": "10CAIRO77"})
    out = system.predict([make_item(cable, system)])[0]
    assert out.summary is None and out.tags == classifier.predict(cable)
    with pytest.raises(SystemUnavailable, match="has no TAGS classifier"):
        make_system("tagger", model_dir=str(tmp_path))


def test_one_code_a_country_and_evidence_says_each_word_once() -> None:
    """The seed cable from Tokyo: JA, not JA and JP (the two codes of Japan); Russia's evidence names
    the country's words once ("Russia ×7", not "Russia ×7; russia")."""
    from importlib import resources

    from summarizer.app.service import seed_text

    shipped = TagClassifier.load(resources.files("summarizer") / "model" / "default")
    cable = parse(seed_text())
    tags = shipped.predict(cable)
    assert "JA" in tags and "JP" not in tags and "RS" in tags, tags
    evidence = shipped.evidence(cable, tags)
    assert evidence["JA"][0] == "sent from TOKYO"
    for words in evidence.values():
        bare = [w.split(" ×")[0].lower() for w in words]
        assert len(bare) == len(set(bare)), words


def test_calibration_weighs_each_candidate_code() -> None:
    from summarizer.tagging.calibration import FEATURES, CodeCalibration

    # weights on the logit and on how common the code is, nothing else: a hand-checkable rule
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("logit")], weights[FEATURES.index("log_prior")] = 1.0, -0.5
    cal = CodeCalibration(weights=weights, threshold=0.5, prior={"PREL": 0.4, "KIPR": 0.004})
    labels, probs = ["PREL", "KIPR", "BR", "ECON"], np.array([0.45, 0.35, 0.9, 0.01])
    idx, rows = cal.rows(labels, probs, skip={2})  # BR left to geography; ECON under the floor
    assert idx == [0, 1]
    q = dict(zip((labels[i] for i in idx), cal.probabilities(rows)))
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert q["PREL"] == pytest.approx(1 / (1 + np.exp(-(logit(0.45) - 0.5 * np.log(0.4 + 1e-4)))))
    assert q["KIPR"] > q["PREL"]  # the rarer code, less probable by the classifier, passes first
    assert CodeCalibration.from_json(cal.to_json()) == cal
