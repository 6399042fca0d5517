"""`ModelProcess` (summarizer.model.process): `summarizer serve` loads the model in a child process while
it imports Gradio. It must answer exactly what the model loaded in-process answers, carry the child's
errors back as they were raised, and keep torch out of the page's process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from app_helpers import tiny_model_dir

from summarizer.app.service import example_files
from summarizer.limits import count_chunks
from summarizer.model import ModelError, load_model
from summarizer.model.process import ModelProcess
from summarizer.parsing import parse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny():
    """The tiny model (no sentence selector: its chunk count runs the tokenizer), in a child and in-process."""
    path = str(tiny_model_dir())
    child = ModelProcess(path).wait()
    yield child, load_model(path, device="cpu")
    child.close()


def test_the_child_answers_what_the_model_answers_in_process(tiny):
    child, local = tiny
    cables = [parse(text) for _, text in example_files()]
    assert child.predict(cables, batch_size=2) == local.predict(cables, batch_size=2)
    assert [count_chunks(child, c) for c in cables] == [count_chunks(local, c) for c in cables]
    assert all(isinstance(count_chunks(child, c), int) for c in cables)
    assert (child.name, child.device, child.notes) == (local.name, str(local.device), local.notes)


def test_an_error_in_the_child_is_raised_again_in_the_parent(tiny):
    child, local = tiny
    with pytest.raises(AttributeError) as here:
        local.predict(["not a parsed cable"])
    with pytest.raises(AttributeError) as there:
        child.predict(["not a parsed cable"])
    assert str(there.value) == str(here.value)
    [pred] = child.predict([parse(example_files()[0][1])])  # and the child still answers
    assert pred.summary


def test_a_model_that_does_not_load_is_the_same_one_line_model_error(tmp_path):
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelError) as here:
        load_model(missing)
    with pytest.raises(ModelError) as there:
        ModelProcess(missing).wait()
    assert str(there.value) == str(here.value)


def test_a_child_that_dies_is_a_model_error_not_a_hang():
    child = ModelProcess(str(tiny_model_dir())).wait()
    os.kill(child._process.pid, signal.SIGKILL)
    for _ in range(2):  # the first request reads the closed pipe, the next ones write to it
        with pytest.raises(ModelError, match=r"the model process stopped \(exit code -9\)"):
            child.predict([parse(example_files()[0][1])])
    child.close()


def test_the_parent_never_imports_torch():
    script = (
        "import sys\n"
        "from summarizer.model.process import ModelProcess\n"
        "from summarizer.app.service import SummaryService\n"
        "service = SummaryService(ModelProcess(None).wait())\n"
        "service.warm_up()\n"
        "answer = service.summarize(open('summarizer/data/examples/06TOKYO3797.txt').read())\n"
        "assert answer['summary'], answer\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
