"""The page in a real browser: Debian's Chromium driven by Playwright (never `playwright install`).

Pastes the seed cable, clicks Summarize, checks the page shows the same summary the API gives, and
saves a screenshot to reports/screenshot.png; then uploads a .txt cable, and checks an empty input\nshows its message.
Skipped, with the reason, where /usr/bin/chromium or the playwright package is missing.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from app_helpers import running_app, tiny_service

from summarizer.app import service as svc

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parents[1] / "reports" / "screenshot.png"

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (pip install playwright)")

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@contextlib.contextmanager
def open_page(url: str, width: int = 1400):
    """The page at `url` in Chromium `width` CSS pixels wide (1400: a desktop; 390: a phone), once its cable
    box is there."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            pg = browser.new_page(viewport={"width": width, "height": 1000 if width > 600 else 844})
            pg.set_default_timeout(60_000)
            pg.goto(url)
            pg.wait_for_selector("#cable-input textarea")
            yield pg
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page():
    with open_page(running_app()) as pg:
        yield pg


def test_paste_seed_and_summarize(page):
    answer = tiny_service().summarize(svc.seed_text())  # what the API answers, from the same model
    page.fill("#cable-input textarea", svc.seed_text())
    page.click("#summarize-btn")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized')")
    shown = " ".join(page.inner_text("#model-summary").split())
    first_words = " ".join(answer["summary"].split()[:2])
    assert first_words and first_words in shown
    assert "06TOKYO3797" in page.inner_text("#header")
    assert "External political relations" in page.inner_text("#header")  # tag names, not just codes
    assert page.input_value("#own-summary textarea").startswith("Prime Minister Koizumi")
    assert "ROUGE-2" in page.inner_text("#scores")
    assert "¶2." in page.inner_text("#support")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_upload_txt_fills_the_box_and_summarizes(page, tmp_path):
    label, text = next((label, t) for label, t in svc.example_files() if label.startswith("10HAVANA84"))
    path = tmp_path / "havana.txt"
    path.write_text(text, encoding="utf-8")
    page.set_input_files("#cable-upload input[type=file]", str(path))
    page.wait_for_function("document.querySelector('#status').innerText.includes('10HAVANA84')")
    assert page.input_value("#cable-input textarea").startswith("Identifier\nCreated")
    assert page.input_value("#own-summary textarea").startswith("There is little prospect of economic reform")


def test_empty_input_shows_message(page):
    page.click("#clear-btn")
    page.click("#summarize-btn")
    message = page.get_by_text(svc.MSG_EMPTY[:40])
    message.first.wait_for(state="visible", timeout=30_000)
    assert "Bad input" in page.inner_text("#status")
    assert "Id" not in page.inner_text("#header")  # nothing of the last cable stays (tests/test_browser_state.py)
