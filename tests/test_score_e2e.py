"""`python -m eval.score` end to end on the tiny synthetic corpus in tests/fixtures/eval_corpus.jsonl."""
import json
import subprocess
import sys
from pathlib import Path

from eval import compare, score, systems
from summarizer.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "eval_corpus.jsonl"
SPEC_FIELDS = ["system", "n", "rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1_micro", "seconds_per_cable", "settings"]


def own_summaries() -> dict[str, str]:
    from summarizer.parsing import parse

    out = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        cable = parse(rec["raw"], {k: v for k, v in rec.items() if k != "raw"})
        if cable.summary:
            out[rec["id"]] = cable.summary
    return out


def run_score(tmp_path, system, *extra, registry=None):
    out = tmp_path / system
    rc = score.main(["--data", str(FIXTURE), "--system", system, "--out", str(out), "--quiet", *extra], registry=registry)
    return rc, out


def test_fixture_has_summaries_tags_and_one_cable_without_summary():
    sums = own_summaries()
    assert len(sums) == 3  # the fourth cable has no own summary: summarized, not scored on ROUGE


def test_lead3_end_to_end(tmp_path):
    rc, out = run_score(tmp_path, "lead3")
    assert rc == 0
    rep = json.loads((out / "report.json").read_text())
    for f in SPEC_FIELDS:
        assert f in rep
    for k in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        lo, hi = rep[f"{k}_ci95"]
        assert 0 <= lo <= rep[k] <= hi <= 100
    assert rep["n"] == 4 and rep["n_rouge"] == 3 and rep["n_errors"] == 0
    assert rep["tags_f1_micro"] is None  # lead3 predicts no tags
    assert rep["faithfulness"]["unsupported_share"] == 0.0  # extractive: everything is in the source
    assert rep["length"]["summary_words_mean"] > 0
    rd = rep["reading"]  # what a reader sees: lead3 copies the body's sentences whole
    assert rd["sentences"] > 0 and rd["copy"] == 100.0 and rd["other_edit"] == 0.0 and rd["facts_changed"] == 0.0
    assert "## What a reader sees" in (out / "report.md").read_text()
    assert {"seconds_per_cable_p50", "seconds_per_cable_p95", "cables_per_second"} <= set(rep["speed"])
    assert rep["peak_memory_mb"] > 0
    assert rep["settings"]["seed"] == 0 and rep["settings"]["rouge"]["use_stemmer"] is True
    rows = [json.loads(l) for l in (out / "per_cable.jsonl").read_text().splitlines()]
    assert len(rows) == 4
    assert sum("rouge" in r for r in rows) == 3
    md = (out / "report.md").read_text()
    assert "| ROUGE-2 F1 |" in md and "Five best cables" in md and "Five worst cables" in md
    assert "## Settings" in md
    for png in ("score_distribution.png", "length_vs_reference.png", "score_by_year.png", "score_by_origin.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_deterministic_given_seed(tmp_path):
    drop = {"seconds_per_cable", "speed", "peak_memory_mb", "settings", "plots"}
    reps = []
    for i in range(2):
        rc = score.main(["--data", str(FIXTURE), "--system", "oracle", "--out", str(tmp_path / f"o{i}"), "--quiet", "--no-plots", "--seed", "3"])
        assert rc == 0
        rep = json.loads((tmp_path / f"o{i}" / "report.json").read_text())
        reps.append({k: v for k, v in rep.items() if k not in drop})
    assert reps[0] == reps[1]
    rows = [[{k: v for k, v in json.loads(l).items() if k not in ("seconds", "parse_seconds")} for l in (tmp_path / f"o{i}" / "per_cable.jsonl").read_text().splitlines()] for i in range(2)]
    assert rows[0] == rows[1]


def test_tags_prior_end_to_end(tmp_path):
    rc, out = run_score(tmp_path, "tags-prior", "--train", str(FIXTURE), "--no-plots")
    assert rc == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["rouge1"] is None and rep["tags_f1_micro"] > 0
    assert set(rep["tags"]["by_kind"]) >= {"subject", "geographic"}
    assert rep["n_tags"] == 4


def test_leakage_rule_no_system_input_holds_the_own_summary(tmp_path):
    """A spy system records everything it is given; no own-summary sentence may be in it."""
    seen: list[systems.Item] = []

    class Spy(systems.System):
        name = "spy"
        length_matched = True

        def predict_one(self, item):
            seen.append(item)
            return systems.Output(summary=item.cable.body)

    rc, out = run_score(tmp_path, "spy", "--no-plots", registry={"spy": Spy})
    assert rc == 0
    sums = own_summaries()
    assert len(seen) == 4
    for item in seen:
        assert item.reference is None and item.cable.summary is None
        blob = json.dumps(item.cable.to_json(), ensure_ascii=False)
        for ref in sums.values():
            for sent in split_sentences(ref):
                assert sent not in blob
    rep = json.loads((out / "report.json").read_text())
    assert rep["summary_in_input"] == 0


def test_bad_records_are_reported_not_dropped(tmp_path, capsys):
    corpus = tmp_path / "mixed.jsonl"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    corpus.write_text("\n".join([lines[0], "{not json", json.dumps({"id": "X1", "raw": ""}), lines[1]]) + "\n")
    rc = score.main(["--data", str(corpus), "--system", "lead3", "--out", str(tmp_path / "m"), "--quiet", "--no-plots"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "line 2" in err and "line 3 id X1" in err
    rep = json.loads((tmp_path / "m" / "report.json").read_text())
    assert rep["n"] == 2 and rep["n_errors"] == 2 and rep["n_records"] == 4
    assert "## Errors" in (tmp_path / "m" / "report.md").read_text()


def test_limit(tmp_path):
    rc, out = run_score(tmp_path, "lead3", "--limit", "2", "--no-plots")
    assert rc == 0
    assert json.loads((out / "report.json").read_text())["n"] == 2


def test_model_that_does_not_load_exits_2_with_clear_message(tmp_path, monkeypatch, capsys):
    def load_model(path):
        raise FileNotFoundError("no weights")

    monkeypatch.setattr(systems, "load_model", load_model)
    rc, out = run_score(tmp_path, "model")
    assert rc == 2
    assert "no model is installed" in capsys.readouterr().err
    assert not out.exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert score.main(["--data", str(tmp_path / "none.jsonl"), "--system", "lead3", "--out", str(tmp_path / "x")]) == 2
    assert score.main(["--data", str(FIXTURE), "--system", "nope", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "unknown system" in err


def test_compare_prints_one_table(tmp_path, capsys):
    for s in ("lead3", "lead-words"):
        assert run_score(tmp_path, s, "--no-plots")[0] == 0
    assert compare.main([str(tmp_path / "lead3"), str(tmp_path / "lead-words")]) == 0
    table = capsys.readouterr().out.strip().splitlines()
    assert table[0].startswith("| system |") and len(table) == 4
    assert table[2].startswith("| lead3 ") and table[3].startswith("| lead-words ")
    assert compare.main([str(tmp_path / "missing")]) == 2


def test_cli_module_runs(tmp_path):
    """The real command line: `python -m eval.score` with a progress bar on stderr."""
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "eval.score", "--data", str(FIXTURE), "--system", "lead-words", "--out", str(out), "--no-plots"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "lead-words" in proc.stderr and "4/4" in proc.stderr  # tqdm progress
    rep = json.loads((out / "report.json").read_text())
    assert rep["settings"]["command"].startswith("python -m eval.score --data")


def test_time_limit_zero_scores_nothing_but_still_reports(tmp_path):
    rc, out = run_score(tmp_path, "lead3", "--time-limit", "0")
    assert rc == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["n"] == 0 and rep["rouge1"] is None and rep["rouge1_ci95"] is None
    assert rep["settings"]["stopped_early"] == {"records_scored": 0, "records_selected": 4, "reason": "time limit"}
    assert "Stopped early" in (out / "report.md").read_text()
    assert "first 0 of 4" in compare.render([rep])


def test_resume_reuses_scored_cables(tmp_path, capsys):
    out = tmp_path / "r"
    base = ["--data", str(FIXTURE), "--system", "lead3", "--out", str(out), "--quiet", "--no-plots"]
    assert score.main(base + ["--limit", "2"]) == 0
    first = [json.loads(l) for l in (out / "per_cable.jsonl").read_text().splitlines()]
    assert score.main(base + ["--resume"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["n"] == 4 and rep["settings"]["resumed_rows"] == 2
    rows = [json.loads(l) for l in (out / "per_cable.jsonl").read_text().splitlines()]
    assert rows[:2] == first
    # the same numbers as a run in one go
    assert score.main(["--data", str(FIXTURE), "--system", "lead3", "--out", str(tmp_path / "one"), "--quiet", "--no-plots"]) == 0
    one = json.loads((tmp_path / "one" / "report.json").read_text())
    for k in ("rouge1", "rouge2", "rougeL", "rougeLsum", "rouge2_ci95"):
        assert rep[k] == one[k]
    # another system's run cannot be resumed into
    assert score.main(["--data", str(FIXTURE), "--system", "oracle", "--out", str(out), "--resume", "--quiet"]) == 2
    assert "cannot --resume" in capsys.readouterr().err


def test_writer_refusals_are_reported_even_where_a_cable_had_none_written(tmp_path):
    """A writer system reports per cable what its gate refused; a cable where it wrote nothing has no
    such field, and the report still counts the rest (this crashed a whole dev run once)."""
    class Writer(systems.System):
        name = "writer"
        calls = 0

        def predict_one(self, item):
            Writer.calls += 1
            if Writer.calls == 1:
                return systems.Output(summary="")  # nothing written: no extra
            return systems.Output(summary=item.cable.body.split("\n")[0],
                                  extra={"written": 2, "refused": ["word not in the source: 'x'"]})

    rc, out = run_score(tmp_path, "writer", "--no-plots", registry={"writer": Writer})
    assert rc == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["reading"]["writer"] == {"written": 6, "refused": 3, "refused_share": 50.0,
                                        "reasons": {"word not in the source": 3}}
    assert "the gate refused 3 (50.00%)" in (out / "report.md").read_text()
