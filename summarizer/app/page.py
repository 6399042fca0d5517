"""The Gradio page (`summarizer serve`): one cable, a batch tab, and the `/summarize` API.

`build_page(service)` returns the `gr.Blocks`; `launch(demo, ...)` starts it with the project's
settings (queue limits, no extra file-system paths, offline-friendly theme). The work itself is in
`summarizer.app.service`; this module only turns its results into component values and its
`InputError`s into `gr.Error` messages.

Endpoints (all on one queue, `max_size` requests waiting at most):
- `/summarize` (public): raw cable text in, a JSON object out (summary, topics, tags, scores, ...);
- `/parse` (public): raw cable text in, the parse record out (no model);
- `/batch` (public): a `.jsonl(.gz)` corpus and a cable limit in, averages, a preview table and the
  JSONL + CSV files out;
- the page's own single-cable, example, upload and Corpus-tab events (private: not listed and not callable by name).
Model calls share the concurrency group "model" (`MODEL_CONCURRENCY` at once; the service's lock
serialises the model calls themselves, and `/summarize` calls waiting for it are answered in one call).

The page's single-cable event streams: the parsed cable at once, then the summary as the writer writes
it, sentence by sentence, under a "Written by" line. When the client leaves, Gradio closes the event's
generator, which closes the model's stream and so stops the writer (`SummaryService.stream`).
"""
from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import threading
import traceback
from collections import OrderedDict

import gradio as gr
import pandas as pd
from pydantic import ValidationError
from starlette.middleware import Middleware

from summarizer.app.corpus_service import CorpusSource, discard_export
from summarizer.app.guard import RequestLimits
from summarizer.evidence import paragraph_labels
from summarizer.app.service import (
    SCORE_KEYS, Analysis, BatchResult, Draft, SummaryService, example_files, read_upload, tag_label,
)
from summarizer.app.uploads import discard_upload
from summarizer.app.topics import topics_markdown
from summarizer.corpus.query import MAX_PAGE, Answer, Query, QueryError
from summarizer.inputs import InputError
from summarizer.limits import MAX_UPLOAD_BYTES
from summarizer.model.errors import ModelError

log = logging.getLogger("summarizer.app")
_exported_lock = threading.Lock()

# Model events running at once: they wait for the model's lock, and the `/summarize` calls waiting there
# are predicted together in one model call (`service.Coalescer`), so more running means larger shared calls.
MODEL_CONCURRENCY = 16
# Events waiting in the queue (all endpoints together): 100 concurrent API clients fit; one more gets
# HTTP 503 "Server busy" (`RequestLimits`) instead of the queue growing without limit.
QUEUE_MAX_SIZE = 128
DEFAULT_BATCH_LIMIT = 200

SCORE_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum",
               "tags_f1": "Tag F1"}
# Sentence labels S1, S2... get these colours in both the summary and the supporting paragraphs.
PALETTE = ["#fde68a", "#bfdbfe", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#e9d5ff",
           "#d9f99d", "#fecaca", "#c7d2fe", "#99f6e4"]
NO_SUPPORT = "no support found"
# A spinner the page draws (CSS below): the hourglass emoji was an empty box in Debian's Chromium, which has no
# emoji font.
SPINNER = '<span class="spinner" aria-hidden="true"></span>'
WAITING = "Waiting for a cable."
OWN_SUMMARY_LINES = 400  # the own summary is one paragraph or a few: 400 lines hold any of them whole

CSS = """
#status p { margin: 0; }
#cable-input textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.cable-md table { width: 100%; }
.cable-md td:first-child { white-space: nowrap; font-weight: 600; vertical-align: top; }
#paragraphs p { margin: 0 0 .6em 0; }
#support .token, #model-summary .token { word-break: normal; overflow-wrap: anywhere; }
#support .textfield, #model-summary .textfield { line-height: 1.6; }
.spinner { display: inline-block; width: .85em; height: .85em; margin-right: .45em; vertical-align: -.1em;
           border: 2px solid #bfdbfe; border-top-color: #2563eb; border-radius: 50%; animation: spin .9s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
/* Corpus table: headers break between words only ("classificati/on"); cells in the page's font, which fits
   more of a summary in a column than the monospace one. */
#corpus-results th, #corpus-results th * { white-space: nowrap; word-break: normal !important; overflow-wrap: normal !important; }
#corpus-results :is(th, td, .body-cell), #corpus-results :is(th, td, .body-cell) * {
    font-family: var(--font) !important; font-size: 13px; }
#corpus-results .body-cell span { word-break: normal !important; overflow-wrap: break-word !important; }
/* Scores: numbers and names kept whole ("ROU/GE-/1", "66./7" at 390 px); the table scrolls if it must. */
#scores table { display: block; overflow-x: auto; }
#scores th, #scores td { white-space: nowrap; }
/* Phone width: the results table keeps 900 px (Gradio sizes its columns from the table's width; at 326 px a
   row was a letter wide and very tall) and scrolls sideways. */
@media (max-width: 700px) {
  #corpus-results .table-container { overflow-x: auto; }
  #corpus-results .table-wrap { min-width: 900px; }
}
/* Gradio writes the S1, S2... labels in white, unreadable on the pastel PALETTE (1.2:1 on yellow). */
#support .label, #model-summary .label { color: #111827; }
"""


def _theme():
    # System fonts only: the page must work without reaching Google Fonts.
    return gr.themes.Soft(
        primary_hue="blue", neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def _failure(e: Exception) -> tuple[str, str]:
    """(title, one-line message) for an error, never a traceback; an unexpected one is logged whole."""
    if isinstance(e, InputError):
        return "Bad input", str(e)
    if isinstance(e, ModelError):  # the model process died: a new one loads, or the bound on restarts is reached
        log.warning("model unavailable: %s", e)
        return "Model unavailable", f"{str(e)[:1].upper()}{str(e)[1:]}."
    log.error("unexpected error: %s", "".join(traceback.format_exception(e)))
    msg = " ".join(str(e).split())[:300] or type(e).__name__
    return "Error", (f"Internal error ({type(e).__name__}): {msg}. The server is still running; try again "
                     "or report the cable that caused it.")


def _fail(e: Exception, visible: bool = True) -> gr.Error:
    """A clear one-line message for the page and the API."""
    title, message = _failure(e)
    return gr.Error(message, title=title, visible=visible, print_exception=False)


def _md(text: str | None) -> str:
    """Cable text safe inside Markdown: HTML escaped, Markdown punctuation neutralised."""
    if not text:
        return "—"
    out = html.escape(" ".join(str(text).split()), quote=False)
    for ch in "\\`*_[]#|~":
        out = out.replace(ch, "\\" + ch)
    return out


def _color_map(n: int) -> dict[str, str]:
    cmap = {f"S{i + 1}": PALETTE[i % len(PALETTE)] for i in range(n)}
    cmap[NO_SUPPORT] = "#e5e7eb"
    return cmap


# ------------------------------------------------------------------------------- single cable
def header_markdown(a: Analysis | Draft) -> str:
    """The cable's header fields as a two-column Markdown table: those of the SPEC's first set, then the
    reference parser's (issue 29): DECL date, recipients, signers, classifier and its reasons, the
    telegram's transmission id, typed references, the partial-extract notice. A field the cable lacks is
    left out, except the first set's, shown as "—"."""
    c = a.cable
    tags = "<br>".join(
        f"`{html.escape(t.code)}` {_md(t.name) if t.name else '<i>(unknown code)</i>'}" for t in c.tags) or "—"
    rows = [
        ("Id", _md(c.id)), ("Date", _md(c.date)), ("Classification", _md(c.classification)),
        ("Origin", _md(c.origin)), ("Subject", _md(c.subject)), ("TAGS", tags),
        ("References", _reference_cells(c)),
    ]
    if c.classified_by:
        who = c.classifier or {}
        parts = [f"{_md(who['name'])}, {_md(who['title'])}" if who.get("name") and who.get("title") else _md(c.classified_by)]
        if c.classification_reasons:
            parts.append(f"(reasons {_md(', '.join(c.classification_reasons))})")
        rows.append(("Classified by", " ".join(parts)))
    if c.decl:
        rows.append(("Declassify on", _md(c.decl)))
    for label, people in (("To", c.recipients), ("Info", c.info_recipients)):
        if people:
            names = [_md(" ".join(filter(None, (p.get("name"), p.get("precedence"))))) for p in people[:MAX_HEADER_NAMES]]
            more = len(people) - MAX_HEADER_NAMES
            rows.append((label, ", ".join(names) + (f" and {more} more" if more > 0 else "")))
    if c.signers:
        rows.append(("Signed", _md(", ".join(c.signers))))
    if c.transmission_id:
        rows.append(("Transmission", _md(c.transmission_id)))
    if c.partial:
        rows.append(("Partial extract", "yes: the text is part of the original cable"))
    body = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f"| Header field | Value |\n|---|---|\n{body}"


MAX_HEADER_NAMES = 12  # recipients shown in the header table; a cable may route to a hundred posts


def _reference_cells(c) -> str:
    """The references: canonical cable ids, and the other kinds (e-mail, telcon, memo) as text with their
    kind, each with its letter when the cable gave one ("A. 06TOKYO6356, B. e-mail: CAMP-PYATT E-MAIL")."""
    items = c.reference_items or [{"id": r} for r in c.references]
    out = []
    for item in items[:MAX_HEADER_NAMES * 2]:
        what = item.get("id") or (f"{item.get('kind')}: {item.get('text')}" if item.get("kind") else item.get("text"))
        if what:
            out.append((f"{item['letter']}. " if item.get("letter") else "") + what)
    return _md(", ".join(out)) if out else "—"


def summary_highlight(a: Analysis) -> list[tuple[str, str | None]]:
    if not a.sentences:
        return [("(the model wrote no summary)", None)]
    out: list[tuple[str, str | None]] = []
    for i, (sent, sup) in enumerate(zip(a.sentences, a.supports)):
        if i:
            out.append((" ", None))
        out.append((sent, sup.label))
    return out


def paragraph_tag(paras, i: int) -> str:
    """The name of paragraph i in every panel: its own number, or "·" and its position when it has none
    (a bare position would read as another paragraph's number: "¶3" for the one after ¶2)."""
    p = paras[i]
    return f"¶{p.number}" if p.number is not None else f"·{i + 1}"


def support_highlight(a: Analysis) -> list[tuple[str, str | None]]:
    paras = a.cable.paragraphs
    labels = paragraph_labels(a.supports, len(a.body_index))
    out: list[tuple[str, str | None]] = []
    for k, (i, label) in enumerate(zip(a.body_index, labels)):
        if k:
            out.append(("\n\n", None))
        out.append((f"{paragraph_tag(paras, i)}. {paras[i].text}", label))
    return out


def support_markdown(a: Analysis) -> str:
    if not a.supports:
        return ""
    paras = a.cable.paragraphs
    lines = []
    for s in a.supports:
        if s.supported:
            where = ", ".join(f"{paragraph_tag(paras, a.body_index[j])} ({score:.0%})"
                              for j, score in s.paragraphs)
            lines.append(f"- **{s.label}** ← {where}")
        else:
            lines.append(f"- **{s.label}** ← **no support:** no paragraph shares enough of its words "
                         f"(best {s.best:.0%}): "
                         "check this sentence against the cable")
    return ("Word overlap between each summary sentence and the paragraphs the model read "
            "(the cable's own summary is not among them):\n" + "\n".join(lines))


def scores_markdown(a: Analysis) -> str:
    if not a.scores:
        return ("**Scores:** not scored: the cable has no summary paragraph of its own and no TAGS line "
                "to compare against.")
    head = "| " + " | ".join(SCORE_NAMES[k] for k in SCORE_KEYS) + " |"
    sep = "|" + "---|" * len(SCORE_KEYS)
    vals = "| " + " | ".join(f"{a.scores[k]:.1f}" if a.scores.get(k) is not None else "—" for k in SCORE_KEYS) + " |"
    note = []
    if "rouge1" not in a.scores:
        note.append("no own summary, so no ROUGE")
    if "tags_f1" not in a.scores:
        note.append("no own TAGS, so no tag F1")
    tail = f"\n\n<small>{'; '.join(note)}</small>" if note else ""
    return ("**Scores against the cable's own summary and TAGS** (F1 × 100, ROUGE with stemming)\n\n"
            f"{head}\n{sep}\n{vals}{tail}")


def paragraphs_markdown(a: Analysis | Draft) -> str:
    c = a.cable
    own = set(c.summary_paragraphs)
    out = []
    for k, p in enumerate(c.paragraphs):
        num = paragraph_tag(c.paragraphs, k)
        mark = f" ({html.escape(p.marking)})" if p.marking else ""
        if p.heading and (k == 0 or c.paragraphs[k - 1].heading != p.heading):
            out.append(f"***{_md(p.heading)}***")
        note = " <small>(the cable's own summary: not given to the model)</small>" if k in own else ""
        out.append(f"**{num}{mark}**{note} {_md(p.text)}")
    if c.signer:
        out.append(f"<small>Signed: {_md(c.signer)}</small>")
    return "\n\n".join(out) if out else "(no paragraphs found)"


def status_markdown(a: Analysis) -> str:
    warnings = [w for w in a.cable.warnings if w]
    warn = f"  \n<small>Parser notes: {_md('; '.join(warnings))}</small>" if warnings else ""
    who = _md(a.cable.id or "the cable")
    return f"✓ Summarized **{who}** in {a.seconds:.2f} s with model `{_md(a.model)}`.{warn}"


def error_markdown(title: str, message: str) -> str:
    return f"**✗ {_md(title)}:** {_md(message)}"


def written_by_markdown(writer: str) -> str:
    return f"**Written by:** {_md(writer)}" if writer else ""


def own_summary(a: Analysis | Draft) -> str:
    return a.cable.summary or "(this cable has no summary paragraph of its own)"


def blank_outputs(status: str) -> tuple:
    """The single-cable outputs with nothing of any cable in them, under one status line."""
    return (status, "", gr.HighlightedText(value=None, color_map={}), "", "", "",
            gr.HighlightedText(value=None, color_map={}), "", "", "")


def draft_outputs(d: Draft) -> tuple:
    """The single-cable outputs while the summary is written: the cable, and the summary so far."""
    written = [(" ".join(d.summary.split()), None)] if d.summary.strip() else None
    status = f"✎ Writing the summary of **{_md(d.cable.id or 'the cable')}**…"
    return (status, header_markdown(d), gr.HighlightedText(value=written, color_map={}), own_summary(d), "", "",
            gr.HighlightedText(value=None, color_map={}), "", paragraphs_markdown(d), written_by_markdown(d.writer))


def single_outputs(a: Analysis) -> tuple:
    n = len(a.sentences)
    return (
        status_markdown(a),
        header_markdown(a),
        gr.HighlightedText(value=summary_highlight(a), color_map=_color_map(n)),
        own_summary(a),
        topics_markdown(a),
        scores_markdown(a),
        gr.HighlightedText(value=support_highlight(a), color_map=_color_map(n)),
        support_markdown(a),
        paragraphs_markdown(a),
        written_by_markdown(a.writer),
    )


# ------------------------------------------------------------------------------------- batch
def batch_markdown(r: BatchResult) -> str:
    av = r.averages
    lines = [f"**{av['summarized']} of {av['records']} record(s) summarized**"
             + (f", {av['failed']} failed (listed with their error in the files)" if av["failed"] else "")
             + (f"; the upload holds more records, only the first {av['records']} were read" if r.more else "")
             + "."]
    cells = []
    for k in SCORE_KEYS:
        v = av.get(k)
        cells.append(f"{v:.1f} (n={av[f'n_{k}']})" if v is not None else "—")
    lines.append("\n| " + " | ".join(SCORE_NAMES[k] for k in SCORE_KEYS) + " | s / cable |")
    lines.append("|" + "---|" * (len(SCORE_KEYS) + 1))
    spc = av.get("seconds_per_cable")
    cells.append(f"{spc:.2f}" if spc is not None else "—")
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def batch_table(r: BatchResult, max_rows: int = 200) -> list[list]:  # r.rows: the first 200 at most
    out = []
    for row in r.rows[:max_rows]:
        s = row["scores"] or {}
        summary = row["summary"] or ""
        out.append([row["line"], row["id"] or "", *[None if s.get(k) is None else round(s[k], 1) for k in SCORE_KEYS],
                    row["error"] or (summary[:110] + ("…" if len(summary) > 110 else ""))])
    return out


BATCH_HEADERS = ["line", "id", *[SCORE_NAMES[k] for k in SCORE_KEYS], "summary (or error)"]


# ------------------------------------------------------------------------------------ corpus
CORPUS_HEADERS = ["date", "id", "station", "classification", "subject", "TAGS", "ROUGE-2", "model summary"]
CORPUS_SORTS = [("Newest first", "date-desc"), ("Oldest first", "date-asc"), ("Best ROUGE-2", "score-desc"),
                ("Worst ROUGE-2", "score-asc"), ("Relevance (with a search text)", "relevance")]
CORPUS_PAGE_SIZE = 25
CORPUS_SUMMARY_CHARS = 320  # the table's summary, wrapped; the row opens the whole cable in the One cable tab
NO_ROUGE = "no own summary"  # an empty ROUGE-2 cell: the cable has no summary of its own to score against
# Shares of the table's width, so the summary ends at its right edge (fixed widths and "auto" for the summary
# made a 2,050 px table at 1400 px); under 700 px the table keeps a readable 900 px and scrolls (CSS).
CORPUS_COLUMN_WIDTHS = ["8%", "12%", "9%", "12%", "14%", "8%", "9%", "28%"]
CORPUS_HELP = ('Words are all required; `"double quotes"` make a phrase; `OR`, `NOT`, `NEAR(a b, 10)` and a '
               "trailing `*` (`nucl*`) work as in SQLite FTS5. TAGS: the cable's own codes, all of those chosen.")


def corpus_query(text, stations, tags, classifications, date_from, date_to, sort, page) -> Query:
    key, _, direction = (sort or "date-desc").partition("-")
    return Query(text=text or "", stations=tuple(stations or ()), tags=tuple(tags or ()),
                 classifications=tuple(classifications or ()), date_from=date_from or "", date_to=date_to or "",
                 sort=key, descending=direction != "asc", score="rouge2", page=max(1, int(page or 1)),
                 page_size=CORPUS_PAGE_SIZE)


def corpus_status(a: Answer, name: str) -> str:
    q = a.query
    line = (f"**{a.total:,} cable(s)** of {_md(name)} match · page {q.page:,} of {a.pages:,} · "
            f"{a.seconds * 1000:.0f} ms")
    if a.note:
        line += f"  \n{_md(a.note[0].upper() + a.note[1:])}."
    if a.tags_sampled:
        line += f"  \n<small>Top TAGS estimated from {a.tags_sampled:,} evenly spaced matches.</small>"
    if a.hits:
        line += "  \n<small>Click a row to open the cable with its evidence in the One cable tab.</small>"
    return line


def corpus_table(a: Answer) -> list[list]:
    out = []
    for h in a.hits:
        text = " ".join((h.model_summary or (f"(error: {h.error})" if h.error else "")).split())
        if len(text) > CORPUS_SUMMARY_CHARS:
            text = text[:CORPUS_SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
        score = f"{h.score:.1f}" if h.score is not None else ("—" if h.error else NO_ROUGE)
        out.append([(h.date or "")[:10], h.id or "", h.station or "", h.classification or "", h.subject or "",
                    h.tags, score, text])
    return out


MONTHS_SHOWN = 36  # up to 3 years of matches are counted by month, longer spans by year
COUNTS_MIN_TOP = 8  # a y axis to at least 8: Vega's ticks then fall on whole numbers (to 1 it drew 0.2, 0.4...)


def dates_frame(a: Answer | None) -> pd.DataFrame:
    """Matching cables per month ("2009-03") over up to MONTHS_SHOWN months, else per year ("2009"), every
    month or year from the first to the last with its count (0 included: bars for the dated ones only would
    hide the gaps). Labels as text: Vega's own date axis wrote month names ("April July October") with the
    year only under January, and could not be told to write years alone."""
    counts = dict(a.months) if a else {}
    months = pd.period_range(min(counts), max(counts), freq="M") if counts else []
    if len(months) > MONTHS_SHOWN:
        years: dict[str, int] = {str(y): 0 for y in range(months[0].year, months[-1].year + 1)}
        for m, n in counts.items():
            years[m[:4]] += n
        labels, values = list(years), list(years.values())
    else:
        labels, values = [str(m) for m in months], [counts.get(str(m), 0) for m in months]
    return pd.DataFrame({"when": pd.Series(labels, dtype="str"), "cables": pd.Series(values, dtype="int64")})


def dates_plot(a: Answer | None) -> gr.BarPlot:
    """The per-month or per-year bars, their y axis up to a whole number of cables."""
    frame = dates_frame(a)
    top = int(frame["cables"].max()) if len(frame) else 0
    per = "month" if frame["when"].str.len().max() == 7 else "year"
    # the axis settings again: an update without them drew the labels level, over each other
    return gr.BarPlot(frame, y_lim=[0, max(COUNTS_MIN_TOP, top)], label=f"Matching cables per {per}",
                      x_label_angle=-90, y_axis_format="d", x_title=" ")


def tags_frame(a: Answer | None) -> pd.DataFrame:
    tags = a.top_tags if a else []
    return pd.DataFrame({"TAGS": pd.Series([code for code, _ in tags], dtype="str"),
                         "cables": pd.Series([n for _, n in tags], dtype="int64")})


def corpus_blank(status: str) -> tuple:
    """The Corpus tab's outputs with no result set: status, table, plots, row ids, query."""
    return status, [], dates_plot(None), tags_frame(None), [], None


# -------------------------------------------------------------------------------------- page
class Page(gr.Blocks):
    """`gr.Blocks` whose input errors are the client's: Gradio raises them while it prepares an event's
    inputs (too few values, a file that was never uploaded, a string where a file belongs), before any of
    the page's code runs, and would print a traceback and answer `{"error": null}`."""

    async def preprocess_data(self, block_fn, inputs, state, explicit_call: bool = False):
        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except Exception as e:  # noqa: BLE001 - a gr.Error too: a value out of a component's bounds (page -5)
            message = bad_input_message(e)
            log.warning("refused input for %s: %s", getattr(block_fn, "name", "?"), message)
            raise gr.Error(message, title="Bad request", print_exception=False) from None


class RowSelection(gr.SelectData):
    """`gr.SelectData` that a client's `event_data` cannot break: Gradio builds it before the handler runs
    and indexes `event_data["index"]`, so `null`, a list or a dict without it raised a TypeError or
    KeyError there (a traceback in the log, `{"error": null}` to the client). Anything but an object with
    an index becomes index None, which the handler refuses in one line."""

    def __init__(self, target, data):
        if not (isinstance(data, dict) and "index" in data and "value" in data):
            data = {"index": None, "value": None}
        super().__init__(target, data)


def selected_row(index, rows: int) -> int:
    """The results-table row a selection's `index` names ([row, column], or a row), within `rows`; else
    InputError."""
    row = index[0] if isinstance(index, (list, tuple)) and index else index
    if type(row) is not int or not 0 <= row < rows:
        raise InputError("That row is not in the current results: search again.")
    return row


class Refusals:
    """(session hash, event) -> (title, message) of the session's last refusal there, for the page's
    follow-up event to show; the oldest go first past `size` (a client that runs the event without the
    page's follow-up never collects its entry)."""

    def __init__(self, size: int = 1024):
        self.size = size
        self._items: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session: str | None, event: str, value: tuple[str, str]) -> None:
        key = (session or "", event)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def pop(self, session: str | None, event: str) -> tuple[str, str] | None:
        with self._lock:
            return self._items.pop((session or "", event), None)


_NOT_UPLOADED = re.compile(r"Cannot move (?P<path>.+?) to the gradio cache dir because (?P<why>[^.]+)")


def bad_input_message(e: Exception) -> str:
    """One line for an input Gradio refused."""
    if isinstance(e, ValidationError):
        return f"Bad input: {str(e.errors()[0].get('msg', 'invalid value')).rstrip('.')}."
    text = " ".join(str(e.message if isinstance(e, gr.Error) else e).split("\n", 1)[0].split())[:300]
    text = text or type(e).__name__
    m = _NOT_UPLOADED.match(text)
    if m:
        return (f"Refused file {m['path']}: {m['why']}. Upload the file first, or upload it again if the page "
                "has read it already (an upload is deleted once read).")
    return f"Bad input: {text}"


def build_page(service: SummaryService, source: CorpusSource | None = None) -> gr.Blocks:
    """The page; `source`: the index the Corpus tab searches (none: the tab says how to give one)."""
    examples = example_files()

    # Gradio 6 titles every error toast "Error" whatever gr.Error(title=...) says (its toasts are titled by
    # their kind), so the page shows a refusal itself, with its title, where the results would be. An event
    # that is also the API's (/batch) or that a client may call (load_file) still fails, with no toast, and
    # leaves its message here for the page's .failure() follow-up.
    refused = Refusals()

    def summarizing():
        return blank_outputs("Summarizing…")

    def reading_upload():
        return blank_outputs("Reading the upload…")

    def run_single(text):
        # The page shows the error where the summary would be, with no previous cable around it: a failed
        # event would keep every output as it was under a red "Error" pill. A client that leaves closes this
        # generator, and with it the model's stream: the writer stops.
        try:
            with contextlib.closing(service.stream(text)) as parts:
                for part in parts:
                    yield draft_outputs(part) if isinstance(part, Draft) else single_outputs(part)
        except Exception as e:  # noqa: BLE001
            yield blank_outputs(error_markdown(*_failure(e)))

    def load_file(path, request: gr.Request):
        try:
            warnings: list[str] = []
            text = read_upload(path, warnings)
            for warning in warnings:
                gr.Warning(warning[0].upper() + warning[1:])
            return text
        except Exception as e:  # noqa: BLE001
            refused.put(request.session_hash, "upload", _failure(e))
            raise _fail(e, visible=False) from None
        finally:
            discard_upload(path, demo)  # read once: an upload left on the disk is served to anyone with its path

    def upload_refused(request: gr.Request):
        title, message = refused.pop(request.session_hash, "upload") or ("Bad input", "The upload could not be read.")
        return blank_outputs(error_markdown(title, message))

    def run_batch(path, limit, request: gr.Request, progress=gr.Progress()):
        def report(done, total, desc):
            # total None: the corpus is not read yet, so no count (Gradio drew "0/1 cables" for (0, 1))
            progress((done, total) if total else None, desc=desc, unit="cables")

        try:
            r = service.run_batch(path, int(limit or DEFAULT_BATCH_LIMIT), progress=report)
        except Exception as e:  # noqa: BLE001
            refused.put(request.session_hash, "batch", _failure(e))
            raise _fail(e, visible=False) from None
        finally:
            discard_upload(path, demo)
        return batch_markdown(r), batch_table(r), r.files

    def batch_refused(request: gr.Request):
        title, message = refused.pop(request.session_hash, "batch") or ("Error", "The batch did not run.")
        return error_markdown(title, message), None, None

    def summarize(text: str) -> dict:
        """Summarize one cable. Takes the raw cable text; returns JSON with `id`, `summary`, `topics`
        (readable labels), `tags` (predicted TAGS codes), `reference_summary` (the cable's own summary
        or null), `scores` (ROUGE-1/2/L/Lsum F1 x100 and tags_f1 where the cable has a reference),
        `support` (paragraph numbers backing each summary sentence), `warnings` and `seconds`."""
        try:
            return service.summarize(text)
        except Exception as e:  # noqa: BLE001
            raise _fail(e) from None

    def parse(text: str) -> dict:
        """Parse one cable (no model): the header fields, clean paragraphs, own summary and body."""
        try:
            return service.parse_json(text)
        except Exception as e:  # noqa: BLE001
            raise _fail(e) from None

    def corpus_state(start: bool):
        """(ready, status line) of the Corpus tab's index; `start` builds the default one if need be."""
        if source is None:
            return False, "No corpus index: start the page with `summarizer serve --corpus OUT_DIR`."
        state, line = source.state(start=start)
        if state == "ready":
            return True, f"Searching {_md(line)}."
        if state == "building":
            return False, f"{SPINNER}{_md(line[0].upper() + line[1:])}."
        return False, error_markdown("Corpus unavailable", line) if state == "failed" else _md(line)

    # corpus_opened's outputs after the status line, timer and filters: page number, table, plots, row ids, query
    # (gr.skip(): an empty gr.State() here became the State's value, a query that was never run)
    unchanged_results = (gr.skip(),) * 6

    def corpus_opened(last):
        """The tab's filters once the index is ready, and, the first time, the whole corpus newest first in the
        table and plots, so a tab opened during the build fills itself when the build ends (the timer asks)."""
        ready, line = corpus_state(start=True)
        if not ready:
            return line, gr.Timer(active=True), gr.Dropdown(), gr.Dropdown(), gr.Dropdown(), *unchanged_results
        try:
            f = source.facets()
        except Exception as e:  # noqa: BLE001
            return (error_markdown("Corpus unavailable", _failure(e)[1]), gr.Timer(active=False), gr.Dropdown(),
                    gr.Dropdown(), gr.Dropdown(), *unchanged_results)
        line = (f"{line} {f.cables:,} cables, {f.first_date or '?'} to {f.last_date or '?'}. Search, or filter "
                "and press Search.")
        filters = (gr.Timer(active=False), gr.Dropdown(choices=[(f"{s} ({n:,})", s) for s, n in f.stations]),
                   gr.Dropdown(choices=[(f"{c} ({n:,})", c) for c, n in f.tags]),
                   gr.Dropdown(choices=[(f"{c} ({n:,})", c) for c, n in f.classifications]))
        if last is not None:  # a result set is on screen: leave it
            return (line, *filters, *unchanged_results)
        status, *results = corpus_search("", [], [], [], "", "", "date-desc", 1)
        return (f"{line}  \n{status}", *filters, 1, *results)

    def corpus_search(text, stations, tags, classifications, date_from, date_to, sort, page):
        ready, line = corpus_state(start=True)
        if not ready:
            return corpus_blank(line)
        try:
            q = corpus_query(text, stations, tags, classifications, date_from, date_to, sort, page)
            a = source.search(q)
        except QueryError as e:
            return corpus_blank(error_markdown("Bad query", str(e).removeprefix("Bad query: ")))
        except Exception as e:  # noqa: BLE001
            return corpus_blank(error_markdown(*_failure(e)))
        return (corpus_status(a, source.name), corpus_table(a), dates_plot(a), tags_frame(a),
                [h.rowid for h in a.hits], a.query)

    def corpus_page(step: int):
        def turn(text, stations, tags, classifications, date_from, date_to, sort, page, query):
            page = min(MAX_PAGE, max(1, int(page or 1) + step)) if query is not None else 1
            return (page, *corpus_search(text, stations, tags, classifications, date_from, date_to, sort, page))
        return turn

    def corpus_open(rowids, evt: RowSelection):
        try:
            try:
                row = selected_row(evt.index, len(rowids or ()))
            except InputError as e:
                log.warning("refused input for corpus_open: row %.80r of %d: %s", evt.index, len(rowids or ()), e)
                raise
            analysis, raw = source.open(rowids[row])
        except Exception as e:  # noqa: BLE001
            return (gr.Tabs(), gr.Textbox(), *blank_outputs(error_markdown(*_failure(e))))
        view = single_outputs(analysis)
        status = (f"Opened **{_md(analysis.cable.id or 'the cable')}** from {_md(source.name)}: the batch run's "
                  f"summary (model `{_md(analysis.model)}`) and its evidence. Summarize runs this page's model on it.")
        return (gr.Tabs(selected="single"), raw, status, *view[1:])

    exported: OrderedDict[str, list[str]] = OrderedDict()  # session -> files of its export not yet deleted

    def corpus_export(query, request: gr.Request):
        if query is None:
            return "Search first: the export holds the current result set.", None
        client = request.client.host if request and request.client else "unknown"
        try:
            done = source.export(query, client=client)
        except QueryError as e:
            return error_markdown("Bad query", str(e).removeprefix("Bad query: ")), None
        except Exception as e:  # noqa: BLE001
            return error_markdown(*_failure(e)), None
        more = " (the first rows only: the result set is larger)" if done.truncated else ""
        files = [str(f) for f in done.files]
        with _exported_lock:
            discard_export(exported.pop(request.session_hash, None))  # a session's previous, never confirmed
            exported[request.session_hash] = files
            while len(exported) > 100:
                discard_export(exported.popitem(last=False)[1])
        return f"Exported {done.rows:,} cable(s){more} as CSV and JSON Lines.", files

    def export_served(request: gr.Request):
        """After the export event: Gradio has copied the files into its cache, so the export is deleted."""
        with _exported_lock:
            files = exported.pop(request.session_hash, None)
        discard_export(files)

    # Files older than an hour are swept every 10 minutes (the upload budget counts on unread uploads going).
    with Page(title="Cable summarizer", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.Markdown(
            "# Cable summarizer\n"
            f"Paste a US diplomatic cable (or upload a `.txt`) to see its parsed header, a summary and topic labels "
            f"from the local model `{_md(service.model_name)}` ({_md(service.device)}), the cable's own summary "
            "with scores, and the paragraphs that support each summary sentence.")
        with gr.Tabs() as tabs:
            with gr.Tab("One cable", id="single"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=340):
                        text = gr.Textbox(label="Cable text", lines=14, max_lines=14, elem_id="cable-input",
                                          placeholder="Paste the full text of one cable: header (TAGS, SUBJECT...) "
                                                      "and numbered paragraphs.")
                        upload = gr.File(label="Upload a .txt cable (under 1 MB)",
                                         file_types=[".txt"], type="filepath", height=110, elem_id="cable-upload")
                        with gr.Row():
                            clear = gr.Button("Clear", variant="secondary", elem_id="clear-btn")
                            go = gr.Button("Summarize", variant="primary", elem_id="summarize-btn")
                        shown_examples = gr.Examples(examples=[[t] for _, t in examples], inputs=[text],
                                    example_labels=[label for label, _ in examples], label="Examples",
                                    elem_id="examples", api_visibility="private")
                    with gr.Column(scale=7, min_width=380):
                        status = gr.Markdown(WAITING, elem_id="status")
                        with gr.Row(equal_height=True):
                            summary = gr.HighlightedText(label="Model summary (sentences S1, S2, …)",
                                                         elem_id="model-summary", show_legend=False,
                                                         show_inline_category=True, scale=1)
                            # max_lines high enough that the box grows to the whole summary instead of
                            # scrolling inside it (a 14-line cap cut the seed's own summary mid-line).
                            own = gr.Textbox(label="The cable's own summary", lines=8, max_lines=OWN_SUMMARY_LINES,
                                             interactive=False, elem_id="own-summary", scale=1)
                        written_by = gr.Markdown(elem_id="written-by")
                        topics = gr.Markdown(elem_id="topics")
                        scores = gr.Markdown(elem_id="scores")
                        header = gr.Markdown(elem_id="header", elem_classes=["cable-md"])
                with gr.Row(equal_height=False):
                    with gr.Column(scale=7):
                        support = gr.HighlightedText(label="Paragraphs the model read, highlighted by the summary "
                                                           "sentence they support", elem_id="support",
                                                     show_legend=False, show_inline_category=True)
                    with gr.Column(scale=5):
                        support_list = gr.Markdown(elem_id="support-list")
                with gr.Accordion("Clean paragraphs (as parsed)", open=False):
                    paragraphs = gr.Markdown(elem_id="paragraphs")

            with gr.Tab("Batch", id="batch"):
                gr.Markdown("Upload a corpus (`.jsonl` or `.jsonl.gz`, one JSON object a line with at least `raw`) "
                            "to summarize and score every cable. Bad records are kept in the results with their "
                            "error. Downloads: JSON Lines (one object a cable, then an `averages` line) and CSV "
                            "(one row a cable, then an `AVERAGE` row).")
                with gr.Row():
                    corpus = gr.File(label="Corpus (.jsonl / .jsonl.gz)", file_types=[".jsonl", ".gz"],
                                     type="filepath", elem_id="corpus-upload", scale=3)
                    with gr.Column(scale=1, min_width=200):
                        limit = gr.Number(value=DEFAULT_BATCH_LIMIT, precision=0, minimum=1, maximum=5000,
                                          label="Process at most this many cables", elem_id="batch-limit")
                        run = gr.Button("Run batch", variant="primary", elem_id="batch-btn")
                batch_summary = gr.Markdown(elem_id="batch-summary")
                batch_files = gr.File(label="Results (JSON Lines and CSV)", file_count="multiple", interactive=False,
                                      height=160, elem_id="batch-files")
                batch_rows = gr.Dataframe(headers=BATCH_HEADERS, label="Per-cable scores (first 200 rows)",
                                          interactive=False, wrap=True, elem_id="batch-table", max_height=600,
                                          column_widths=["64px", "170px", *["90px"] * len(SCORE_KEYS), "auto"])

            with gr.Tab("Corpus", id="corpus") as corpus_tab:
                corpus_status_md = gr.Markdown("Open this tab to search the corpus index.", elem_id="corpus-status")
                with gr.Row():
                    corpus_text = gr.Textbox(label="Search summaries and cable text", scale=5, elem_id="corpus-text",
                                             placeholder='e.g. "prime minister" nuclear', max_length=1000)
                    corpus_go = gr.Button("Search", variant="primary", scale=1, elem_id="corpus-search-btn")
                gr.Markdown(f"<small>{CORPUS_HELP}</small>")
                with gr.Row():
                    corpus_stations = gr.Dropdown(label="Station", multiselect=True, choices=[], scale=2,
                                                  elem_id="corpus-station")
                    corpus_tags = gr.Dropdown(label="TAGS (all of them)", multiselect=True, choices=[], scale=2,
                                              allow_custom_value=True, elem_id="corpus-tags")
                    corpus_classes = gr.Dropdown(label="Classification", multiselect=True, choices=[], scale=2,
                                                 elem_id="corpus-classification")
                with gr.Row():
                    corpus_from = gr.Textbox(label="From (YYYY, YYYY-MM or YYYY-MM-DD)", scale=1, max_length=40,
                                             elem_id="corpus-from")
                    corpus_to = gr.Textbox(label="To (inclusive)", scale=1, max_length=40, elem_id="corpus-to")
                    corpus_sort = gr.Dropdown(label="Sort", choices=CORPUS_SORTS, value="date-desc", scale=1,
                                              elem_id="corpus-sort")
                corpus_rows = gr.Dataframe(headers=CORPUS_HEADERS, label="Matching cables", interactive=False,
                                           wrap=True, elem_id="corpus-results", max_height=720,
                                           column_widths=CORPUS_COLUMN_WIDTHS)
                with gr.Row():
                    corpus_prev = gr.Button("← Previous page", size="sm", elem_id="corpus-prev")
                    corpus_page_no = gr.Number(value=1, precision=0, minimum=1, maximum=MAX_PAGE, label="Page", scale=0, min_width=90,
                                               interactive=False, elem_id="corpus-page")
                    corpus_next = gr.Button("Next page →", size="sm", elem_id="corpus-next")
                with gr.Row():
                    corpus_dates = gr.BarPlot(dates_frame(None), x="when", y="cables", x_title=" ",
                                              label="Matching cables per month", height=300, x_label_angle=-90,
                                              y_lim=[0, COUNTS_MIN_TOP], y_axis_format="d", elem_id="corpus-dates",
                                              scale=3, min_width=300)
                    corpus_top = gr.BarPlot(tags_frame(None), x="TAGS", y="cables", label="Their top TAGS",
                                            height=300, sort="-y", y_lim=[0, None], y_axis_format="d",
                                            elem_id="corpus-top-tags", scale=2, min_width=300)
                with gr.Row():
                    corpus_export_btn = gr.Button("Export the result set (CSV and JSON Lines)", size="sm",
                                                  elem_id="corpus-export-btn")
                    corpus_export_md = gr.Markdown(elem_id="corpus-export-status")
                corpus_files = gr.File(label="Export", file_count="multiple", interactive=False, height=120,
                                       elem_id="corpus-files")
                corpus_rowids = gr.State([])
                corpus_last = gr.State(None)
                corpus_timer = gr.Timer(3.0, active=False)

        outputs = [status, header, summary, own, topics, scores, support, support_list, paragraphs, written_by]
        # Each request first blanks the previous cable's outputs, so nothing on the page belongs to another cable.
        go.click(summarizing, outputs=outputs, api_visibility="private", queue=False, show_progress="hidden").then(
            run_single, inputs=[text], outputs=outputs, api_visibility="private",
            concurrency_id="model", concurrency_limit=MODEL_CONCURRENCY, scroll_to_output=False)
        loaded = upload.upload(reading_upload, outputs=outputs, api_visibility="private", queue=False,
                               show_progress="hidden").then(
            load_file, inputs=[upload], outputs=[text], api_visibility="private", concurrency_limit=4)
        loaded.success(run_single, inputs=[text], outputs=outputs, api_visibility="private", concurrency_id="model",
                       concurrency_limit=MODEL_CONCURRENCY)
        loaded.failure(upload_refused, outputs=outputs, api_visibility="private", queue=False, show_progress="hidden")
        # Every action that changes the input leaves nothing of the previous cable: Clear blanks every output,
        # an example is summarized at once, as an upload is.
        clear.click(lambda: ("", None, *blank_outputs(WAITING)), outputs=[text, upload, *outputs],
                    api_visibility="private", queue=False, show_progress="hidden")
        shown_examples.load_input_event.then(
            summarizing, outputs=outputs, api_visibility="private", queue=False, show_progress="hidden").then(
            run_single, inputs=[text], outputs=outputs, api_visibility="private", concurrency_id="model",
            concurrency_limit=MODEL_CONCURRENCY, scroll_to_output=False)
        run.click(run_batch, inputs=[corpus, limit], outputs=[batch_summary, batch_rows, batch_files],
                  api_name="batch", concurrency_id="batch", concurrency_limit=1,
                  show_progress_on=[batch_summary]).failure(
            batch_refused, outputs=[batch_summary, batch_rows, batch_files], api_visibility="private", queue=False,
            show_progress="hidden")
        filters = [corpus_text, corpus_stations, corpus_tags, corpus_classes, corpus_from, corpus_to, corpus_sort]
        results = [corpus_status_md, corpus_rows, corpus_dates, corpus_top, corpus_rowids, corpus_last]
        opened = [corpus_status_md, corpus_timer, corpus_stations, corpus_tags, corpus_classes, corpus_page_no,
                  *results[1:]]
        corpus_tab.select(corpus_opened, inputs=[corpus_last], outputs=opened, api_visibility="private", queue=False)
        corpus_timer.tick(corpus_opened, inputs=[corpus_last], outputs=opened, api_visibility="private", queue=False)
        # Progress on the status line only: Gradio's overlay on the table and both plots as well took a third
        # of a search click's time in the browser (eval.bench_corpus_page: median 451 ms against 308 ms).
        for trigger in (corpus_go.click, corpus_text.submit):
            trigger(lambda *v: (1, *corpus_search(*v, 1)), inputs=filters, outputs=[corpus_page_no, *results],
                    api_visibility="private", concurrency_id="corpus", concurrency_limit=4,
                    show_progress_on=[corpus_status_md])
        for button, step in ((corpus_prev, -1), (corpus_next, 1)):
            button.click(corpus_page(step), inputs=[*filters, corpus_page_no, corpus_last],
                         outputs=[corpus_page_no, *results], api_visibility="private", concurrency_id="corpus",
                         concurrency_limit=4, show_progress_on=[corpus_status_md])
        corpus_rows.select(corpus_open, inputs=[corpus_rowids], outputs=[tabs, text, *outputs],
                           api_visibility="private", concurrency_id="corpus", concurrency_limit=4)
        corpus_export_btn.click(corpus_export, inputs=[corpus_last], outputs=[corpus_export_md, corpus_files],
                                api_visibility="private", concurrency_id="corpus-export", concurrency_limit=1).then(
            export_served, api_visibility="private", queue=False, show_progress="hidden")
        gr.api(summarize, api_name="summarize", concurrency_id="model", concurrency_limit=MODEL_CONCURRENCY)
        gr.api(parse, api_name="parse", concurrency_limit=4)

    demo.queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=2)
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860, prevent_thread_lock: bool = False,
           quiet: bool = False):
    """Start the page: no share link, no extra allowed paths, no SSR/MCP, errors shown as messages only,
    uploads and request bodies capped and private events kept to the page (`summarizer.app.guard`), and
    no client address taken from X-Forwarded-For (`forwarded_headers_untrusted`)."""
    with forwarded_headers_untrusted():
        return _launch(demo, host, port, prevent_thread_lock, quiet)


FORWARDED_ENV = "FORWARDED_ALLOW_IPS"


@contextlib.contextmanager
def forwarded_headers_untrusted():
    """uvicorn takes a request's client address from X-Forwarded-For when the connection comes from an
    address in FORWARDED_ALLOW_IPS (default: 127.0.0.1 and ::1), and the upload and export budgets are kept
    per client address, so any process on this machine could charge each request to a new made-up address.
    Unless the operator names a proxy there (`FORWARDED_ALLOW_IPS=ADDR summarizer serve`: then the clients
    behind it get a budget each), the server trusts no address: uvicorn reads the variable when Gradio makes
    its Config, inside `demo.launch`; it is put back as it was once `demo.launch` returns."""
    if FORWARDED_ENV in os.environ:
        yield
        return
    os.environ[FORWARDED_ENV] = ""  # no address is trusted (uvicorn: "" is no IP, no network)
    try:
        yield
    finally:
        os.environ.pop(FORWARDED_ENV, None)


def _launch(demo: gr.Blocks, host: str, port: int | None, prevent_thread_lock: bool, quiet: bool):
    return demo.launch(
        server_name=host, server_port=port, share=False, inbrowser=False, prevent_thread_lock=prevent_thread_lock,
        quiet=quiet, show_error=False, allowed_paths=[], max_file_size=MAX_UPLOAD_BYTES, ssr_mode=False,
        mcp_server=False, footer_links=["api"], theme=_theme(), css=CSS,
        app_kwargs={"middleware": [Middleware(RequestLimits, blocks=demo, busy=busy_message())]},
    )


def busy_message(waiting: int = QUEUE_MAX_SIZE) -> str:
    return (f"Server busy: the queue is full ({waiting} requests are already waiting). "
            "Try again in a few seconds.")
