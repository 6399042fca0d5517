"""What the commands say while they start (issue 16, item 4): a "loading ..." line, then
"model loaded in X s", on stderr only; stdout still carries nothing but the JSON records. Speed itself is
measured by scripts/startup_phases.py and scripts/startup_bench.py, not here."""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "summarizer" / "data" / "examples" / "06TOKYO3797.txt"
LOADING = re.compile(r"^summarizer (\w+): loading the shipped default model "
                     r"\(torch and transformers first; several seconds\)\.\.\.$")
LOADED = re.compile(r"^summarizer (\w+): model loaded on \w+ in \d+\.\d s$")


def _json_lines(out: str) -> list[dict]:
    lines = out.splitlines()
    assert lines and all(line.startswith("{") for line in lines), out[:500]
    return [json.loads(line) for line in lines]


def _corpus(tmp_path: Path, n: int = 2) -> Path:
    raw = SEED.read_text(encoding="utf-8")
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps({"id": f"C{i}", "raw": raw}) + "\n" for i in range(n))
    return path


def test_summarize_says_it_is_loading_then_how_long_it_took(capsys):
    assert main(["summarize", str(SEED)]) == 0
    cap = capsys.readouterr()
    [row] = _json_lines(cap.out)
    assert row["id"] == "06TOKYO3797"
    err = cap.err.splitlines()
    assert LOADING.match(err[0]), cap.err
    assert LOADED.match(err[1]), cap.err


def test_summarize_corpus_says_it_too(tmp_path, capsys):
    assert main(["summarize", str(_corpus(tmp_path))]) == 0
    cap = capsys.readouterr()
    assert [r["line"] for r in _json_lines(cap.out)] == [1, 2]
    err = cap.err.splitlines()
    assert LOADING.match(err[0]) and LOADED.match(err[1]), cap.err
    assert err[-1] == "summarizer summarize: 2 ok, 0 bad record(s)"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["parse", "summarize"])
def test_corpus_progress_bar_on_a_terminal_only_on_stderr(command, tmp_path, monkeypatch, capsys):
    term = _Terminal()
    corpus = _corpus(tmp_path)
    with capsys.disabled():
        out = io.StringIO()
        monkeypatch.setattr(sys, "stderr", term)
        monkeypatch.setattr(sys, "stdout", out)
        assert main([command, str(corpus)]) == 0
        monkeypatch.undo()
    assert len(_json_lines(out.getvalue())) == 2
    assert re.search(rf"\r{command}: 2 cables \[", term.getvalue()), term.getvalue()[-500:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_says_what_it_is_doing_until_it_serves(tmp_path):
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "summarizer.cli", "serve", "--port", str(_free_port())],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if "serving on" in line or time.monotonic() > deadline:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert out == ""
    assert lines[0] == ("summarizer serve: loading the shipped default model in a second process while the "
                        "page is built (torch and transformers first; several seconds)..."), lines
    assert LOADED.match(lines[1]), lines
    assert lines[2].startswith("summarizer serve: warmed up on the seed cable in "), lines
    assert re.match(r"^summarizer serve: serving on http://127\.0\.0\.1:\d+/ .*; started in \d+\.\d s$", lines[-1]), lines
    assert not any("few seconds" in line for line in lines)
