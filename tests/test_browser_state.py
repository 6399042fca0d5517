"""What the page shows between and after requests, in a real browser (issue 16, item 5).

Debian's Chromium driven by Playwright, as in tests/test_browser.py: a new request clears the previous
cable's outputs, an error leaves one message and nothing stale, bad input is titled "Bad input", the
sentence labels are readable on every palette colour, the own summary is shown whole and an unnumbered
paragraph has one label in both panels. Saves reports/state-error.png and reports/state-summary.png.
Skipped, with the reason, where /usr/bin/chromium or the playwright package is missing.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import page  # noqa: F401 - the browser and its skip rules, shared

from summarizer.app import page as app_page
from summarizer.app import service as svc
from summarizer.inputs import MAX_INPUT_BYTES

REPORTS = Path(__file__).resolve().parents[1] / "reports"

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

# Outputs that belong to one cable: after an error none of them may still show the previous one.
CABLE_OUTPUTS = ["#header", "#topics", "#scores", "#support-list", "#paragraphs", "#model-summary .textfield",
                 "#support .textfield"]

# One paragraph without a number, between ¶2 and ¶3: its position (3) is also a real paragraph number.
UNNUMBERED = """UNCLAS TOKYO 000123
SUBJECT: FISHERIES TALKS RESUME

TAGS: PREL, EFIS, JA

1. (U) SUMMARY: Japan and Russia agreed to resume fisheries talks next month. END SUMMARY.

2. (U) The Fisheries Agency said the talks would cover salmon quotas in the northern waters.

The delegation will be led by the deputy director general, who met the Russian ambassador on Monday.

3. (U) Comment: the resumption reflects warmer ties after the summit.
"""


# Set when the status has read "Summarizing…" since the observer was started: a mutation observer, since
# with the model in its own process the answer can replace that line between two polls of the page.
_WATCH_SUMMARIZING = """() => {
    window.__summarizing?.disconnect();
    window.__saw_summarizing = false;
    window.__summarizing = new MutationObserver(() => {
        if (document.querySelector('#status')?.innerText.includes('Summarizing')) window.__saw_summarizing = true;
    });
    window.__summarizing.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def summarize(page, text: str, cable_id: str) -> None:
    """Summarize and wait for this request's answer. The page first blanks itself ("Summarizing…"): waiting
    for that before the answer keeps a late answer to an earlier request from passing for this one."""
    page.fill("#cable-input textarea", text)
    page.evaluate(_WATCH_SUMMARIZING)
    page.click("#summarize-btn")
    page.wait_for_function("want => window.__saw_summarizing"
                           " && document.querySelector('#status').innerText.includes(want)", arg=f"Summarized {cable_id}")


def shown(page, selector: str) -> str:
    """The text there, less Gradio's progress timer over a running output; "" where there is no element."""
    texts = page.locator(selector).evaluate_all(
        "els => els.map(e => { const c = e.cloneNode(true);"
        " c.querySelectorAll('[data-testid=status-tracker]').forEach(t => t.remove()); return c.textContent; })")
    return " ".join(" ".join(texts).split())


def visible_error_pills(page) -> int:
    """Gradio's red "Error" badges, drawn over each output of an event that failed."""
    return page.locator("[data-testid=status-tracker].error:visible").count()


def rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def hex_rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(c):
        lin = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_error_replaces_every_output_of_the_previous_cable(page):
    summarize(page, svc.seed_text(), "06TOKYO3797")
    page.click("#clear-btn")
    page.click("#summarize-btn")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Bad input')")
    status = shown(page, "#status")
    assert svc.MSG_EMPTY in status
    assert "Summarized" not in status and "06TOKYO3797" not in status
    for selector in CABLE_OUTPUTS:
        assert shown(page, selector) == "", f"{selector} still shows the previous cable"
    assert page.input_value("#own-summary textarea") == ""
    assert visible_error_pills(page) == 0
    assert page.get_by_text(svc.MSG_EMPTY[:40]).count() == 1  # one message: in the page, not also a toast
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "state-error.png"), full_page=True)


def test_new_request_clears_the_previous_cable_while_it_runs(page):
    summarize(page, svc.seed_text(), "06TOKYO3797")
    held = []
    # The model call waits here until the test has looked at the page.
    page.route("**/gradio_api/queue/join*", lambda route: held.append(route))
    try:
        page.fill("#cable-input textarea", next(t for label, t in svc.example_files() if label.startswith("10HAVANA84")))
        page.click("#summarize-btn")
        page.wait_for_function("document.querySelector('#status').innerText.includes('Summarizing')")
        for selector in CABLE_OUTPUTS:
            assert "06TOKYO3797" not in shown(page, selector) and "Koizumi" not in shown(page, selector)
        assert shown(page, "#header") == "" and shown(page, "#scores") == ""
        assert page.input_value("#own-summary textarea") == ""
    finally:
        for route in held:
            route.continue_()
        page.unroute("**/gradio_api/queue/join*")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized 10HAVANA84')")
    assert "10HAVANA84" in shown(page, "#header")


def test_refused_upload_is_titled_bad_input_and_leaves_nothing_stale(page, tmp_path):
    summarize(page, svc.seed_text(), "06TOKYO3797")
    path = tmp_path / "too-big.txt"
    head = "SUBJECT: X\n1. (C) "
    path.write_text(head + "a" * (MAX_INPUT_BYTES + 1 - len(head)), encoding="utf-8")
    page.set_input_files("#cable-upload input[type=file]", str(path))
    page.get_by_text("is 1,000,001 bytes").first.wait_for(state="visible", timeout=30_000)
    assert "Bad input" in shown(page, "#status") and "is 1,000,001 bytes" in shown(page, "#status")
    assert page.locator(".toast-title:visible").count() == 0  # one message: in the page, not also a toast
    for selector in CABLE_OUTPUTS:
        assert shown(page, selector) == "", f"{selector} still shows the previous cable"
    assert visible_error_pills(page) == 0


def test_refused_batch_is_titled_bad_input(page, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    page.get_by_role("tab", name="Batch").click()
    try:
        page.set_input_files("#corpus-upload input[type=file]", str(path))
        page.click("#batch-btn")
        page.get_by_text("empty.jsonl holds no records.").first.wait_for(state="visible", timeout=30_000)
        assert shown(page, "#batch-summary") == "✗ Bad input: empty.jsonl holds no records."
        assert page.locator(".toast-title:visible").count() == 0  # not also a toast titled "Error"
    finally:
        page.get_by_role("tab", name="One cable").click()


def test_own_summary_is_shown_whole(page):
    summarize(page, svc.seed_text(), "06TOKYO3797")
    box = page.locator("#own-summary textarea")
    assert box.input_value().startswith("Prime Minister Koizumi")
    scroll, client = box.evaluate("t => [t.scrollHeight, t.clientHeight]")
    assert scroll <= client + 1, f"the box shows {client}px of {scroll}px"


def test_sentence_labels_are_readable_on_every_palette_colour(page):
    summarize(page, svc.seed_text(), "06TOKYO3797")
    labels = page.locator("#model-summary .label, #support .label")
    assert labels.count() >= 1
    for colour, background in labels.evaluate_all(
            "ls => ls.map(l => [getComputedStyle(l).color, getComputedStyle(l).backgroundColor])"):
        assert contrast(rgb(colour), rgb(background)) >= 4.5, (colour, background)
    # Every label gets the same text colour, so it must read on every colour a label can get.
    text = rgb(labels.first.evaluate("l => getComputedStyle(l).color"))
    for name, background in app_page._color_map(len(app_page.PALETTE)).items():
        assert contrast(text, hex_rgb(background)) >= 4.5, (name, background)


def test_unnumbered_paragraph_has_one_label_in_both_panels(page):
    summarize(page, UNNUMBERED, "the cable")
    support = shown(page, "#support")
    page.get_by_text("Clean paragraphs (as parsed)").click()
    page.locator("#paragraphs").get_by_text("The delegation will be led").wait_for(state="visible")
    listed = page.inner_text("#paragraphs")
    line = next(x for x in listed.splitlines() if "The delegation will be led" in x)
    label = line.split()[0]
    assert label != "¶3" and label in support
    assert f"{label}. The delegation will be led" in support
    assert support.count("¶3.") == 1  # the real ¶3 only
    REPORTS.mkdir(exist_ok=True)
    summarize(page, svc.seed_text(), "06TOKYO3797")
    page.screenshot(path=str(REPORTS / "state-summary.png"), full_page=True)


# ------------------------------------------------------------------ issue 30: every input change, both widths
# What of each example may be on screen only while it is the cable shown (its id and words of its own summary).
TRACES = {"06TOKYO3797": ("06TOKYO3797", "Koizumi"), "75TEHRAN2069": ("75TEHRAN2069", "RESURGENCE"),
          "10HAVANA84": ("10HAVANA84", "little prospect of economic reform")}


def everything_shown(page) -> str:
    """Every single-cable output's text, the own-summary box's value included."""
    return " ".join([shown(page, s) for s in ["#status", "#written-by", "#model-summary", *CABLE_OUTPUTS]]
                    + [page.input_value("#own-summary textarea")])


def assert_only(page, cable_id: str | None) -> None:
    text = everything_shown(page)
    for other, traces in TRACES.items():
        if other != cable_id:
            for trace in traces:
                assert trace not in text, f"{trace!r} of {other} is still on the page"


def example_button(page, cable_id: str):
    return page.locator("#examples button").filter(has_text=cable_id)


@pytest.fixture(params=[1400, 390], ids=["1400px", "390px"])
def sized_page(page, request):  # noqa: F811 - the module's browser page, at this width and loaded afresh
    width = request.param
    page.set_viewport_size({"width": width, "height": 1000 if width > 600 else 844})
    page.reload()
    page.wait_for_selector("#cable-input textarea")
    yield page, width
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_every_input_change_resets_or_fills_every_output(sized_page, tmp_path):
    """Clear, an example, an upload (a corpus row: tests/test_browser_corpus.py): after each, nothing of the
    previous cable is on the page."""
    page, width = sized_page
    summarize(page, svc.seed_text(), "06TOKYO3797")

    page.click("#clear-btn")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Waiting for a cable')")
    assert page.input_value("#cable-input textarea") == ""
    assert_only(page, None)
    for selector in CABLE_OUTPUTS:
        assert shown(page, selector) == "", f"{selector} kept something after Clear"

    summarize(page, svc.seed_text(), "06TOKYO3797")
    page.evaluate(_WATCH_SUMMARIZING)
    example_button(page, "75TEHRAN2069").click()  # the example summarizes without a click on Summarize
    page.wait_for_function("window.__saw_summarizing && document.querySelector('#status').innerText"
                           ".includes('Summarized 75TEHRAN2069')")
    assert page.input_value("#cable-input textarea").startswith("Identifier")
    assert "75TEHRAN2069" in shown(page, "#header") and "RESURGENCE" in page.input_value("#own-summary textarea")
    assert_only(page, "75TEHRAN2069")
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / f"state-example-{width}.png"), full_page=True)

    path = tmp_path / "havana.txt"
    path.write_text(next(t for label, t in svc.example_files() if label.startswith("10HAVANA84")), encoding="utf-8")
    page.evaluate(_WATCH_SUMMARIZING.replace("Summarizing", "Reading the upload"))
    page.set_input_files("#cable-upload input[type=file]", str(path))
    page.wait_for_function("window.__saw_summarizing && document.querySelector('#status').innerText"
                           ".includes('Summarized 10HAVANA84')")
    assert_only(page, "10HAVANA84")
    page.screenshot(path=str(REPORTS / f"state-upload-{width}.png"), full_page=True)


def test_examples_are_labelled_whole(sized_page):
    page, _ = sized_page
    labels = [" ".join(t.split()) for t in page.locator("#examples button").all_inner_texts()]
    assert labels == [label for label, _ in svc.example_files()]  # not cut to "..." by the button


def lines_of(page, selector: str) -> list[tuple[str, int]]:
    """(text, lines it takes) for each element matched: a word broken over two lines counts two."""
    return page.locator(selector).evaluate_all("""els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
        return [e.innerText.trim(), tops.size]; })""")


def text_box(page, selector: str, words: str) -> dict:
    """The box of the glyphs of `words` in the first text node under `selector` that holds them."""
    return page.locator(selector).evaluate("""(el, words) => {
        const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const at = n.textContent.indexOf(words);
            if (at < 0) continue;
            const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + words.length);
            const b = r.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, left: b.left, right: b.right};
        }
        return null; }""", words)


def test_phone_width_layout_of_the_one_cable_tab(sized_page):
    """At 390 px: no sideways scrolling of the page, the upload label clear of the drop zone's words, and
    the score table's names and numbers on one line each ("ROU/GE-/1" and "66./7" were split)."""
    page, width = sized_page
    summarize(page, svc.seed_text(), "06TOKYO3797")
    page.click("#clear-btn")  # the upload box shows its drop zone again (an earlier test uploaded a file)
    page.wait_for_function("document.querySelector('#status').innerText.includes('Waiting for a cable')")
    summarize(page, svc.seed_text(), "06TOKYO3797")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    label, drop = (text_box(page, "#cable-upload", words) for words in ("Upload a .txt cable", "Drop File Here"))
    assert label["bottom"] <= drop["top"] or drop["bottom"] <= label["top"], (label, drop)
    page.screenshot(path=str(REPORTS / f"one-cable-{width}.png"), full_page=True)
    cells = lines_of(page, "#scores th, #scores td")
    assert len(cells) == 10 and all(n == 1 for _, n in cells), cells
    page.screenshot(path=str(REPORTS / f"one-cable-{width}.png"), full_page=True)


# Every text Gradio's progress shows in the Batch tab while it runs, and the most trackers showing at once.
_WATCH_BATCH_PROGRESS = """() => {
    window.__progress = []; window.__most = 0;
    window.__batch_obs?.disconnect();
    window.__batch_obs = new MutationObserver(() => {
        const shown = [...document.querySelectorAll('[data-testid=status-tracker]')]
            .filter(t => t.closest('#batch-summary, #batch-table, #batch-files') && t.innerText.trim());
        window.__most = Math.max(window.__most, shown.length);
        for (const t of shown) window.__progress.push(t.innerText.split(/\\s+/).join(' '));
    });
    window.__batch_obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_batch_tab_shows_one_progress_and_no_count_before_reading(sized_page, tmp_path):
    """One progress display (Gradio drew one over each of the three outputs), and never "0/1 cables" before
    the corpus is read."""
    import json

    page, width = sized_page
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps({"raw": t}) + "\n" for _, t in svc.example_files() * 2), encoding="utf-8")
    page.get_by_role("tab", name="Batch").click()
    try:
        page.set_input_files("#corpus-upload input[type=file]", str(path))
        page.evaluate(_WATCH_BATCH_PROGRESS)
        page.click("#batch-btn")
        page.wait_for_function("document.querySelector('#batch-summary').innerText.includes('6 of 6 record(s)')")
        seen = page.evaluate("window.__progress")
        assert seen, "no progress was shown"
        assert page.evaluate("window.__most") == 1, seen
        assert not any("0/1" in text for text in seen), seen
        page.screenshot(path=str(REPORTS / f"batch-{width}.png"), full_page=True)
    finally:
        page.get_by_role("tab", name="One cable").click()
