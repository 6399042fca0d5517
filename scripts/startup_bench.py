"""Wall time of `summarizer summarize FILE` and of `summarizer serve` until it says "serving on", for
two checkouts, alternated (A B A B ...) so that a noisy machine hits both alike.

    python scripts/startup_bench.py BEFORE_DIR AFTER_DIR [--runs 3] [--cable FILE]

Each checkout runs as `python -m summarizer.cli ...` with its own directory first on the path (so its
package is the one imported). Prints each run and the medians.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(root: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def time_summarize(root: str, cable: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "summarizer.cli", "summarize", cable], cwd=root, env=env_for(root),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def time_serve(root: str, timeout: float = 180) -> float:
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "summarizer.cli", "serve", "--port", str(free_port())], cwd=root,
                         env=env_for(root), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        for line in p.stderr:
            if "serving on" in line:
                return time.perf_counter() - t
            if time.perf_counter() - t > timeout:
                break
        raise RuntimeError(f"{root}: serve never said 'serving on'")
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cable", default="summarizer/data/examples/06TOKYO3797.txt")
    args = ap.parse_args()
    roots = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    times = {(k, what): [] for k in roots for what in ("summarize", "serve")}
    for i in range(args.runs):
        for what in ("summarize", "serve"):
            for k, root in roots.items():
                s = time_summarize(root, args.cable) if what == "summarize" else time_serve(root)
                times[(k, what)].append(s)
                print(f"run {i + 1} {what:9} {k:6} {s:6.2f} s", flush=True)
    for what in ("summarize", "serve"):
        b, a = (statistics.median(times[(k, what)]) for k in ("before", "after"))
        print(f"median {what:9} before {b:6.2f} s  after {a:6.2f} s  ratio {a / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
