"""eval.paired: the paired bootstrap of two scoring runs."""
from __future__ import annotations

import json

from eval.paired import main


def run_dir(path, rouge2: list[float]):
    path.mkdir()
    rows = [{"record_id": "corpus", "line": i + 1, "rouge": {"rouge2": v}, "tag_f1": None} for i, v in enumerate(rouge2)]
    (path / "per_cable.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_a_gain_on_every_cable_has_an_interval_above_zero(tmp_path, capsys) -> None:
    a = run_dir(tmp_path / "a", [10.0, 20.0, 30.0, 40.0])
    b = run_dir(tmp_path / "b", [11.0, 22.0, 31.0, 42.0])
    assert main([a, b]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| rouge2"))
    assert row == "| rouge2 | 4 | 25.00 | 26.50 | +1.50 [+1.00, +2.00] |"


def test_a_missing_run_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    assert main([str(tmp_path / "nothing"), str(tmp_path / "nothing")]) == 2
    assert "no such file" in capsys.readouterr().err
