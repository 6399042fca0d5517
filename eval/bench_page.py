"""The page as a user meets it: time to the first words of the summary after the click (in Chromium), and
20 different cables sent to `/summarize` at once, against one call alone.

    python -m eval.bench_page [--model DIR] [--writer causal] [--clicks 6] [--clients 20] [--data CORPUS]

The model runs in a `ModelProcess`, as `summarizer serve` runs it. Clicks: the shipped examples, then dev
cables, each timed from the click to the first text in the summary box and to "Summarized". Clients: three
calls one at a time (their median is "one call"), then `--clients` different dev cables at once; every answer
is checked to be a whole one. Needs Debian's Chromium (/usr/bin/chromium) and the playwright package for the
clicks (skipped, with a line, without them).
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from summarizer.commands._io import add_writer_option
from summarizer.inputs import read_records

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cables-dev.jsonl.gz"
CHROMIUM = Path("/usr/bin/chromium")
WATCH = """() => {
    window.__first = undefined; window.__done = undefined; window.__click = undefined; let started = false;
    document.querySelector('#summarize-btn').addEventListener('click', () => { window.__click = performance.now(); },
                                                              {once: true, capture: true});
    const obs = new MutationObserver(() => {
        const status = document.querySelector('#status')?.innerText || '';
        if (!started && window.__click !== undefined && !status.includes('Summarized')) started = true;
        if (!started) return;  // the last run's summary and status are still on screen
        const shown = (document.querySelector('#model-summary .textfield')?.innerText || '').trim();
        if (shown && window.__first === undefined) window.__first = performance.now();
        if (status.includes('Summarized')) { window.__done = performance.now(); obs.disconnect(); }
    });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clicks(url: str, texts: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_default_timeout(300_000)
        page.goto(url)
        page.wait_for_selector("#cable-input textarea")
        for text in texts:
            page.fill("#cable-input textarea", text)
            page.evaluate(WATCH)
            page.click("#summarize-btn")
            page.wait_for_function("window.__done !== undefined")
            first, done = page.evaluate("[(window.__first - window.__click) / 1000, (window.__done - window.__click) / 1000]")
            out.append({"cable": text.strip().splitlines()[0][:40], "first_words_s": round(first, 2), "whole_s": round(done, 2)})
            print(f"click: first words {first:.2f} s, whole {done:.2f} s", flush=True)
        browser.close()
    return out


def clients(url: str, texts: list[str]) -> dict:
    from gradio_client import Client

    def ask(text: str) -> tuple[float, dict]:
        t = time.perf_counter()
        answer = Client(url, verbose=False).predict(text, api_name="/summarize")
        return time.perf_counter() - t, answer

    singles = [ask(t)[0] for t in texts[:3]]
    one = statistics.median(singles)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(texts)) as pool:
        answers = list(pool.map(ask, texts))
    wall = time.perf_counter() - t0
    whole = sum(isinstance(a, dict) and bool(a.get("summary")) for _, a in answers)
    report = {"one_call_s": round(one, 2), "clients": len(texts), "answered": whole, "all_s": round(wall, 2),
              "times_one_call": round(wall / one, 1), "p50_s": round(statistics.median(s for s, _ in answers), 2)}
    print(f"{len(texts)} at once: {whole}/{len(texts)} answered in {wall:.1f} s = {wall / one:.1f}x one call ({one:.2f} s)",
          flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model directory (default: the shipped one)")
    add_writer_option(ap)
    ap.add_argument("--clicks", type=int, default=6, help="summaries clicked in the browser (0: none)")
    ap.add_argument("--clients", type=int, default=20, help="different cables sent at once (0: none)")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    args = ap.parse_args(argv)

    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService, example_files
    from summarizer.model.process import ModelProcess

    dev = [r.raw for r, _ in zip((r for r in read_records(args.data) if r.raw), range(args.clicks + args.clients))]
    model = ModelProcess(args.model, writer=args.writer).wait()
    service = SummaryService(model)
    service.warm_up()
    demo = build_page(service)
    launch(demo, host="127.0.0.1", port=_free_port(), prevent_thread_lock=True, quiet=True)
    url = demo.local_url.rstrip("/")
    report = {"model": args.model or "shipped", "writer": model.writer_name}
    try:
        texts = ([t for _, t in example_files()] + dev)[:args.clicks]
        if texts and CHROMIUM.is_file():
            report["clicks"] = clicks(url, texts)
        elif texts:
            print(f"bench_page: no clicks: {CHROMIUM} is missing", flush=True)
        if args.clients:
            report["clients"] = clients(url, dev[-args.clients:])
    finally:
        demo.close()
        model.close()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
