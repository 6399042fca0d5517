"""The page streams the causal writer's summary and says which writer wrote it, in a real browser (issue 27).

Debian's Chromium driven by Playwright, as in tests/test_browser.py, on a page served as `summarizer serve`
serves it: the tiny causal writer (`app_helpers.tiny_writer_dir`) in a `ModelProcess`. A mutation observer
records every text the summary box shows: the chosen sentences must be on screen before the writer has
finished (it then rewrites them one by one), under a "Written by" line naming the writer. Skipped, with the reason, where /usr/bin/chromium or
the playwright package is missing.
"""
from __future__ import annotations

import pytest
from app_helpers import free_port, tiny_writer_dir
from test_browser import ARGS, CHROMIUM, sync_api  # the browser and its skip rules, shared

from summarizer.app.page import build_page, launch
from summarizer.app.service import SummaryService, example_files
from summarizer.model.process import ModelProcess

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

# Every distinct text of the summary box while the request runs, in order.
_WATCH_SUMMARY = """() => {
    window.__shown = [];
    new MutationObserver(() => {
        const text = (document.querySelector('#model-summary .textfield')?.innerText || '').split(/\\s+/).join(' ').trim();
        if (text && text !== window.__shown[window.__shown.length - 1]) window.__shown.push(text);
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def writer_page():
    model = ModelProcess(str(tiny_writer_dir())).wait()
    demo = build_page(SummaryService(model))
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                pg = browser.new_page(viewport={"width": 1400, "height": 1000})
                pg.set_default_timeout(60_000)
                pg.goto(demo.local_url)
                pg.wait_for_selector("#cable-input textarea")
                yield pg, model
            finally:
                browser.close()
    finally:
        demo.close()
        model.close()


def test_the_summary_is_on_screen_before_the_writer_ends_under_who_wrote_it(writer_page):
    page, model = writer_page
    text = next(t for label, t in example_files() if "Valdoria" in label)
    page.fill("#cable-input textarea", text)
    page.evaluate(_WATCH_SUMMARY)
    page.click("#summarize-btn")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized')")
    assert page.inner_text("#written-by").strip() == f"Written by: {model.writer_name}"
    assert model.writer_name.startswith("causal LM")
    shown = page.evaluate("window.__shown")
    final = " ".join(page.inner_text("#model-summary .textfield").split())
    drafts = [s for s in shown if s and s != final and not s.startswith("S1")]  # the finished one carries labels
    assert drafts, shown  # the chosen sentences were on screen before the writer had finished
    assert drafts[0].split(".")[0] in final
