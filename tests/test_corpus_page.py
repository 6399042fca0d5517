"""The Corpus tab's work without a browser: `summarizer serve --corpus` refusing a bad OUT_DIR, the default
index built in the background (the shipped examples, where no dev split is given), the tab's query and
plot values, a cable opened for the one-cable view, and the export's CSV and JSON Lines."""
from __future__ import annotations

import csv
import json
import time

import pytest
from app_helpers import free_port, tiny_model_dir
from corpus_helpers import build_index

from summarizer.app import page as app_page
from summarizer.app.corpus_service import CorpusSource
from summarizer.cli import main as cli_main
from summarizer.corpus.default import DefaultIndexBuild
from summarizer.corpus.export import COLUMNS
from summarizer.corpus.query import Answer, Query
from summarizer.inputs import InputError


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return CorpusSource.of_run(build_index(tmp_path_factory.mktemp("corpus") / "index.sqlite"))


def test_serve_refuses_a_bad_corpus_before_loading_the_model(tmp_path, capsys):
    t = time.perf_counter()
    for where in (tmp_path / "missing", tmp_path):
        assert cli_main(["serve", "--port", str(free_port()), "--corpus", str(where)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("summarizer serve: --corpus:") and "no corpus index there" in err and "\n" not in err
    assert time.perf_counter() - t < 5  # no model was loaded


def test_tab_values_from_the_page_inputs():
    q = app_page.corpus_query('"fisheries quota"', ["Embassy Tokyo"], ["PREL"], None, "2005", "", "score-asc", 3)
    assert q == Query(text='"fisheries quota"', stations=("Embassy Tokyo",), tags=("PREL",), date_from="2005",
                      sort="score", descending=False, page=3, page_size=app_page.CORPUS_PAGE_SIZE)
    a = Answer(query=q, total=3, hits=[], months=[("2005-11", 1), ("2006-02", 2)], top_tags=[("PREL", 3)], seconds=0.01)
    months = app_page.dates_frame(a)
    assert months.to_dict("list") == {"when": ["2005-11", "2005-12", "2006-01", "2006-02"], "cables": [1, 0, 0, 2]}
    assert app_page.dates_frame(None).empty  # the months between are there above, with 0
    years = app_page.dates_frame(Answer(query=q, total=4, hits=[], months=[("1975-03", 1), ("2009-01", 2),
                                                                           ("2009-07", 1)], top_tags=[], seconds=0))
    assert len(years) == 2009 - 1975 + 1 and years["when"].iloc[0] == "1975"  # over 3 years: by year
    assert years.set_index("when")["cables"].to_dict()["2009"] == 3 and years["cables"].sum() == 4
    assert app_page.tags_frame(a).to_dict("list") == {"TAGS": ["PREL"], "cables": [3]}


def test_search_open_and_export(source):
    a = source.search(Query(text='"fisheries quota"', stations=("Embassy Cairo",)))
    assert a.total == 4 and len(app_page.corpus_table(a)) == 4
    assert "4 cable(s)" in app_page.corpus_status(a, source.name)
    analysis, raw = source.open(a.hits[0].rowid)
    assert raw.startswith("CONFIDENTIAL") and analysis.summary.startswith("The model says")
    assert analysis.cable.tag_codes == ["ECON", "EG"] and analysis.supports
    with pytest.raises(InputError, match="not in the index"):
        source.open(10**9)

    done = source.export(Query(text="fisheries"))
    csv_path, jsonl_path = done.files
    assert done.rows == 12 and not done.truncated
    with csv_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == COLUMNS and len(rows) == 12
    lines = [json.loads(x) for x in jsonl_path.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == [r["id"] for r in rows]
    assert isinstance(lines[0]["tags"], list) and lines[0]["evidence"][0]["paragraphs"] == [2]


def test_default_index_of_the_examples_builds_in_the_background(tmp_path):
    build = DefaultIndexBuild(str(tiny_model_dir()), root=tmp_path, dev=tmp_path / "no-dev-split.jsonl.gz")
    source = CorpusSource(build=build)
    assert source.state()[0] == "idle"
    t = time.perf_counter()
    state, line = source.state(start=True)
    assert time.perf_counter() - t < 2  # the page does not wait for the build
    assert state in ("building", "ready"), line
    deadline = time.monotonic() + 240
    while state == "building":
        assert "in the background" in line
        assert time.monotonic() < deadline
        time.sleep(0.5)
        state, line = source.state()
    assert state == "ready", line
    assert "the shipped examples" in line
    assert source.search(Query()).total == 3
    # a second server finds the finished run and starts nothing
    again = DefaultIndexBuild(str(tiny_model_dir()), root=tmp_path, dev=tmp_path / "no-dev-split.jsonl.gz")
    again.start()
    assert again.state()[0] == "ready" and again._proc is None
