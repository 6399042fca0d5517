"""The page streams the causal writer's summary and says which writer wrote it, in a real browser (issue 27).

Debian's Chromium driven by Playwright, as in tests/test_browser.py, on a page served as `summarizer serve`
serves it: the tiny causal writer (`app_helpers.tiny_writer_dir`) in a `ModelProcess`. A mutation observer
records every text the summary box shows: the chosen sentences must be on screen before the writer has
finished (it then rewrites them one by one), under a "Written by" line naming the writer. Skipped, with the reason, where /usr/bin/chromium or
the playwright package is missing.
"""
from __future__ import annotations

import pytest
from app_helpers import served_writer_page
from test_browser import open_page  # the browser and its skip rules, shared

from summarizer.app.service import example_files

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
    with served_writer_page() as (url, model), open_page(url) as pg:
        yield pg, model


def test_the_summary_is_on_screen_before_the_writer_ends_under_who_wrote_it(writer_page):
    page, model = writer_page
    text = next(t for label, t in example_files() if label.startswith("10HAVANA84"))
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
