"""The index file's tables, and how it is opened: for writing (the index builder) or read-only (the page).

SQLite with FTS5 rather than DuckDB over Parquet: the page's queries are a full-text match plus a few
selective filters and one page of rows, which FTS5's inverted index and B-tree indexes answer by lookup;
DuckDB scans columns (fast for aggregates over all rows, but it has no ranked phrase search comparable to
FTS5's, and it is one more dependency where `sqlite3` is in the standard library). One file also updates
in place, a shard at a time, in a transaction: a killed indexer leaves the last complete shard indexed.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.request import pathname2url

from summarizer.inputs import InputError

INDEX_FILE = "index.sqlite"
SCHEMA_VERSION = 3  # 3: decl and signers (issue 29); an index of 2 is rebuilt from its shards
BUSY_TIMEOUT_S = 30.0  # a reader waits this long for a writer's transaction (a batch run updating the index)
READ_TIME_LIMIT_S = 3.0  # every statement on a read-only connection (the search's own deadline: corpus.query)
READ_CACHE_KIB = 65536  # SQLite's page cache per reading connection: the narrow cables table of 250,000 fits
TABLE_NAMES = ("meta", "shards", "cables", "cable_docs", "cable_tags", "cable_text")
# `PRAGMA application_id` of every index this project writes ("CBLS"); indexes written before it have 0.
APPLICATION_ID = 0x43424C53

SCORE_COLUMNS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1")

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shards (
    name TEXT PRIMARY KEY,          -- the shard file under OUT_DIR/shards
    bytes INTEGER NOT NULL,         -- its size and modification time when indexed: a redone shard differs
    mtime_ns INTEGER NOT NULL,
    rows INTEGER NOT NULL
);
-- What the filters, sorts and counts read, kept narrow (no text) so that a query touching every matching row
-- reads a few hundred bytes of each: 250,000 cables are about 100 MB here, a few GB in cable_docs.
CREATE TABLE IF NOT EXISTS cables (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: cable_text may still hold a replaced row's
    record TEXT NOT NULL UNIQUE,    -- input sha256 ':' line: the record's identity across runs
    id TEXT,
    input TEXT,
    line INTEGER NOT NULL,
    date TEXT,                      -- ISO 8601, as the parser gives it
    month TEXT,                     -- YYYY-MM
    station TEXT,                   -- the cable's origin, e.g. "Embassy Tokyo"
    classification TEXT,
    subject TEXT,
    tags TEXT,                      -- own TAGS codes, space-separated, in order
    tag_names TEXT,                 -- "CODE name; CODE name", for readers and exports
    predicted_tags TEXT,
    topics TEXT,
    decl TEXT,                      -- the DECL (declassification) date, ISO 8601, as the parser gives it
    signers TEXT,                   -- the signers' names, "; "-separated
    rouge1 REAL, rouge2 REAL, rougeL REAL, rougeLsum REAL, tags_f1 REAL,
    seconds REAL,
    error TEXT                      -- why the record has no summary
);
-- The text of each cable, read for one page of results, an opened cable or an export.
CREATE TABLE IF NOT EXISTS cable_docs (
    rowid INTEGER PRIMARY KEY,      -- = cables.rowid
    summary TEXT,                   -- the cable's own summary paragraph(s)
    model_summary TEXT,
    evidence TEXT,                  -- JSON: per summary sentence, the paragraphs that back it
    hints TEXT,                     -- JSON: the corpus record's other fields (the parser reads them)
    raw BLOB                        -- zlib-compressed raw text: the page parses it again to show the cable
);
CREATE INDEX IF NOT EXISTS cables_date ON cables(date);
CREATE INDEX IF NOT EXISTS cables_station ON cables(station, date);
CREATE INDEX IF NOT EXISTS cables_classification ON cables(classification, date);
CREATE INDEX IF NOT EXISTS cables_month ON cables(month);
CREATE TABLE IF NOT EXISTS cable_tags (
    code TEXT NOT NULL,
    cable INTEGER NOT NULL,
    PRIMARY KEY (code, cable)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cable_tags_cable ON cable_tags(cable, code);
-- Contentless: the words are indexed, the text itself is not stored twice (the raw text is in cables). A
-- contentless table cannot delete a row without its old text, so a replaced record's entry stays and matches
-- no row of cables (queries join on rowid).
CREATE VIRTUAL TABLE IF NOT EXISTS cable_text USING fts5(
    subject, summary, model_summary, body, content = '', tokenize = 'porter unicode61'
);
"""


def index_file(where: Path) -> Path:
    """The index of a batch OUT_DIR, or `where` itself when it names the file."""
    return where if where.suffix == ".sqlite" else where / INDEX_FILE


def open_for_writing(path: Path) -> sqlite3.Connection:
    """The index at `path`, created when missing; InputError when the file is something else, or a SQLite
    database this project did not create (its tables are never dropped or added to)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        version = check_ours(conn, path)
        if version is not None and version != str(SCHEMA_VERSION):
            # The index is derived from the shards: an older layout of the project's is dropped and built again.
            for table in TABLE_NAMES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed table names
            version = None
        conn.executescript(TABLES)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if version is None:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    except sqlite3.DatabaseError as e:
        conn.close()
        raise InputError(f"{path} is not a corpus index ({e}); move it away to rebuild it") from None
    except InputError:
        conn.close()
        raise
    return conn


def _ours(name: str) -> bool:
    """A table of the project's index: its own, the full-text table's shadow tables, SQLite's own."""
    return name in TABLE_NAMES or name.startswith(("cable_text_", "sqlite_"))


def check_ours(conn: sqlite3.Connection, path: Path, refusal: str = "move it away or use another --out") -> str | None:
    """The schema version of the project's index open on `conn` (None: an empty database); InputError when
    the database holds anything the project did not make: another application's id, a table, view or
    trigger of another name, or no `meta.schema`."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    objects = conn.execute("SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger')").fetchall()
    if not objects and app_id in (0, APPLICATION_ID):
        return None
    foreign = sorted(name for kind, name in objects if kind != "table" or not _ours(name))
    version = None
    if "meta" in {name for _, name in objects} and not foreign:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            version = str(row[0]) if row else None
        except sqlite3.DatabaseError:  # a table named meta without those columns
            version = None
    if app_id not in (0, APPLICATION_ID) or foreign or version is None:
        what = (f"application id {app_id:#x}" if app_id not in (0, APPLICATION_ID)
                else f"its own {_kinds(objects, foreign)} {', '.join(foreign[:5])}"
                + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                if foreign else "no corpus index version in it")
        raise InputError(f"{path} is a SQLite database that summarizer did not create ({what}); it is left as it "
                         f"is: {refusal}")
    return version


def _kinds(objects: list[tuple[str, str]], names: list[str]) -> str:
    kinds = sorted({kind for kind, name in objects if name in names})
    return "/".join(f"{k}(s)" for k in kinds)


def _check_tables(conn: sqlite3.Connection, path: Path) -> None:
    """InputError unless the project's tables are all there and the full-text table is the project's."""
    sql = dict(conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").fetchall())
    missing = [t for t in TABLE_NAMES if t not in sql]
    if missing:
        raise InputError(f"{path} is not a corpus index (no table {missing[0]}); rebuild it with `summarizer index`")
    fts = " ".join((sql["cable_text"] or "").split())
    if not fts.startswith("CREATE VIRTUAL TABLE cable_text USING fts5(") or \
            "subject, summary, model_summary, body, content = ''" not in fts:
        raise InputError(f"{path} is not a corpus index (its cable_text is not the project's full-text table); "
                         "rebuild it with `summarizer index`")


def check_writable(path: Path) -> None:
    """InputError, before any work, when `path` exists and `open_for_writing` would refuse it."""
    if not path.exists():
        return
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as e:
        raise InputError(f"{path} is not a corpus index ({e}); move it away to rebuild it") from None
    try:
        check_ours(conn, path)
    except sqlite3.DatabaseError as e:
        raise InputError(f"{path} is not a corpus index ({e}); move it away to rebuild it") from None
    finally:
        conn.close()


class ReadConnection(sqlite3.Connection):
    """A read-only index connection on which every statement stops after READ_TIME_LIMIT_S (its execution
    and the fetches that follow it): a crafted index cannot hold a server thread however it is queried."""

    time_limit_s = READ_TIME_LIMIT_S
    held = False  # a caller's own deadline is in force (`corpus.query._Deadline`)

    def execute(self, *args, **kwargs):
        if not self.held:
            end = time.monotonic() + self.time_limit_s
            self.set_progress_handler(lambda: time.monotonic() > end, 2000)
        return super().execute(*args, **kwargs)


def open_read_only(path: Path) -> sqlite3.Connection:
    """The index at `path`, opened so that nothing can write to it (`mode=ro`); InputError when it is
    missing, not an index of this version or not one the project made (views, triggers, other tables,
    another full-text table); every statement on it has a deadline (`ReadConnection`)."""
    if not path.is_file():
        raise InputError(f"{path}: no corpus index there; build it with `summarizer index OUT_DIR`")
    conn = sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                           check_same_thread=False, factory=ReadConnection)
    try:
        version = check_ours(conn, path, refusal="give the --corpus of a `summarizer batch` run")
        if version is not None:
            _check_tables(conn, path)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise InputError(f"{path} is not a corpus index ({e})") from None
    except InputError:
        conn.close()
        raise
    if version is None or version != str(SCHEMA_VERSION):
        conn.close()
        raise InputError(f"{path} is an index of another version; rebuild it with `summarizer index`")
    conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
    conn.execute("PRAGMA temp_store = MEMORY")  # the query's matching rows (summarizer.corpus.query)
    return conn
