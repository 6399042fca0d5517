"""The work behind the page's Corpus tab, without Gradio: which index it searches, the searches, a cable
opened from it for the one-cable view, and exports.

The index is a batch run's `index.sqlite` given by `summarizer serve --corpus OUT_DIR`, or the default
one (`summarizer.corpus.default`), built in the background the first time the tab is used. It is opened
read-only (`mode=ro`), one connection per server thread.
"""
from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from summarizer.app.service import Analysis, analysis_of, fresh_dir
from summarizer.app.uploads import UploadBudget
from summarizer.corpus.default import DefaultIndexBuild
from summarizer.corpus.export import Export, export
from summarizer.corpus.query import Answer, Facets, Query, facets, search, stored_cable
from summarizer.corpus.schema import READ_TIME_LIMIT_S, index_file, open_read_only
from summarizer.inputs import InputError
from summarizer.parsing import parse

log = logging.getLogger("summarizer.app")

# Exports: what one client (by address) may have written in an hour, and how long an export's folder may
# stay when the page never says it was served (its copy in Gradio's cache is swept after an hour).
EXPORT_BUDGET_BYTES = 200 * 1024 * 1024
EXPORT_WINDOW_S = 3600
EXPORT_MAX_AGE_S = 600
_EXPORT_ROOT = "cable-summarizer-exports"


def msg_export_budget(budget: int, window_s: int, retry_s: int) -> str:
    return (f"Export refused: this client's export budget ({budget // (1024 * 1024)} MB in {window_s // 60} minutes) "
            f"is spent; try again in {max(1, retry_s // 60)} minute(s), or narrow the search.")


def export_root() -> Path:
    return Path(tempfile.gettempdir()) / _EXPORT_ROOT


def new_export_dir() -> Path:
    """A fresh folder for one export; folders older than EXPORT_MAX_AGE_S are removed."""
    return fresh_dir(export_root(), EXPORT_MAX_AGE_S, "export-")


def discard_export(files) -> None:
    """Delete an export's folder once the page has served its files (Gradio keeps its own copy)."""
    root = export_root().resolve()
    for folder in {Path(f).resolve().parent for f in files or []}:
        if folder.parent == root:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _index_errors():
    """A statement stopped by the read deadline (`schema.ReadConnection`) or an index that cannot be read:
    one line for the page, not an internal error."""
    try:
        yield
    except sqlite3.OperationalError as e:
        if "interrupted" in str(e):
            raise InputError(f"the corpus index took over {READ_TIME_LIMIT_S:.0f} s to answer; it is not one "
                             "`summarizer index` built, or far larger than the page can search") from None
        raise InputError(f"the corpus index cannot be read ({e})") from None
    except sqlite3.DatabaseError as e:
        raise InputError(f"the corpus index cannot be read ({e})") from None


class CorpusSource:
    """The index the Corpus tab searches: a given file, or the default one, built when first asked for."""

    def __init__(self, path: Path | None = None, build: DefaultIndexBuild | None = None, name: str | None = None):
        self.path, self.build = path, build
        self.name = name or (str(path) if path else "the default corpus")
        self._local = threading.local()
        self._facets: Facets | None = None
        self._model: str | None = None
        self.export_budget = UploadBudget(EXPORT_BUDGET_BYTES, EXPORT_WINDOW_S)

    @classmethod
    def of_run(cls, where: str | Path) -> "CorpusSource":
        """The index of batch OUT_DIR `where` (or the .sqlite file itself); InputError when it cannot be opened."""
        path = index_file(Path(where))
        open_read_only(path).close()
        return cls(path=path, name=str(where))

    def state(self, start: bool = False) -> tuple[str, str]:
        """("ready" | "building" | "failed" | "idle", a line for the page); `start` starts the default build."""
        if self.path is not None:
            return "ready", self.name
        if start:
            self.build.start()
        state, line = self.build.state()
        if state == "ready":
            self.name = line
        return state, line

    def _conn(self):
        path = self.path or self.build.index
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "path", None) != path:
            state, line = self.state()
            if state != "ready":
                raise InputError(f"The corpus is not ready: {line}.")
            conn = self._local.conn = open_read_only(path)
            self._local.path = path
        return conn

    def facets(self) -> Facets:
        if self._facets is None:
            with _index_errors():
                self._facets = facets(self._conn())
        return self._facets

    def search(self, q: Query) -> Answer:
        return search(self._conn(), q)

    def model(self) -> str:
        if self._model is None:
            with _index_errors():
                row = self._conn().execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
            self._model = Path(row[0]).name if row else "the batch run's model"
        return self._model

    def open(self, rowid: int) -> tuple[Analysis, str]:
        """The one-cable view of indexed cable `rowid`, from its stored text and prediction, and that text."""
        with _index_errors():
            stored = stored_cable(self._conn(), rowid)
        if stored is None:
            raise InputError("That cable is not in the index any more: search again.")
        if stored.raw is None:
            raise InputError(f"{stored.id or 'This record'} has no text to show: {stored.error}.")
        cable = parse(stored.raw, stored.hints)
        analysis = analysis_of(cable, stored.model_summary, stored.predicted_tags, stored.topics,
                               stored.seconds or 0.0, self.model())
        return analysis, stored.raw

    def export(self, q: Query, client: str = "local") -> Export:
        """The result set of `q` as files in a new folder (delete it with `discard_export` once served);
        InputError once `client` has exported EXPORT_BUDGET_BYTES in the last hour."""
        entry = self.export_budget.reserve(client, 1)
        if entry is None:
            log.info("refused export for %s: budget spent", client)
            raise InputError(msg_export_budget(self.export_budget.budget, self.export_budget.window_s,
                                               self.export_budget.retry_after(client)))
        folder = new_export_dir()
        written = 0
        try:
            done = export(self._conn(), q, folder, stem="corpus-results")
            written = sum(f.stat().st_size for f in done.files)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            self.export_budget.settle(client, entry, written)
        return done
