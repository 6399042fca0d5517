"""The work behind the page's Corpus tab, without Gradio: which index it searches, the searches, a cable
opened from it for the one-cable view, and exports.

The index is a batch run's `index.sqlite` given by `summarizer serve --corpus OUT_DIR`, or the default
one (`summarizer.corpus.default`), built in the background the first time the tab is used. It is opened
read-only (`mode=ro`), one connection per server thread.
"""
from __future__ import annotations

import threading
from pathlib import Path

from summarizer.app.service import Analysis, analysis_of, new_result_dir
from summarizer.corpus.default import DefaultIndexBuild
from summarizer.corpus.export import Export, export
from summarizer.corpus.query import Answer, Facets, Query, facets, search, stored_cable
from summarizer.corpus.schema import index_file, open_read_only
from summarizer.inputs import InputError
from summarizer.parsing import parse


class CorpusSource:
    """The index the Corpus tab searches: a given file, or the default one, built when first asked for."""

    def __init__(self, path: Path | None = None, build: DefaultIndexBuild | None = None, name: str | None = None):
        self.path, self.build = path, build
        self.name = name or (str(path) if path else "the default corpus")
        self._local = threading.local()
        self._facets: Facets | None = None
        self._model: str | None = None

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
            self._facets = facets(self._conn())
        return self._facets

    def search(self, q: Query) -> Answer:
        return search(self._conn(), q)

    def model(self) -> str:
        if self._model is None:
            row = self._conn().execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
            self._model = Path(row[0]).name if row else "the batch run's model"
        return self._model

    def open(self, rowid: int) -> tuple[Analysis, str]:
        """The one-cable view of indexed cable `rowid`, from its stored text and prediction, and that text."""
        stored = stored_cable(self._conn(), rowid)
        if stored is None:
            raise InputError("That cable is not in the index any more: search again.")
        if stored.raw is None:
            raise InputError(f"{stored.id or 'This record'} has no text to show: {stored.error}.")
        cable = parse(stored.raw, stored.hints)
        analysis = analysis_of(cable, stored.model_summary, stored.predicted_tags, stored.topics,
                               stored.seconds or 0.0, self.model())
        return analysis, stored.raw

    def export(self, q: Query) -> Export:
        return export(self._conn(), q, new_result_dir(), stem="corpus-results")
