"""`python -m eval.bench_writer` times what it says: each system on the same cables, alternated."""
from __future__ import annotations

import json

import pytest

from causal_helpers import build_tiny_causal
from eval import bench_writer
from shared_data import DEV


def test_bench_writer_alternates_the_model_with_its_peers(tmp_path, capsys):
    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DEV}")
    model = build_tiny_causal(tmp_path / "lm")
    assert bench_writer.main(["--data", str(DEV), "--model", str(model), "--vs", "lead3", "--limit", "3",
                              "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "bench_writer.json").read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    assert report["settings"]["cables"] == 3
    for kind in ("wall_seconds", "cpu_seconds"):
        assert set(report[kind]) == {"model", "lead3"}
        assert 0 < report[kind]["model"]["p50"] <= report[kind]["model"]["p95"]
    assert report["model_over"]["lead3"] > 1  # an LM writing is slower than taking three sentences
