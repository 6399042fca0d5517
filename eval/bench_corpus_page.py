"""A Corpus-tab search click as a user meets it: from the click on Search to the answer drawn in Chromium.

    python -m eval.bench_corpus_page [--corpus OUT_DIR] [--rounds 4] [--compare]

Serves the page on the tiny test model (searching needs no model) and the index of --corpus (a batch
OUT_DIR; default: the newest default dev index in the cache, `summarizer serve`'s), then clicks Search for
each of QUERIES, --rounds times. A click's time runs from the click, made in the page, to the first frame
where the status line shows the new answer and no output of the tab shows Gradio's progress. Also timed:
the search itself in SQL and the event's Python (`corpus_search`, the values the outputs get), so the rest is
the queue round trip and the browser's drawing. --compare also serves the page with Gradio's progress on
every output of the search (as before issue 30) and alternates the clicks between the two pages. Prints
JSON: per page the median, p90 and max ms. Needs /usr/bin/chromium and the playwright package.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ['"prime minister"', "nuclear", "oil OR gas", "election", "embassy", "visit", "trade", "minister"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# Clicks Search and answers [ms to the new status line, ms to the last output drawn].
CLICK = """() => new Promise(resolve => {
    const text = el => { const c = el.cloneNode(true);
        c.querySelectorAll('[data-testid=status-tracker]').forEach(t => t.remove()); return c.innerText; };
    const status = document.querySelector('#corpus-status'); const before = text(status);
    const busy = () => [...document.querySelectorAll('#corpus-status, #corpus-results, #corpus-dates, #corpus-top-tags')]
        .some(e => e.querySelector('[data-testid=status-tracker] .progress-text, [data-testid=status-tracker] .meta-text, .eta-bar'));
    const t0 = performance.now(); let answered = null;
    document.querySelector('#corpus-search-btn').click();
    const poll = () => {
        const now = performance.now(); const t = text(status);
        if (answered === null && t !== before && (t.includes('match') || t.includes('Bad query'))) answered = now - t0;
        if (answered !== null && !busy()) return resolve([answered, now - t0]);
        requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
})"""


def default_index() -> Path:
    from summarizer.corpus.default import cache_root

    found = sorted(cache_root().glob("dev-*/index.sqlite"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit("bench_corpus_page: no default dev index yet: open the Corpus tab of `summarizer serve` "
                         "once, or give --corpus OUT_DIR")
    return found[-1]


def served(index: Path, progress_everywhere: bool):
    sys.path.insert(0, str(ROOT / "tests"))
    from app_helpers import free_port, tiny_service

    from summarizer.app.corpus_service import CorpusSource
    from summarizer.app.page import build_page, launch

    demo = build_page(tiny_service(), CorpusSource.of_run(index))
    if progress_everywhere:
        for fn in demo.fns.values():
            if any(getattr(c, "elem_id", None) == "corpus-results" for c in fn.outputs):
                fn.show_progress_on = None
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    return demo


def python_ms(index: Path, rounds: int) -> dict:
    """The search in SQL, and the whole event in Python, per query (median ms)."""
    from summarizer.app import page as app_page
    from summarizer.app.corpus_service import CorpusSource
    from summarizer.corpus.query import search

    source = CorpusSource.of_run(index)
    sql, event = [], []
    for _ in range(rounds):
        for q in QUERIES:
            query = app_page.corpus_query(q, [], [], [], "", "", "date-desc", 1)
            t = time.perf_counter()
            answer = search(source._conn(), query)
            sql.append(time.perf_counter() - t)
            t = time.perf_counter()
            app_page.corpus_table(answer), app_page.dates_plot(answer).postprocess(app_page.dates_frame(answer))
            app_page.tags_frame(answer)
            event.append(sql[-1] + time.perf_counter() - t)
    return {"sql_ms": round(statistics.median(sql) * 1000, 1), "python_ms": round(statistics.median(event) * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=None, help="a batch OUT_DIR (default: the newest default dev index)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--compare", action="store_true", help="also the page with progress on every output")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from summarizer.corpus.schema import index_file

    index = index_file(Path(args.corpus)) if args.corpus else default_index()
    variants = {"page": False, **({"progress on every output": True} if args.compare else {})}
    demos = {name: served(index, everywhere) for name, everywhere in variants.items()}
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            pages = {}
            for name, demo in demos.items():
                pg = browser.new_page(viewport={"width": 1400, "height": 1000})
                pg.set_default_timeout(60_000)
                pg.goto(demo.local_url)
                pg.get_by_role("tab", name="Corpus").click()
                pg.wait_for_function("document.querySelector('#corpus-status').innerText.includes('match')")
                pages[name] = pg
            for r in range(args.rounds + 1):  # round 0 warms up
                for q in QUERIES:
                    for name, pg in pages.items():
                        pg.bring_to_front()
                        pg.fill("#corpus-text textarea", q + " " * r)  # a new text each round: a new answer
                        ms = pg.evaluate(CLICK)[1]
                        if r:
                            times[name].append(ms)
            browser.close()
    finally:
        for demo in demos.values():
            demo.close()

    def summary(ts):
        ts = sorted(ts)
        return {"clicks": len(ts), "median_ms": round(statistics.median(ts)), "p90_ms": round(ts[int(0.9 * (len(ts) - 1))]),
                "max_ms": round(ts[-1])}

    print(json.dumps({"index": str(index), **python_ms(index, args.rounds),
                      **{name: summary(ts) for name, ts in times.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
