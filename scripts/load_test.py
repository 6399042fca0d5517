#!/usr/bin/env python
"""Load test of `summarizer serve` (issue 8): N concurrent API clients for T seconds, every answer checked.

    python scripts/load_test.py --clients 100 --seconds 60 --out reports/load/report.json
    python scripts/load_test.py --url http://127.0.0.1:7860 ...      # a server that is already running
    python scripts/load_test.py --model DIR ...                      # start it on another model

Without --url it starts `summarizer serve` on a free loopback port (and stops it at the end). Then:

1. expected answers: one sequential `/summarize` call per test cable (the packaged examples and a few
   dev-split cables); the model is deterministic, so every later answer must equal it (`seconds` aside);
2. load: `--clients` asyncio clients, each calling `/summarize` through the REST API (POST
   /gradio_api/call/summarize, then the event stream) back to back on the cables in turn, for
   `--seconds`; requests still running then are awaited (up to `--timeout`). Every answer is compared
   with the expected one; a 503, an error event, a wrong answer or a timeout is an error;
3. overflow: a burst of `--burst` requests at once (default: the queue bound + 40) must be partly refused
   with HTTP 503 "Server busy ..." (the queue does not grow past its bound), and every request it
   accepted must still be answered correctly.

Writes a JSON report (and prints it): requests, correct, errors by kind, latency p50/p95/p99/max,
throughput, the overflow figures, machine load. Exit status 0 when there were no errors, every answer was
correct and the overflow check held.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "cables-dev.jsonl.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cables(n_dev: int) -> list[tuple[str, str]]:
    """(name, text): the packaged examples, then `n_dev` dev-split cables of middling length."""
    from summarizer.app.service import example_files

    cables = [(label.split(":")[0], text) for label, text in example_files()]
    if n_dev and DEV.is_file():
        rows = [json.loads(line) for line in gzip.open(DEV, "rt", encoding="utf-8")]
        rows = sorted((r for r in rows if isinstance(r.get("raw"), str)), key=lambda r: len(r["raw"]))
        middle = rows[len(rows) // 3: 2 * len(rows) // 3]
        step = max(1, len(middle) // n_dev)
        cables += [(r["id"], r["raw"]) for r in middle[::step][:n_dev]]
    return cables


def comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "seconds"}


async def call(client: httpx.AsyncClient, url: str, text: str) -> tuple[str, object]:
    """('complete', answer) | ('error', message) | ('busy', detail) | ('http', 'status: detail')."""
    r = await client.post(f"{url}/gradio_api/call/summarize", json={"data": [text]})
    if r.status_code == 503:
        return "busy", r.json().get("detail")
    if r.status_code != 200:
        return "http", f"{r.status_code}: {r.text[:200]}"
    return await result(client, url, r.json()["event_id"])


RETRIES = {"stream_reconnects": 0}


async def result(client: httpx.AsyncClient, url: str, event_id: str) -> tuple[str, object]:
    """The answer of an accepted event. A stream whose connection drops before any of it arrived (a
    keep-alive connection the server had just closed) is opened again, at most twice, and counted."""
    for attempt in range(3):
        event, got_any = None, False
        try:
            async with client.stream("GET", f"{url}/gradio_api/call/summarize/{event_id}") as s:
                async for line in s.aiter_lines():
                    got_any = True
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event in ("complete", "error"):
                        data = json.loads(line.split(":", 1)[1])
                        return event, (data[0] if event == "complete" and isinstance(data, list) and data else data)
        except httpx.TransportError:
            if got_any or attempt == 2:
                raise
            RETRIES["stream_reconnects"] += 1
            continue
        break
    return "http", "the event stream ended without an answer"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return round(values[k], 3)


async def load(url: str, cables: list[tuple[str, str]], expected: dict[str, dict], clients: int, seconds: float,
               timeout: float) -> dict:
    limits = httpx.Limits(max_connections=clients * 2 + 20, max_keepalive_connections=clients * 2 + 20)
    tmo = httpx.Timeout(connect=30, read=timeout, write=60, pool=timeout)
    lat: list[float] = []
    errors: dict[str, int] = {}
    samples: list[str] = []
    done_at: list[float] = []
    started = 0
    t0 = time.perf_counter()
    stop = t0 + seconds

    async with httpx.AsyncClient(limits=limits, timeout=tmo) as client:
        async def one_client(k: int) -> None:
            nonlocal started
            i = k
            while time.perf_counter() < stop:
                name, text = cables[i % len(cables)]
                i += 1
                started += 1
                t = time.perf_counter()
                try:
                    kind, data = await asyncio.wait_for(call(client, url, text), timeout)
                except Exception as e:  # noqa: BLE001 - a timeout or a dropped connection is an error
                    kind, data = "exception", f"{type(e).__name__}: {e}"
                now = time.perf_counter()
                if kind == "complete" and isinstance(data, dict) and comparable(data) == expected[name]:
                    lat.append(now - t)
                    done_at.append(now - t0)
                    continue
                if kind == "complete":
                    kind = "wrong answer"
                errors[kind] = errors.get(kind, 0) + 1
                if len(samples) < 5:
                    samples.append(f"{name}: {kind}: {str(data)[:200]}")

        await asyncio.gather(*(one_client(k) for k in range(clients)))
    wall = time.perf_counter() - t0
    in_window = [x for x in done_at if x <= seconds]
    return {
        "clients": clients, "seconds": seconds, "requests": started, "correct": len(lat),
        "errors": sum(errors.values()), "errors_by_kind": errors, "error_samples": samples,
        "latency_s": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
                      "max": round(max(lat), 3) if lat else None,
                      "mean": round(statistics.fmean(lat), 3) if lat else None},
        "throughput_per_s": round(len(lat) / wall, 3) if wall else None,
        "throughput_in_window_per_s": round(len(in_window) / seconds, 3) if seconds else None,
        "wall_s": round(wall, 1), "drain_s": round(max(0.0, wall - seconds), 1),
    }


async def overflow(url: str, name: str, text: str, expected: dict, burst: int, timeout: float) -> dict:
    """A burst of `burst` requests at once: some must be refused as busy; all accepted ones answered."""
    tmo = httpx.Timeout(connect=30, read=timeout, write=60, pool=timeout)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=burst + 10), timeout=tmo) as client:
        posts = await asyncio.gather(*(client.post(f"{url}/gradio_api/call/summarize", json={"data": [text]})
                                       for _ in range(burst)), return_exceptions=True)
        accepted = [p.json()["event_id"] for p in posts if isinstance(p, httpx.Response) and p.status_code == 200]
        refused = [p for p in posts if isinstance(p, httpx.Response) and p.status_code == 503]
        other = [p for p in posts if not isinstance(p, httpx.Response) or p.status_code not in (200, 503)]
        messages = sorted({p.json().get("detail", "") for p in refused})
        answers = await asyncio.gather(*(result(client, url, e) for e in accepted), return_exceptions=True)
    good = [isinstance(a, tuple) and a[0] == "complete" and isinstance(a[1], dict) and comparable(a[1]) == expected
            for a in answers]
    failures = [f"{type(a).__name__}: {a}"[:300] if isinstance(a, BaseException) else f"{a[0]}: {str(a[1])[:300]}"
                for a, ok in zip(answers, good) if not ok][:5]
    correct = sum(good)
    return {"burst": burst, "accepted": len(accepted), "refused_busy": len(refused), "other": len(other),
            "busy_messages": messages, "accepted_answered_correctly": correct, "failures": failures,
            "ok": bool(refused) and not other and correct == len(accepted)
            and all(m.startswith("Server busy") for m in messages)}


def start_server(model: str | None, port: int, log_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "import sys; from summarizer.cli import main; sys.exit(main())", "serve",
           "--host", "127.0.0.1", "--port", str(port)] + (["--model", model] if model else [])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(cmd, cwd=REPO, stdout=log_path.open("w"), stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen | None, limit: float) -> None:
    t = time.time()
    while time.time() - t < limit:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"load_test: the server exited with status {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{url}/gradio_api/info", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"load_test: the server at {url} was not ready after {limit:g} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (default: start `summarizer serve` on a free loopback port)")
    ap.add_argument("--model", help="model directory for the started server (default: the shipped model)")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--dev-cables", type=int, default=5, help="dev-split cables besides the packaged examples")
    ap.add_argument("--timeout", type=float, default=900, help="longest wait for one answer")
    ap.add_argument("--burst", type=int, default=None, help="overflow burst size (default: queue bound + 40; 0: skip)")
    ap.add_argument("--out", type=Path, default=REPO / "reports" / "load" / "report.json")
    args = ap.parse_args(argv)

    from summarizer.app.page import MODEL_CONCURRENCY, QUEUE_MAX_SIZE

    proc = None
    url = args.url.rstrip("/") if args.url else None
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(args.model, port, args.out.parent / "server.log")
    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "url": url, "model": args.model or "shipped default",
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_avg_at_start": os.getloadavg()},
                    "queue_max_size": QUEUE_MAX_SIZE, "model_concurrency": MODEL_CONCURRENCY,
                    "command": "python scripts/load_test.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    try:
        wait_ready(url, proc, 600)
        cables = test_cables(args.dev_cables)
        expected: dict[str, dict] = {}

        async def expect():
            async with httpx.AsyncClient(timeout=httpx.Timeout(args.timeout)) as client:
                for name, text in cables:
                    kind, data = await call(client, url, text)
                    if kind != "complete" or not isinstance(data, dict):
                        raise SystemExit(f"load_test: no answer for {name} before the load: {kind}: {data}")
                    expected[name] = comparable(data)

        t = time.perf_counter()
        asyncio.run(expect())
        report["cables"] = [{"name": n, "chars": len(x)} for n, x in cables]
        report["sequential_s_per_cable"] = round((time.perf_counter() - t) / len(cables), 3)
        print(f"load_test: {len(cables)} expected answers in {time.perf_counter() - t:.1f} s; "
              f"{args.clients} clients for {args.seconds:g} s...", file=sys.stderr, flush=True)
        report["load"] = asyncio.run(load(url, cables, expected, args.clients, args.seconds, args.timeout))
        burst = QUEUE_MAX_SIZE + 40 if args.burst is None else args.burst
        if burst:
            smallest = min(cables, key=lambda c: len(c[1]))
            print(f"load_test: overflow burst of {burst} requests...", file=sys.stderr, flush=True)
            report["overflow"] = asyncio.run(overflow(url, smallest[0], smallest[1], expected[smallest[0]], burst,
                                                      args.timeout))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    report["load_avg_at_end"] = os.getloadavg()
    report["stream_reconnects"] = RETRIES["stream_reconnects"]
    ld = report["load"]
    report["ok"] = ld["errors"] == 0 and ld["correct"] == ld["requests"] and report.get("overflow", {"ok": True})["ok"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    lat = ld["latency_s"]
    print(f"load_test: {ld['requests']} requests, {ld['correct']} correct, {ld['errors']} errors; latency p50 "
          f"{lat['p50']} s, p95 {lat['p95']} s; {ld['throughput_per_s']} answers/s"
          + (f"; overflow: {report['overflow']['refused_busy']} of {report['overflow']['burst']} refused busy, "
             f"{report['overflow']['accepted_answered_correctly']}/{report['overflow']['accepted']} accepted answered"
             if "overflow" in report else "") + f" -> {args.out}", file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
