"""The README's pictures of the page: one small screenshot per tab, as a new user sees it, in docs/screenshots/.

    python -m eval.screenshots [--model DIR] [--out docs/screenshots] [--width 1100] [--data CORPUS]

Serves the page as `summarizer serve` does (the model in a `ModelProcess`, the Corpus tab on the default
index: the dev split's batch run, built in the background the first time), opens it in Debian's Chromium
and saves one-cable.png (the seed example clicked and summarized), batch.png (the first five cables of
--data run in the Batch tab) and corpus.png (the tab as it fills itself when opened). Re-run it when the
page changes. Needs /usr/bin/chromium and the playwright package.
"""
from __future__ import annotations

import argparse
import gzip
import json
import socket
import tempfile
import time
from pathlib import Path

from summarizer.commands._io import add_writer_option

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "cables-dev.jsonl.gz"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
INDEX_TIMEOUT_S = 1800  # the default index's first build runs the model over the dev split


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_records(data: Path, n: int, folder: Path) -> Path:
    """The first `n` records of `data` as a small corpus for the Batch tab."""
    path = folder / "first-cables.jsonl"
    opener = gzip.open if data.suffix == ".gz" else open
    with opener(data, "rt", encoding="utf-8") as f:
        lines = [line for line, _ in zip((x for x in f if x.strip()), range(n))]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def shoot(url: str, out: Path, width: int, corpus_file: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_default_timeout(600_000)
            page.goto(url)
            page.wait_for_selector("#cable-input textarea")

            page.locator("#examples button").first.click()  # the seed: an example summarizes as it loads
            page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized')")
            saved.append(out / "one-cable.png")
            page.screenshot(path=str(saved[-1]))

            page.get_by_role("tab", name="Batch").click()
            page.set_input_files("#corpus-upload input[type=file]", str(corpus_file))
            page.click("#batch-btn")
            page.wait_for_function("document.querySelector('#batch-summary').innerText.includes('summarized')")
            saved.append(out / "batch.png")
            page.screenshot(path=str(saved[-1]))

            page.get_by_role("tab", name="Corpus").click()
            deadline = time.monotonic() + INDEX_TIMEOUT_S
            while "match" not in page.inner_text("#corpus-status"):  # the tab fills itself once the index is there
                if time.monotonic() > deadline or "✗" in page.inner_text("#corpus-status"):
                    raise SystemExit(f"screenshots: the corpus index is not there: {page.inner_text('#corpus-status')}")
                time.sleep(2)
            page.locator("#corpus-status").evaluate("e => e.scrollIntoView({block: 'start'})")  # status, table
            page.wait_for_timeout(1000)  # the plots draw after the table
            saved.append(out / "corpus.png")
            page.screenshot(path=str(saved[-1]))
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model directory (default: the shipped one)")
    add_writer_option(ap)
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--width", type=int, default=1100, help="browser width in CSS pixels")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the Batch tab's cables are its first five")
    args = ap.parse_args(argv)

    from summarizer.app.corpus_service import CorpusSource
    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService
    from summarizer.corpus.default import DefaultIndexBuild
    from summarizer.model.process import ModelProcess

    model = ModelProcess(args.model, writer=args.writer).wait()
    try:
        service = SummaryService(model)
        service.warm_up()
        demo = build_page(service, CorpusSource(build=DefaultIndexBuild(args.model)))
        launch(demo, host="127.0.0.1", port=_free_port(), prevent_thread_lock=True, quiet=True)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                saved = shoot(demo.local_url, Path(args.out), args.width,
                              first_records(Path(args.data), 5, Path(tmp)))
        finally:
            demo.close()
    finally:
        model.close()
    print(json.dumps({"saved": [str(p) for p in saved]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
