"""`python -m eval.blind`: a seeded, blinded sheet of two runs' summaries and the key that unblinds it."""
from __future__ import annotations

import json

from eval import blind


def _run(path, summaries: dict[str, str]):
    path.mkdir()
    with open(path / "per_cable.jsonl", "w", encoding="utf-8") as f:
        for cable_id, summary in summaries.items():
            f.write(json.dumps({"id": cable_id, "reference": f"own {cable_id}", "summary": summary}) + "\n")
    return path


def test_sheet_hides_which_run_wrote_which_and_the_key_tells(tmp_path):
    ids = [f"C{i}" for i in range(12)]
    a = _run(tmp_path / "a", {i: f"alpha {i}" for i in ids})
    b = _run(tmp_path / "b", {i: (f"alpha {i}" if i == "C0" else f"beta {i}") for i in ids})  # C0: the same
    assert blind.main([str(a), str(b), "--n", "8", "--seed", "3", "--out", str(tmp_path / "out")]) == 0
    sheet = (tmp_path / "out" / "sheet.md").read_text(encoding="utf-8")
    key = json.loads((tmp_path / "out" / "key.json").read_text(encoding="utf-8"))
    assert len(key) == 8 and "C0" not in key  # identical summaries are nothing to judge
    firsts = set()
    for cable_id, which in key.items():
        block = sheet.split(f". {cable_id}\n", 1)[1].split("## ", 1)[0]
        first = "alpha" if which["1"] == str(a) else "beta"
        assert f"**1:** {first} {cable_id}" in block and f"own {cable_id}" in block
        firsts.add(first)
    assert firsts == {"alpha", "beta"}  # the order is shuffled, not always one run first
    again = tmp_path / "again"
    blind.main([str(a), str(b), "--n", "8", "--seed", "3", "--out", str(again)])
    assert (again / "sheet.md").read_text(encoding="utf-8") == sheet  # seeded
