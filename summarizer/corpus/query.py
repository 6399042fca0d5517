"""Searching the index: a typed `Query` in, one page of results with its counts per month and top TAGS out.

Every value a user gives is bound as an SQL parameter; the SQL text is put together only from the fixed
fragments below (a sort order is chosen from `SORTS`, a score from `SCORE_COLUMNS`, and a list filter
gets one `?` per value). The search text is FTS5 query syntax (words are all required, "double quotes"
make a phrase, OR, NOT, NEAR(...), a trailing * for a prefix); text FTS5 cannot parse, dates outside
`YEARS`, over-long texts, too many terms, huge pages and queries that run past `TIME_LIMIT_S` are refused
with one line, `QueryError`, that starts "Bad query:".
"""
from __future__ import annotations

import datetime as dt
import heapq
import json
import re
import sqlite3
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field

from summarizer.corpus.schema import SCORE_COLUMNS, ReadConnection
from summarizer.inputs import MAX_INPUT_BYTES, InputError

MAX_TEXT_CHARS = 300
MAX_TERMS = 32
MAX_FILTER_VALUES = 50  # stations, classifications or TAGS codes in one query
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
YEARS = (1900, 2100)
TIME_LIMIT_S = 3.0  # one query's SQL; the page's figures are far below (README: Corpus search)
TOP_TAGS = 10
TAG_SAMPLE = 20_000  # above this many matches, the top TAGS are counted on evenly spaced matches and scaled
PROGRESS_STEPS = 2000  # SQLite virtual-machine steps between two looks at the clock

# ORDER BY fragments over the matching rows (temp.hits); {d} is ASC or DESC.
SORTS = {
    "date": "h.date {d} NULLS LAST, h.rowid {d}",
    "score": "h.score {d} NULLS LAST, h.rowid",
    "relevance": "h.rank, h.rowid",  # bm25, best first; only with a search text
}
# The same orders over the cables table itself, for a query without text or filters (the date index serves
# the newest first without reading every row; SQLite sorts NULL first, so DESC puts missing dates last).
BROWSE_ORDERS = {
    ("date", True): "c.date DESC, c.rowid DESC",
    ("date", False): "c.date IS NULL, c.date, c.rowid",
    ("score", True): "c.{score} IS NULL, c.{score} DESC, c.rowid",
    ("score", False): "c.{score} IS NULL, c.{score}, c.rowid",
}
DOC_COLUMNS = {"summary", "model_summary", "evidence", "hints", "raw"}  # in cable_docs, the rest in cables
SYNTAX_HELP = ('words are all required; "double quotes" make a phrase (and hold punctuation such as "U.S."), '
               "OR between alternatives, NOT before a word to leave out, a trailing * for a prefix")
_DATE = re.compile(r"(\d{4,})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_SHORT_PREFIX = re.compile(r"(?<![\w\"])\w{0,2}\*")
_QUOTED_PREFIX = re.compile(r'"((?:[^"]|"")*)"\s*\*')  # an FTS5 string ("" inside is a quote) used as a prefix
_WORD = re.compile(r"\w+")


class QueryError(ValueError):
    """A query the index cannot answer: one line for the user, starting "Bad query:"."""

    def __init__(self, message: str):
        super().__init__(f"Bad query: {message}")


@dataclass(frozen=True)
class Query:
    text: str = ""  # FTS5 syntax over subject, own summary, model summary and body
    stations: tuple[str, ...] = ()  # any of them
    classifications: tuple[str, ...] = ()  # any of them
    tags: tuple[str, ...] = ()  # own TAGS codes: all of them
    date_from: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    date_to: str = ""
    sort: str = "date"  # a key of SORTS
    descending: bool = True
    score: str = "rouge2"  # the score "score" sorts by
    page: int = 1
    page_size: int = 25


@dataclass
class Hit:
    """One row of the results table."""

    rowid: int
    id: str | None
    date: str | None
    station: str | None
    classification: str | None
    subject: str | None
    tags: str
    score: float | None  # the query's score column
    model_summary: str | None
    error: str | None


@dataclass
class Answer:
    query: Query
    total: int
    hits: list[Hit]
    months: list[tuple[str, int]]  # (YYYY-MM, matching cables), in time order
    top_tags: list[tuple[str, int]]  # (code, matching cables with it), most first
    seconds: float
    note: str | None = None  # e.g. a page past the last one
    tags_sampled: int | None = None  # the top TAGS were estimated from this many of the matches

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


@dataclass
class Facets:
    """What the filters can offer: every station, classification and TAGS code, with their counts."""

    cables: int
    stations: list[tuple[str, int]] = field(default_factory=list)
    classifications: list[tuple[str, int]] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)
    first_date: str | None = None
    last_date: str | None = None


@dataclass
class StoredCable:
    """What the one-cable view needs of an indexed cable: its text (to parse again) and its prediction."""

    rowid: int
    id: str | None
    raw: str | None
    hints: dict
    model_summary: str | None
    predicted_tags: list[str]
    topics: list[str]
    seconds: float | None
    error: str | None


# ----------------------------------------------------------------------------------- checking
def _unbalanced(text: str) -> str | None:
    """What is left open or closed too soon in a search text, in words: FTS5 only says `syntax error near ""`
    or `unterminated string`. Brackets inside a "phrase" are the phrase's, as FTS5 reads them."""
    depth, quoted = 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted  # a doubled "" inside a phrase closes and reopens it: the same state after both
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth < 0:
                return 'a closing bracket ")" has no opening "(" before it; add one or leave it out'
    if quoted:
        return 'a double quote (") is not closed; end the phrase with another " or leave it out'
    if depth:
        return 'an opening bracket "(" is not closed; add a ")" after the words it groups, or leave it out'
    return None


def _clean_text(text: str) -> str:
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in (text or "")).split())
    unbalanced = _unbalanced(text)
    if unbalanced:
        raise QueryError(f"the search text: {unbalanced}")
    if len(text) > MAX_TEXT_CHARS:
        raise QueryError(f"the search text is {len(text):,} characters; at most {MAX_TEXT_CHARS} are searched")
    if len(_WORD.findall(text)) > MAX_TERMS:
        raise QueryError(f"the search text has more than {MAX_TERMS} words; leave some out")
    if _SHORT_PREFIX.search(text) or any(len((_WORD.findall(m) or [""])[-1]) < 3 for m in _QUOTED_PREFIX.findall(text)):
        # `"ab"*` is a prefix query on the phrase's last word, as `ab*` is
        raise QueryError("a prefix search needs at least 3 letters before the * (e.g. nucl*)")
    return text


def _day(text: str, end: bool) -> str:
    """A bound on the ISO date column for a date the user typed: the first moment it covers, or (`end`)
    the first one after it, at the precision given."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise QueryError(f"date {text.strip()[:40]!r}: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    if not YEARS[0] <= year <= YEARS[1]:
        raise QueryError(f"date {text.strip()[:40]!r}: years run from {YEARS[0]} to {YEARS[1]}")
    try:
        d = dt.date(year, month, day)
    except ValueError as e:
        raise QueryError(f"date {text.strip()[:40]!r}: {e}") from None
    if m[3]:
        return (d + dt.timedelta(days=1) if end else d).isoformat()
    if m[2]:
        if end:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return f"{year:04d}-{month:02d}"
    return f"{year + 1 if end else year:04d}"


def _values(name: str, values, upper: bool = False) -> list[str]:
    out = [" ".join(str(v).split()) for v in values or () if str(v).strip()]
    if len(out) > MAX_FILTER_VALUES:
        raise QueryError(f"{len(out)} {name} chosen; at most {MAX_FILTER_VALUES}")
    if any(len(v) > 200 for v in out):
        raise QueryError(f"a {name[:-1]} name is over 200 characters")
    return [v.upper() for v in out] if upper else out


@dataclass
class _Sql:
    """The FROM and WHERE of a checked query, with their parameters."""

    source: str
    where: str
    params: list
    order: str  # over temp.hits (SORTS)
    rank: str  # what temp.hits.rank holds
    limit: int
    offset: int


def plan(q: Query) -> _Sql:
    """The SQL for `q`, or QueryError. Only fixed fragments go into the text; the values are parameters."""
    if q.sort not in SORTS:
        raise QueryError(f"sort by one of {', '.join(SORTS)}")
    if q.score not in SCORE_COLUMNS:
        raise QueryError(f"score is one of {', '.join(SCORE_COLUMNS)}")
    if not isinstance(q.page_size, int) or not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"page size runs from 1 to {MAX_PAGE_SIZE}")
    if not isinstance(q.page, int) or not 1 <= q.page <= MAX_PAGE:
        raise QueryError(f"page numbers run from 1 to {MAX_PAGE:,}")
    text = _clean_text(q.text)
    where, params = ["1"], []
    if text:
        source = "cable_text f JOIN cables c ON c.rowid = f.rowid"
        where.append("cable_text MATCH ?")
        params.append(text)
    else:
        source = "cables c"
    for column, values in (("station", _values("stations", q.stations)),
                           ("classification", _values("classifications", q.classifications))):
        if values:
            where.append(f"c.{column} IN ({', '.join('?' * len(values))})")
            params += values
    for code in _values("tags", q.tags, upper=True):
        where.append("c.rowid IN (SELECT cable FROM cable_tags WHERE code = ?)")
        params.append(code)
    start = _day(q.date_from, end=False) if q.date_from and q.date_from.strip() else None
    stop = _day(q.date_to, end=True) if q.date_to and q.date_to.strip() else None
    if start and stop and stop <= start:
        raise QueryError(f"the date range ends ({q.date_to.strip()}) before it starts ({q.date_from.strip()})")
    if start:
        where.append("c.date >= ?")
        params.append(start)
    if stop:
        where.append("c.date < ?")
        params.append(stop)
    sort = q.sort if text or q.sort != "relevance" else "date"
    order = SORTS[sort].format(d="DESC" if q.descending else "ASC")
    # bm25 costs more than the match itself on common words: only for a relevance sort
    return _Sql(source, " AND ".join(where), params, order, "f.rank" if sort == "relevance" else "0", q.page_size,
                (q.page - 1) * q.page_size)


# ----------------------------------------------------------------------------------- running
class _Deadline:
    """Stops the connection's statement once `seconds` have passed (SQLite's progress handler)."""

    def __init__(self, conn: sqlite3.Connection, seconds: float):
        self.conn, self.end = conn, time.monotonic() + seconds

    def __enter__(self):
        self.conn.set_progress_handler(lambda: time.monotonic() > self.end, PROGRESS_STEPS)
        if isinstance(self.conn, ReadConnection):
            self.conn.held = True  # its own per-statement deadline waits
        return self

    def __exit__(self, *exc):
        self.conn.set_progress_handler(None, PROGRESS_STEPS)
        if isinstance(self.conn, ReadConnection):
            self.conn.held = False


def _run(conn: sqlite3.Connection, sql: str, params: list) -> list[tuple]:
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as e:
        msg = str(e)
        if "interrupted" in msg:
            raise QueryError(f"the search took over {TIME_LIMIT_S:.0f} s; use rarer words or narrow the filters") from None
        raise QueryError(f"the search text: {msg.removeprefix('fts5: ')} ({SYNTAX_HELP})") from None


def _sort_key(q: Query, sort: str):
    """The Python sort key over (rowid, date, month, score, tags, rank) rows that SORTS gives in SQL
    (missing dates and scores last in both directions); (key, reverse)."""
    if sort == "relevance":
        return (lambda r: (r[5], r[0])), False
    if sort == "date":
        if q.descending:
            return (lambda r: (r[1] is not None, r[1] or "", r[0])), True
        return (lambda r: (r[1] is None, r[1] or "", r[0])), False
    if q.descending:
        return (lambda r: (r[3] is None, -(r[3] or 0.0), r[0])), False
    return (lambda r: (r[3] is None, r[3] or 0.0, r[0])), False


def _texts(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    """What the results table shows of each cable in `ids` (one page: at most MAX_PAGE_SIZE)."""
    if not ids:
        return {}
    return {r[0]: r for r in conn.execute(
        "SELECT c.rowid, c.id, c.station, c.classification, c.subject, c.tags, d.model_summary, c.error "
        f"FROM cables c JOIN cable_docs d ON d.rowid = c.rowid WHERE c.rowid IN ({', '.join('?' * len(ids))})", ids)}


def _hits(page: list[tuple], texts: dict[int, tuple]) -> list[Hit]:
    return [Hit(rowid=r[0], id=texts[r[0]][1], date=r[1], station=texts[r[0]][2], classification=texts[r[0]][3],
                subject=texts[r[0]][4], tags=texts[r[0]][5] or "", score=r[3], model_summary=texts[r[0]][6],
                error=texts[r[0]][7]) for r in page]


def _browse(conn: sqlite3.Connection, q: Query, t0: float) -> Answer:
    """The whole corpus (no text, no filter): counts from the indexes, the page by ORDER BY ... LIMIT."""
    sort = "date" if q.sort == "relevance" else q.sort
    order = BROWSE_ORDERS[(sort, q.descending)].format(score=q.score)
    page = conn.execute(f"SELECT c.rowid, c.date, c.month, c.{q.score} FROM cables c ORDER BY {order} "
                        "LIMIT ? OFFSET ?", (q.page_size, (q.page - 1) * q.page_size)).fetchall()
    answer = Answer(
        query=q, total=conn.execute("SELECT count(*) FROM cables").fetchone()[0],
        hits=_hits(page, _texts(conn, [r[0] for r in page])),
        months=conn.execute("SELECT month, count(*) FROM cables WHERE month IS NOT NULL GROUP BY month "
                            "ORDER BY month").fetchall(),
        top_tags=conn.execute("SELECT code, count(*) AS n FROM cable_tags GROUP BY code ORDER BY n DESC, code "
                              "LIMIT ?", (TOP_TAGS,)).fetchall(),
        seconds=0.0)
    answer.seconds = time.perf_counter() - t0
    if not answer.hits and answer.total:
        answer.note = f"page {q.page:,} is past the last page ({answer.pages:,})"
    return answer


def search(conn: sqlite3.Connection, q: Query) -> Answer:
    """One page of the cables matching `q`, their total, counts per month and top TAGS; QueryError for a
    query the index cannot answer."""
    t0 = time.perf_counter()
    s = plan(q)
    with _Deadline(conn, TIME_LIMIT_S):
        if s.where == "1":
            return _browse(conn, q, t0)
        # One pass over the matches reads what the count, the months, the TAGS and the sort need from the
        # narrow cables table; then only the page's rows are read from cable_docs.
        matches = _run(conn, f"SELECT c.rowid, c.date, c.month, c.{q.score}, c.tags, {s.rank} "
                             f"FROM {s.source} WHERE {s.where}", s.params)
        key, reverse = _sort_key(q, "relevance" if s.rank != "0" else ("date" if q.sort == "relevance" else q.sort))
        end = s.offset + s.limit
        if end * 8 < len(matches):  # a heap for the first pages, a sort for deep ones
            page = (heapq.nlargest if reverse else heapq.nsmallest)(end, matches, key=key)[s.offset:]
        else:
            page = sorted(matches, key=key, reverse=reverse)[s.offset:end]
        texts = _texts(conn, [r[0] for r in page])
    hits = _hits(page, texts)
    total = len(matches)
    step = -(-total // TAG_SAMPLE) if total > TAG_SAMPLE else 1
    tags = Counter(code for r in matches[::step] for code in dict.fromkeys((r[4] or "").split()))
    top = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TAGS]
    answer = Answer(query=q, total=total, hits=hits,
                    months=sorted(Counter(r[2] for r in matches if r[2]).items()),
                    top_tags=[(code, n * step) for code, n in top], seconds=time.perf_counter() - t0,
                    tags_sampled=len(matches[::step]) if step > 1 else None)
    if not hits and total:
        answer.note = f"page {q.page:,} is past the last page ({answer.pages:,})"
    return answer


def matching_rows(conn: sqlite3.Connection, q: Query, columns: list[str], chunk: int = 1000):
    """Every row matching `q` (all pages), in the query's order, as dicts of `columns` (names of the cables
    and cable_docs tables, checked by the caller against its own list)."""
    s = plan(q)
    picked = ", ".join(("d." if c in DOC_COLUMNS else "c.") + c for c in columns)
    sql = (f"SELECT {picked} FROM (SELECT c.rowid, c.date, c.{q.score} AS score, {s.rank} AS rank "
           f"FROM {s.source} WHERE {s.where}) h CROSS JOIN cables c ON c.rowid = h.rowid "
           f"CROSS JOIN cable_docs d ON d.rowid = h.rowid ORDER BY {s.order}")
    try:
        # Each step (the statement's start, which sorts the matches, then each `chunk` of rows) has the
        # search's deadline: an export is many steps of a few ms, an endless or huge query is stopped.
        with _Deadline(conn, TIME_LIMIT_S):
            cursor = conn.execute(sql, s.params)
            batch = cursor.fetchmany(chunk)
        while batch:
            yield from (dict(zip(columns, r)) for r in batch)
            with _Deadline(conn, TIME_LIMIT_S):
                batch = cursor.fetchmany(chunk)
    except sqlite3.OperationalError as e:
        if "interrupted" in str(e):
            raise QueryError(f"the export's query took over {TIME_LIMIT_S:.0f} s; use rarer words or narrow "
                             "the filters") from None
        raise QueryError(f"the search text: {str(e).removeprefix('fts5: ')} ({SYNTAX_HELP})") from None


def facets(conn: sqlite3.Connection, top_tags: int = 300) -> Facets:
    """The choices the page's filters offer."""
    first, last = conn.execute("SELECT min(date), max(date) FROM cables").fetchone()
    return Facets(
        cables=conn.execute("SELECT count(*) FROM cables").fetchone()[0],
        stations=conn.execute("SELECT station, count(*) FROM cables WHERE station IS NOT NULL "
                              "GROUP BY station ORDER BY station").fetchall(),
        classifications=conn.execute("SELECT classification, count(*) FROM cables WHERE classification IS NOT NULL "
                                     "GROUP BY classification ORDER BY 2 DESC").fetchall(),
        tags=conn.execute("SELECT code, count(*) AS n FROM cable_tags GROUP BY code ORDER BY n DESC, code LIMIT ?",
                          (top_tags,)).fetchall(),
        first_date=first, last_date=last)


def stored_text(blob: bytes) -> str:
    """A row's compressed raw text, decompressed no further than the limit for one cable (InputError past
    it, or for data that is not the index's own compressed UTF-8): a crafted row of a few hundred kB must
    not become gigabytes."""
    d = zlib.decompressobj()
    try:
        data = d.decompress(blob, MAX_INPUT_BYTES + 1)
    except (zlib.error, TypeError) as e:
        raise InputError(f"this cable's stored text cannot be read ({e}): the index is damaged") from None
    if len(data) > MAX_INPUT_BYTES or d.unconsumed_tail:
        raise InputError(f"this cable's stored text is over {MAX_INPUT_BYTES:,} bytes, the limit for one cable: "
                         "it was not written by `summarizer index`")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"this cable's stored text is not UTF-8 ({e.reason} at byte {e.start:,})") from None


def stored_cable(conn: sqlite3.Connection, rowid: int) -> StoredCable | None:
    row = conn.execute("SELECT c.rowid, c.id, d.raw, d.hints, d.model_summary, c.predicted_tags, c.topics, c.seconds, "
                       "c.error FROM cables c JOIN cable_docs d ON d.rowid = c.rowid WHERE c.rowid = ?",
                       (int(rowid),)).fetchone()
    if row is None:
        return None
    rowid, cid, raw, hints, summary, tags, topics, seconds, error = row
    return StoredCable(rowid=rowid, id=cid, raw=stored_text(raw) if raw is not None else None,
                       hints=json.loads(hints or "{}"), model_summary=summary, predicted_tags=(tags or "").split(),
                       topics=[t for t in (topics or "").split("; ") if t], seconds=seconds, error=error)
