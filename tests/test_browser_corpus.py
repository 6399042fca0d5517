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
import statistics
import threading
import time
from pathlib import Path

import pytest
from app_helpers import free_port, tiny_service
from shared_data import DEV
from test_browser import open_page  # the browser and its skip rules, shared

from eval.bench_corpus_page import CLICK  # clicks Search from the page: [ms to the status line, ms to the last output]

from summarizer.app.corpus_service import CorpusSource
from summarizer.corpus.default import DefaultIndexBuild

REPORTS = Path(__file__).resolve().parents[1] / "reports"
BUILD_TIMEOUT_S = 600

if not DEV.is_file():
    pytest.skip(f"no dev split at {DEV}", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


class HeldBuild(DefaultIndexBuild):
    """The default build, said to be still running until `release`: the tab must fill itself when it ends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.released = threading.Event()

    def state(self):
        state, line = super().state()
        if not self.released.is_set() and state == "ready":
            return "building", "building the index of the dev split in the background (the test holds it)"
        return state, line


@pytest.fixture(scope="module")
def served():
    from summarizer.app.page import build_page, launch

    build = HeldBuild(None, dev=DEV)  # the shipped model's dev run
    demo = build_page(tiny_service(), CorpusSource(build=build))
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield demo.local_url, build
    finally:
        demo.close()


@pytest.fixture(scope="module", params=[1400, 390], ids=["1400px", "390px"])
def width(request):
    return request.param


@pytest.fixture(scope="module")
def page(served, width):
    url, build = served
    with open_page(url, width=width) as pg:
        pg.get_by_role("tab", name="Corpus").click()
        deadline = time.monotonic() + BUILD_TIMEOUT_S  # the first time, the dev run is built now
        while build.corpus is None or not build._complete():
            assert time.monotonic() < deadline, pg.inner_text("#corpus-status")
            assert "✗" not in pg.inner_text("#corpus-status"), pg.inner_text("#corpus-status")
            time.sleep(1)
        yield pg


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




def search(page, text: str) -> float:
    """Search `text` and wait for the whole answer; its ms from the click."""
    page.fill("#corpus-text textarea", text)
    return page.evaluate(CLICK)[1]


def axis_labels(page, selector: str) -> list[str]:
    """The tick labels of a Vega plot's axes, as drawn."""
    return page.locator(f"{selector} .role-axis-label text").all_text_contents()


def test_the_tab_fills_itself_when_the_index_is_done(page, served, width):
    """Opened while the index is built, the tab shows a spinner it draws (no emoji: Debian's Chromium has no
    emoji font) and fills its table and plots when the build ends, with no click."""
    _, build = served
    if not build.released.is_set():  # the first page: the build is held until now
        page.locator("#corpus-status .spinner").wait_for(state="visible")
        assert "Building the index" in page.inner_text("#corpus-status") and "⏳" not in page.inner_text("#corpus-status")
        assert not re.search(r"\b\d\d[A-Z]+\d+\b", page.inner_text("#corpus-results"))  # no cable yet
        build.released.set()
    page.wait_for_function("document.querySelector('#corpus-status').innerText.includes('match')", timeout=30_000)
    assert "669 cables" in page.inner_text("#corpus-status") and "669 cable(s)" in page.inner_text("#corpus-status")
    assert len(re.findall(r"\b\d\d[A-Z]+\d+\b", page.inner_text("#corpus-results"))) >= 5  # cable ids in rows
    assert "no own summary" in page.inner_text("#corpus-results")  # the empty ROUGE-2 cell says why
    if width > 600:  # the axes at 1400 px (at 390 px Vega drew them late or not at all in a headless run)
        page.locator("#corpus-dates").scroll_into_view_if_needed()  # Gradio draws a plot once it is in view
        page.wait_for_function("[...document.querySelectorAll('#corpus-dates .role-axis-label text')]"
                               ".some(t => /^(19|20)\\d\\d$/.test(t.textContent))", timeout=15_000)  # axes come last
        labels = axis_labels(page, "#corpus-dates")
        # 1972-2010: years and whole numbers of cables only (no "April", no "0.2")
        assert labels and all(re.fullmatch(r"\d+", v.replace(",", "")) for v in labels), labels
        years = [v for v in labels if re.fullmatch(r"(19|20)\d\d", v)]
        assert "1972" in years and len(years) >= 3, labels
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / f"corpus-filled-{width}.png"), full_page=True)


def test_the_table_reads_at_this_width(page, width):
    """Headers whole, every cell's text inside its cell (the summary was cut at the right edge, the station at
    390 px), rows of a sane height, and no sideways scrolling of the page itself (the table may scroll)."""
    search(page, "minister")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    headers = page.locator("#corpus-results th .header").evaluate_all("""els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        return [e.innerText.trim(), new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })""")
    for name, lines in headers:
        assert " " in name or lines == 1, f"header {name!r} broken over {lines} lines"
    # the rows drawn are .virtual-row divs (the <table> under them only sizes the columns)
    cut = page.locator("#corpus-results .virtual-row .body-cell .cell-wrap").evaluate_all(
        "cs => cs.filter(c => c.innerText.trim() && (c.scrollWidth > c.clientWidth + 1"
        " || c.scrollHeight > c.clientHeight + 1)).map(c => c.innerText.slice(0, 40))")
    assert cut == [], cut
    heights = page.locator("#corpus-results .virtual-row").evaluate_all(
        "rs => rs.map(r => r.getBoundingClientRect().height)")
    assert heights and max(heights) < 320, max(heights)
    if width > 600:  # the whole table in view: the summary column ends inside the container
        right = page.locator("#corpus-results .table-container").evaluate("e => e.getBoundingClientRect().right")
        last = page.locator("#corpus-results th").last.evaluate("e => e.getBoundingClientRect().right")
        assert last <= right + 1, (last, right)
    page.screenshot(path=str(REPORTS / f"corpus-{width}.png"), full_page=True)


def test_each_search_click_answers_well_under_a_second(page, width):
    """On the dev index the query takes milliseconds; the click's answer, drawn, must too stay well under a
    second (1.1-1.4 s were measured once)."""
    if width < 600:
        pytest.skip("timed at 1400 px only")
    times = [search(page, q) for q in ['"prime minister"', "nuclear", "oil OR gas", "election", "embassy",
                                        "visit", "trade", "minister"]]
    print("search clicks (ms):", [round(t) for t in times])
    assert statistics.median(times) < 800, times


def test_search_filter_open_and_export(page, width):
    search(page, '"prime minister"')
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
    page.screenshot(path=str(REPORTS / f"corpus-search-{width}.png"), full_page=True)

    page.click("#corpus-export-btn")
    page.get_by_text("as CSV and JSON Lines").first.wait_for(state="visible")
    assert f"Exported {narrowed} cable(s)" in page.inner_text("#corpus-export-status")
    links = page.locator("#corpus-files a")
    assert links.count() == 2

    # another cable on the One cable tab first: opening the row must leave nothing of it
    page.get_by_role("tab", name="One cable").click()
    page.locator("#examples button").filter(has_text="06TOKYO3797").click()
    page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized 06TOKYO3797')")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#corpus-results").get_by_text("09LONDON1707").first.click()
    page.wait_for_function("document.querySelector('#status').innerText.includes('Opened 09LONDON1707')")
    for selector in ("#status", "#header", "#model-summary", "#topics", "#scores", "#support", "#support-list",
                     "#written-by"):
        assert "06TOKYO3797" not in page.inner_text(selector) and "Koizumi" not in page.inner_text(selector), selector
    assert "Koizumi" not in page.input_value("#own-summary textarea")
    assert page.locator("#cable-input textarea").input_value().strip() != ""
    summary = page.inner_text("#model-summary")
    assert "Trident" in summary and "S1" in summary
    evidence = page.inner_text("#support-list")
    assert "S1 ←" in evidence and "¶" in evidence
    assert "09LONDON1707" in page.inner_text("#header") and "Embassy London" in page.inner_text("#header")
    assert page.locator("#support .textfield").count() >= 1


@pytest.mark.parametrize("text, said", [('"unclosed', 'a double quote (") is not closed'),
                                        ("(nuclear OR oil", 'an opening bracket "(" is not closed')])
def test_bad_query_is_one_message_in_words(page, text, said):
    page.get_by_role("tab", name="Corpus").click()
    search(page, text)
    assert "Bad query" in page.inner_text("#corpus-status") and said in page.inner_text("#corpus-status")
    assert "syntax error" not in page.inner_text("#corpus-status")
    assert page.locator(".toast-title:visible").count() == 0
