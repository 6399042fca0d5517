"""The Corpus tab in a real browser (issue 19): Debian's Chromium driven by Playwright, as in
tests/test_browser.py. Searches the dev corpus for a phrase, filters by a station and a TAGS code, opens a
cable and sees its summary and evidence in the one-cable view; exports the result set.

The dev corpus's index is the one `summarizer serve` builds without `--corpus`
(`summarizer.corpus.default`): a batch run of the shipped model over the dev split in the cache folder
(about a minute the first time, then reused). Skipped where the dev split, /usr/bin/chromium or
playwright is missing. Saves reports/corpus.png.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from app_helpers import free_port, tiny_service
from shared_data import DEV
from test_browser import open_page  # the browser and its skip rules, shared

from summarizer.app.corpus_service import CorpusSource
from summarizer.corpus.default import DefaultIndexBuild

REPORTS = Path(__file__).resolve().parents[1] / "reports"
BUILD_TIMEOUT_S = 600

if not DEV.is_file():
    pytest.skip(f"no dev split at {DEV}", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def page():
    from summarizer.app.page import build_page, launch

    source = CorpusSource(build=DefaultIndexBuild(None, dev=DEV))  # the shipped model's dev run
    demo = build_page(tiny_service(), source)
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with open_page(demo.local_url) as pg:
            pg.get_by_role("tab", name="Corpus").click()
            deadline = time.monotonic() + BUILD_TIMEOUT_S  # the first time, the dev run is built now
            while "Searching" not in pg.inner_text("#corpus-status"):
                assert time.monotonic() < deadline, pg.inner_text("#corpus-status")
                assert "✗" not in pg.inner_text("#corpus-status"), pg.inner_text("#corpus-status")
                time.sleep(1)
            yield pg
    finally:
        demo.close()


def choose(page, selector: str, value: str) -> None:
    """Pick `value` in a multiselect dropdown by typing it and taking the first option offered."""
    page.click(f"{selector} input")
    page.keyboard.type(value)
    page.locator("ul[role=listbox] li").filter(has_text=value).first.wait_for(state="visible")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def matches(page) -> int:
    """The number of matching cables the status line gives."""
    return int(re.search(r"([\d,]+) cable\(s\)", page.inner_text("#corpus-status"))[1].replace(",", ""))


def test_search_filter_open_and_export(page):
    assert "669 cables" in page.inner_text("#corpus-status")
    page.fill("#corpus-text textarea", '"prime minister"')
    page.click("#corpus-search-btn")
    page.wait_for_function("document.querySelector('#corpus-status').innerText.includes('match')")
    everywhere = matches(page)
    assert everywhere > 20

    choose(page, "#corpus-station", "Embassy London")
    choose(page, "#corpus-tags", "PREL")
    page.click("#corpus-search-btn")
    page.wait_for_function("n => { const t = document.querySelector('#corpus-status').innerText;"
                           " return t.includes('match') && !t.includes(n + ' cable(s)'); }", arg=f"{everywhere:,}")
    narrowed = matches(page)
    assert 0 < narrowed < everywhere
    table = page.inner_text("#corpus-results")
    assert "09LONDON1707" in table and "Embassy Cairo" not in table
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "corpus.png"), full_page=True)

    page.click("#corpus-export-btn")
    page.get_by_text("as CSV and JSON Lines").first.wait_for(state="visible")
    assert f"Exported {narrowed} cable(s)" in page.inner_text("#corpus-export-status")
    links = page.locator("#corpus-files a")
    assert links.count() == 2

    page.locator("#corpus-results").get_by_text("09LONDON1707").first.click()
    page.wait_for_function("document.querySelector('#status').innerText.includes('Opened 09LONDON1707')")
    assert page.locator("#cable-input textarea").input_value().strip() != ""
    summary = page.inner_text("#model-summary")
    assert "Trident" in summary and "S1" in summary
    evidence = page.inner_text("#support-list")
    assert "S1 ←" in evidence and "¶" in evidence
    assert "09LONDON1707" in page.inner_text("#header") and "Embassy London" in page.inner_text("#header")
    assert page.locator("#support .textfield").count() >= 1


def test_bad_query_is_one_message(page):
    page.get_by_role("tab", name="Corpus").click()
    page.fill("#corpus-text textarea", '"unclosed')
    page.click("#corpus-search-btn")
    page.wait_for_function("document.querySelector('#corpus-status').innerText.includes('Bad query')")
    assert 'a double quote (") is not closed' in page.inner_text("#corpus-status")
    assert page.locator(".toast-title:visible").count() == 0
