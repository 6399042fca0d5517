"""Issue 8, load: scripts/load_test.py end to end on the tiny model (slow: it starts `summarizer serve`).

The real figures (100 clients, 60 s, shipped model) come from running the script itself; see
docs/reliability.md. This test only shows that the script starts the server, checks every answer,
reports the latency figures and that the queue's overflow is refused as "busy" with nothing lost.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from app_helpers import tiny_model_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_load_script_on_the_tiny_model(tmp_path):
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "scripts/load_test.py", "--model", str(tiny_model_dir()), "--clients", "8",
                           "--seconds", "5", "--dev-cables", "0", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rep = json.loads(out.read_text())
    load = rep["load"]
    assert load["errors"] == 0 and load["correct"] == load["requests"] > 0
    assert load["latency_s"]["p50"] is not None and load["latency_s"]["p95"] >= load["latency_s"]["p50"]
    over = rep["overflow"]
    assert over["refused_busy"] > 0 and over["accepted"] <= rep["queue_max_size"] + rep["model_concurrency"]
    assert over["accepted_answered_correctly"] == over["accepted"]
    assert all(m.startswith("Server busy") for m in over["busy_messages"])
    assert (tmp_path / "server.log").read_text().count("Traceback") == 0
