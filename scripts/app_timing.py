#!/usr/bin/env python
"""Time to first answer of the page for the seed cable, on this machine (a benchmark, not a test).

    python scripts/app_timing.py [--model DIR] [--repeats 5] [--threads N] [--screenshot reports/page.png]

Does what `summarizer serve` does (load the model, warm up, start the page on a free local port), then
asks `/summarize` for the seed cable through `gradio_client`: the first answer after start-up, then
`--repeats` more (p50 / max). With `--screenshot` it also pastes the seed cable into the page in
Debian's Chromium, times click → summary shown, and saves a full-page screenshot. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import time
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--screenshot", default=None, help="also time the page in Chromium and save a screenshot here")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService, seed_text
    from summarizer.model import ModelError, load_model

    t0 = time.perf_counter()
    try:
        model = load_model(args.model, device="cpu")
    except ModelError as e:
        print(f"app_timing: {e}", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - t0
    service = SummaryService(model)
    warm_s = service.warm_up()
    demo = build_page(service)
    launch(demo, port=_free_port(), prevent_thread_lock=True, quiet=True)
    out = {"model": service.model_name, "device": service.device, "torch_threads": torch.get_num_threads(),
           "cpus": os.cpu_count(), "machine": platform.processor() or platform.machine(),
           "load_seconds": round(load_s, 2), "warmup_seconds": round(warm_s, 2)}
    try:
        from gradio_client import Client

        client = Client(demo.local_url, verbose=False)
        text = seed_text()
        t = time.perf_counter()
        first = client.predict(text, api_name="/summarize")
        out["first_answer_seconds"] = round(time.perf_counter() - t, 3)
        out["first_answer_server_seconds"] = first["seconds"]
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            client.predict(text, api_name="/summarize")
            times.append(time.perf_counter() - t)
        if times:
            out["repeat_p50_seconds"] = round(statistics.median(times), 3)
            out["repeat_max_seconds"] = round(max(times), 3)
        out["summary"] = first["summary"]
        out["topics"] = first["topics"]
        out["scores"] = first["scores"]
        if args.screenshot:
            out.update(_browser(demo.local_url, text, args.chromium, Path(args.screenshot)))
    finally:
        demo.close()
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _browser(url: str, text: str, chromium: str, shot: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_selector("#cable-input textarea")
            page.fill("#cable-input textarea", text)
            t = time.perf_counter()
            page.click("#summarize-btn")
            page.wait_for_function("document.querySelector('#status').innerText.includes('Summarized')")
            seconds = time.perf_counter() - t
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return {"browser_click_to_summary_seconds": round(seconds, 3), "screenshot": str(shot)}


if __name__ == "__main__":
    sys.exit(main())
