"""Metric code on hand-made examples whose answers were worked out by hand (see the comments)."""
import pytest

from summarizer import metrics


# ------------------------------------------------------------------------------------------ ROUGE
def test_rouge_one_sentence_by_hand():
    # ref  : the cat sat on the mat      pred : the cat lay on the mat   (no token > 3 chars: no stemming)
    # R-1  : overlap the×2 cat on mat = 5 of 6 each side           -> P = R = 5/6 -> 83.33
    # R-2  : ref {the-cat cat-sat sat-on on-the the-mat}, pred shares the-cat on-the the-mat = 3/5 -> 60
    # R-L  : LCS "the cat on the mat" = 5 -> 5/6 -> 83.33; one sentence, so R-Lsum = R-L
    s = metrics.rouge("the cat lay on the mat", "the cat sat on the mat")
    assert s["rouge1"] == pytest.approx(500 / 6)
    assert s["rouge2"] == pytest.approx(60.0)
    assert s["rougeL"] == pytest.approx(500 / 6)
    assert s["rougeLsum"] == pytest.approx(500 / 6)


def test_rouge_lsum_uses_the_project_splitter():
    # ref : [police kept order] [the march end]     pred: [the march end] [police kept order]
    # R-1 : same 6 tokens -> 100
    # R-2 : ref bigrams police-kept kept-order order-the the-march march-end; pred has 4 of them -> 80
    # R-L : LCS over the whole token strings = 3 of 6 -> 50
    # R-Lsum: each ref sentence fully covered by one pred sentence -> union LCS 3 + 3 = 6 of 6 -> 100
    ref = "Police kept order. The march ended."
    pred = "The march ended. Police kept order."
    s = metrics.rouge(pred, ref)
    assert s["rouge1"] == pytest.approx(100.0)
    assert s["rouge2"] == pytest.approx(80.0)
    assert s["rougeL"] == pytest.approx(50.0)
    assert s["rougeLsum"] == pytest.approx(100.0)
    assert metrics.prepare_for_rouge(ref) == "Police kept order.\nThe march ended."


def test_rouge_stemming_on():
    # ministers / minister both stem to "minist"; met (3 chars) is not stemmed and != meet.
    # 1 of 2 each side -> 50
    assert metrics.rouge("minister meeting", "ministers met")["rouge1"] == pytest.approx(50.0)
    assert metrics.rouge("Ministers met", "ministers met")["rouge1"] == pytest.approx(100.0)


def test_rouge_empty_prediction_scores_zero():
    s = metrics.rouge("", "The minister left.")
    assert all(v == 0.0 for v in s.values())


def test_ngram_f1_matches_rouge():
    ref, pred = "the cat sat on the mat", "the cat lay on the mat"
    r, p = metrics.rouge_tokens(ref), metrics.rouge_tokens(pred)
    assert 100 * metrics.ngram_f1(metrics.ngrams(p, 2), metrics.ngrams(r, 2)) == pytest.approx(60.0)


# -------------------------------------------------------------------------------------- bootstrap
def test_bootstrap_is_deterministic_and_sane():
    vals = [float((i * 37) % 101) + i / 7 for i in range(40)]
    a = metrics.bootstrap_ci(vals, n_resamples=500, seed=7)
    b = metrics.bootstrap_ci(vals, n_resamples=500, seed=7)
    c = metrics.bootstrap_ci(vals, n_resamples=500, seed=8)
    assert a == b
    assert a != c
    lo, hi = a
    assert min(vals) <= lo < sum(vals) / len(vals) < hi <= max(vals)


def test_bootstrap_edge_cases():
    assert metrics.bootstrap_ci([]) is None
    assert metrics.bootstrap_ci([42.0]) == (42.0, 42.0)
    assert metrics.bootstrap_ci([5.0] * 20, seed=1) == (5.0, 5.0)


# ------------------------------------------------------------------------------------------- tags
KINDS = {"PREL": "subject", "ECON": "subject", "PGOV": "subject", "PHUM": "subject", "JA": "geographic", "KS": "geographic"}


def test_tag_f1_by_hand():
    pairs = [(["PREL", "ECON", "JA"], ["PREL", "JA", "KS"]), (["PGOV"], ["PGOV", "PHUM"])]
    s = metrics.tag_scores(pairs, kind_of=KINDS.get)
    # micro: TP 2+1=3, FP 1+0=1, FN 1+1=2 -> P 3/4, R 3/5, F1 = 2·.75·.6/1.35 = 2/3
    assert s["micro_p"] == pytest.approx(75.0)
    assert s["micro_r"] == pytest.approx(60.0)
    assert s["micro_f1"] == pytest.approx(200 / 3)
    # macro over codes: PREL 1, ECON 0, JA 1, KS 0, PGOV 1, PHUM 0 -> 3/6
    assert s["macro_f1"] == pytest.approx(50.0)
    # samples: cable 1 P=R=2/3 -> 2/3; cable 2 P=1 R=1/2 -> 2/3
    assert s["samples_f1"] == pytest.approx(200 / 3)
    # geographic: pred JA, gold JA KS -> P 1, R 1/2, F1 2/3
    assert s["by_kind"]["geographic"]["micro_f1"] == pytest.approx(200 / 3)
    assert s["by_kind"]["geographic"]["n_gold"] == 2
    # subject: TP 2 (PREL, PGOV), FP 1 (ECON), FN 1 (PHUM) -> 2/3
    assert s["by_kind"]["subject"]["micro_f1"] == pytest.approx(200 / 3)


def test_tag_f1_single_cable_and_empty():
    assert metrics.tag_f1(["A", "B"], ["B", "A"]) == 1.0
    assert metrics.tag_f1([], ["A"]) == 0.0
    assert metrics.tag_f1([], []) == 1.0
    assert metrics.tag_scores([])["micro_f1"] is None


def test_tag_kinds_the_scorer_groups_by():
    from summarizer.tags import tag_kind as k

    assert (k("PREL"), k("JA"), k("KNNP"), k("prel")) == ("subject", "geographic", "program", "subject")


# ----------------------------------------------------------------------------------- faithfulness
def test_faithfulness_by_hand():
    source = "PRIME MINISTER KOIZUMI WILL GO TO TOKYO ON 5 JULY. MOFA SAID SO."
    output = "Prime Minister Koizumi met President Bush in Tokyo on 5 July. MOFA and the CIA agreed."
    units = metrics.extract_units(output)
    assert ("number", "5") in units
    assert ("acronym", "MOFA") in units and ("acronym", "CIA") in units
    assert ("name", "Prime Minister Koizumi") in units and ("name", "President Bush") in units
    f = metrics.faithfulness(output, source)
    # 5 units: 5, MOFA, CIA, Prime Minister Koizumi, President Bush; unsupported: CIA, President Bush
    assert f["units"] == 5
    assert sorted(f["unsupported"]) == ["CIA", "President Bush"]
    s = metrics.faithfulness_summary([f])
    assert s["unsupported_share"] == pytest.approx(40.0)
    assert s["by_kind"]["name"] == {"units": 2, "unsupported": 1, "unsupported_share": 50.0}


def test_faithfulness_lower_case_output():
    # No capitalisation to read: only numbers are checked, and matching is case-insensitive.
    f = metrics.faithfulness("the minister met bush on 7 july in tokyo", "The Minister will visit Tokyo on 5 July.")
    assert f["units"] == 1 and f["unsupported"] == ["7"]


def test_faithfulness_normalisation():
    source = "The U.S. Embassy paid 1,200 dollars to Foreign Minister Franco Frattini and two NGO groups."
    f = metrics.faithfulness("US Embassy paid 1200 to Foreign Minister Frattini's NGOs.", source)
    assert f["unsupported"] == []
    f = metrics.faithfulness("The Embassy paid 1300 dollars.", source)
    assert f["unsupported"] == ["1300"]


def test_faithfulness_counts_each_fact_once_and_handles_empty():
    f = metrics.faithfulness("NATO met. NATO met again in 2005 and 2005.", "nothing here")
    assert f["units"] == 2 and sorted(f["unsupported"]) == ["2005", "NATO"]
    assert metrics.faithfulness("", "x") == {"units": 0, "unsupported": [], "by_kind": {}}
    assert metrics.faithfulness_summary([])["unsupported_share"] is None


def test_names_do_not_start_with_sentence_words_or_span_dotted_acronyms():
    units = metrics.extract_units("The Foreign Minister met Judge S.J. Van Klaveren and the U.S. Embassy.")
    names = [u for k, u in units if k == "name"]
    assert "Foreign Minister" in names
    assert "Judge S.J. Van Klaveren" in names
    assert "U.S. Embassy" in names
    assert not any(n.startswith(("The ", "S. ", "J. ")) for n in names)


# ---------------------------------------------------------------------------------- length/speed
def test_word_count_and_percentile():
    assert metrics.word_count("The  minister\nleft, quickly.") == 4
    assert metrics.word_count(None) == 0
    assert metrics.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert metrics.percentile([], 95) is None
    assert metrics.mean([1, None, 3]) == 2
