"""`python -m eval.bench_speed` reports what it claims: start-up and per-cable predict time, and which writer."""
from __future__ import annotations

import json

import pytest

from eval import bench_speed
from shared_data import DEV


def test_bench_speed_reports_start_up_and_predict_time_on_dev_cables(tmp_path, capsys):
    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DEV}")
    assert bench_speed.main(["--data", str(DEV), "--limit", "6", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "bench_speed.json").read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    assert report["settings"]["cables"] == 6 and report["load_seconds"] > 0
    assert report["settings"]["writer"] == "extractive: the selector's sentences"
    assert 0 < report["predict"]["p50"] <= report["predict"]["p95"]
