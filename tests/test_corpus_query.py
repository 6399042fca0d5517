"""The corpus index's queries (`summarizer.corpus.query`): filters, sorting, paging, months and TAGS, and
hostile input (FTS5 syntax errors, injection strings, huge dates, pages and texts) answered by one line
"Bad query: ..." with the index unchanged. The index is read-only as the page opens it."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest
from corpus_helpers import build_index, sample_rows

from summarizer.corpus.query import MAX_PAGE, Query, QueryError, facets, matching_rows, search, stored_cable
from summarizer.corpus.schema import open_read_only
from summarizer.inputs import InputError

HOSTILE = [
    '"unclosed', "AND OR", "*", "a*", "NEAR(", "NEAR(trade budget, 5", "NEAR(trade, budget, 5)", "OR trade",
    "'; DROP TABLE cables; --", "\" OR 1=1 --", "trade'; DELETE FROM cables WHERE '1'='1", "nosuchcolumn: trade",
    "x" * 301, " ".join(["trade"] * 40), "(((((trade", "trade)", "^", "{subject body", "\x00trade\x00'",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("corpus") / "index.sqlite")


@pytest.fixture
def conn(index):
    c = open_read_only(index)
    yield c
    c.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_phrase_filters_and_counts(conn):
    a = search(conn, Query(text='"fisheries quota"'))
    assert a.total == 12 and all(h.subject.endswith(tuple("05")) for h in a.hits)
    a = search(conn, Query(text='"fisheries quota"', stations=("Embassy Tokyo",)))
    assert {h.station for h in a.hits} == {"Embassy Tokyo"} and a.total == 4  # i = 0, 15, 30, 45
    a = search(conn, Query(tags=("prel", "JA")))  # codes upper-cased; all of them required
    assert a.total == 20 and all("JA" in h.tags.split() for h in a.hits)
    a = search(conn, Query(classifications=("SECRET",), date_from="2005", date_to="2005-12-31"))
    assert a.total == sum(1 for i in range(60) if i % 3 == 1 and i % 6 == 1)
    assert a.months == sorted(a.months) and sum(n for _, n in a.months) == a.total
    assert a.top_tags[0] == ("ECON", a.total)


def test_sorting_and_paging(conn):
    by_date = search(conn, Query(sort="date", descending=False, page_size=7))
    dates = [h.date for h in by_date.hits]
    assert dates == sorted(dates) and by_date.total == 60 and by_date.pages == 9
    by_score = search(conn, Query(sort="score", score="rouge2", page_size=5))
    assert [h.score for h in by_score.hits] == [59.0, 58.0, 57.0, 56.0, 55.0]
    last = search(conn, Query(page=9, page_size=7))
    assert len(last.hits) == 60 - 8 * 7 and last.note is None
    past = search(conn, Query(page=50, page_size=7))
    assert past.hits == [] and past.total == 60 and "past the last page (9)" in past.note
    ranked = search(conn, Query(text="cable7 OR fisheries", sort="relevance"))
    assert ranked.hits[0].id == "05TEST7"  # its own word is rarer than the shared phrase


def test_export_rows_are_every_match_in_order(conn):
    q = Query(text="fisheries", sort="date", page_size=3)
    rows = list(matching_rows(conn, q, ["id", "date"]))
    assert len(rows) == 12 and [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_is_one_line_and_changes_nothing(index, conn, text):
    before = digest(index)
    with pytest.raises(QueryError) as e:
        search(conn, Query(text=text))
    message = str(e.value)
    assert message.startswith("Bad query:") and "\n" not in message and len(message) < 400
    assert digest(index) == before
    assert conn.execute("SELECT count(*) FROM cables").fetchone()[0] == 60


@pytest.mark.parametrize("query, expect", [
    (Query(date_from="0001-01-01", date_to="9999-12-31"), "years run from 1900 to 2100"),
    (Query(date_from="2005-13"), "month must be in 1..12"),
    (Query(date_from="yesterday"), "write YYYY, YYYY-MM or YYYY-MM-DD"),
    (Query(date_from="2009", date_to="2004"), "ends (2004) before it starts (2009)"),
    (Query(page=MAX_PAGE + 1), "page numbers run from 1"),
    (Query(page=10**18), "page numbers run from 1"),
    (Query(page=0), "page numbers run from 1"),
    (Query(page_size=10**6), "page size runs from 1 to 200"),
    (Query(sort="date; DROP TABLE cables"), "sort by one of"),
    (Query(score="rouge2 DESC; DROP TABLE cables"), "score is one of"),
    (Query(stations=tuple(f"s{i}" for i in range(51))), "at most 50"),
    (Query(tags=("x" * 201,)), "over 200 characters"),
])
def test_bad_filters_are_one_line(index, conn, query, expect):
    before = digest(index)
    with pytest.raises(QueryError) as e:
        search(conn, query)
    assert str(e.value).startswith("Bad query:") and expect in str(e.value)
    assert digest(index) == before


@pytest.mark.parametrize("text, expect", [
    ("(nuclear OR oil", 'an opening bracket "(" is not closed'),
    ("nuclear) oil", 'a closing bracket ")" has no opening "("'),
    ('"prime minister', 'a double quote (") is not closed'),
])
def test_unbalanced_search_text_says_what_is_open_in_words(conn, text, expect):
    """FTS5 answers `syntax error near ""` for an unclosed bracket."""
    with pytest.raises(QueryError) as e:
        search(conn, Query(text=text))
    assert expect in str(e.value) and "syntax error" not in str(e.value)


def test_brackets_inside_a_phrase_are_the_phrase_s(conn):
    assert search(conn, Query(text='"fisheries (quota"')).total == search(conn, Query(text='"fisheries quota"')).total


def test_injection_in_filters_is_only_a_value(index, conn):
    before = digest(index)
    evil = "Embassy Tokyo' OR '1'='1"
    assert search(conn, Query(stations=(evil,))).total == 0
    assert search(conn, Query(tags=("PREL') OR 1=1 --",))).total == 0
    assert search(conn, Query(classifications=("SECRET\" OR \"\"=\"",))).total == 0
    assert digest(index) == before


def test_the_page_cannot_write(index, conn):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM cables")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DROP TABLE cables")
    assert conn.execute("SELECT count(*) FROM cables").fetchone()[0] == 60


def test_facets_and_stored_cable(conn):
    f = facets(conn)
    assert f.cables == 60 and {s for s, _ in f.stations} == {"Embassy Tokyo", "Embassy Cairo", "Consulate Chennai"}
    assert dict(f.tags)["PREL"] == 40 and f.first_date.startswith("2004")
    hit = search(conn, Query(text="cable7")).hits[0]
    c = stored_cable(conn, hit.rowid)
    assert c.raw == sample_rows()[7].raw and c.model_summary.startswith("The model says cable7")
    assert stored_cable(conn, 10**9) is None


def test_not_an_index_is_one_line(tmp_path):
    bad = tmp_path / "index.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    for path in (bad, tmp_path / "missing.sqlite"):
        with pytest.raises(InputError) as e:
            open_read_only(path)
        assert "\n" not in str(e.value)
