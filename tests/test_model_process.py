"""`ModelProcess` (summarizer.model.process): `summarizer serve` loads the model in a child process while
it imports Gradio. It must answer exactly what the model loaded in-process answers, carry the child's
errors back as they were raised, and keep torch out of the page's process."""
from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from app_helpers import tiny_model_dir, tiny_writer_dir

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
    first = child.pid
    os.kill(first, signal.SIGKILL)
    for _ in range(2):  # the first request may read the closed pipe, the next ones find a new child loading
        with pytest.raises(ModelError, match=r"the model process stopped \(exit code -9\)"):
            child.predict([parse(example_files()[0][1])])
    child.close()


def answered_again(child: ModelProcess, cable, seconds: float = 60) -> tuple[float, list[str]]:
    """Ask until the child answers; (seconds it took, the distinct messages refused with on the way)."""
    t0, seen = time.monotonic(), []
    while time.monotonic() - t0 < seconds:
        try:
            child.predict([cable])
            return time.monotonic() - t0, seen
        except ModelError as e:
            if str(e) not in seen:
                seen.append(str(e))
            time.sleep(0.2)
    raise AssertionError(f"no answer {seconds} s after the kill; refused with {seen}")


def test_a_killed_child_is_replaced_and_answers_again():
    cable = parse(example_files()[0][1])
    child = ModelProcess(str(tiny_model_dir())).wait()
    try:
        before = child.predict([cable])
        first = child.pid
        os.kill(first, signal.SIGKILL)
        seconds, seen = answered_again(child, cable)
        assert child.pid != first and child.restarts == 1
        assert child.predict([cable]) == before
        assert seen and all("exit code -9" in m and "a new one is loading the model: try again in a few seconds" in m
                            for m in seen), seen
        print(f"answered again {seconds:.1f} s after the kill")
    finally:
        child.close()


def test_a_request_in_flight_when_the_child_dies_gets_an_error():
    cable = parse(example_files()[0][1])
    child = ModelProcess(str(tiny_model_dir())).wait()
    try:
        os.kill(child.pid, signal.SIGSTOP)  # the request is sent and waits for an answer that never comes
        answer: dict = {}

        def ask():
            try:
                answer["value"] = child.predict([cable])
            except ModelError as e:
                answer["error"] = str(e)

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGKILL)
        asking.join(timeout=10)
        assert not asking.is_alive()
        assert answer.get("error", "").startswith("the model process stopped (exit code -9) while answering this "
                                                   "request; a new one is loading the model"), answer
        answered_again(child, cable)
    finally:
        child.close()


def test_restarts_are_bounded():
    cable = parse(example_files()[0][1])
    child = ModelProcess(str(tiny_model_dir()), max_restarts=1).wait()
    try:
        os.kill(child.pid, signal.SIGKILL)
        answered_again(child, cable)
        second = child.pid
        os.kill(second, signal.SIGKILL)
        time.sleep(1)
        for _ in range(2):
            with pytest.raises(ModelError) as refused:
                child.predict([cable])
            assert str(refused.value) == ("the model process stopped (exit code -9); it stopped 2 times in 10 minutes, "
                                          "so it is not started again: the server must be restarted")
        assert child.pid == second and child.restarts == 1
    finally:
        child.close()


def test_a_closed_model_process_is_not_restarted():
    child = ModelProcess(str(tiny_model_dir())).wait()
    pid = child.pid
    child.close()
    time.sleep(0.5)
    assert child.pid == pid and child.restarts == 0


# ------------------------------------------------------------------------------ streams (issue 27, 28)
@pytest.fixture(scope="module")
def writer():
    """The tiny causal writer, in a child and in-process: its summaries stream a sentence at a time."""
    path = str(tiny_writer_dir())
    child = ModelProcess(path).wait()
    yield child, load_model(path, device="cpu")
    child.close()


def long_cable():
    """The long example (10HAVANA84: 15 paragraphs under 12 headings): the tiny writer writes several sentences."""
    return parse(next(text for label, text in example_files() if label.startswith("10HAVANA84")))


def test_a_stream_gives_the_child_s_parts_in_order_and_ends_with_the_whole(writer):
    child, local = writer
    cable = long_cable()
    parts = list(child.stream(cable))
    assert parts == list(local.stream(cable))
    n = len(parts)
    assert n >= 4
    assert [p.done for p in parts] == [False] * (n - 1) + [True]
    assert [p.written for p in parts] == list(range(n))  # the chosen sentences, then one rewritten more each time
    assert parts[-1].writer.startswith("causal LM")
    [whole] = child.predict([cable])
    assert parts[-1].summary == whole.summary  # and the pipe is in step for the next request


def test_a_stream_closed_early_stops_the_child_after_its_sentence(writer, caplog):
    """Issue 28's last item: a client that leaves stops its generation. The child reports how many
    sentences it wrote; without the stop it would write all of them before the next request is read."""
    child, _ = writer
    cable = long_cable()
    n = len(list(child.stream(cable)))
    caplog.set_level(logging.INFO, logger="summarizer.model")
    stream = child.stream(cable)
    assert [next(stream).written, next(stream).written] == [0, 1]  # the chosen sentences, then one rewritten
    stream.close()
    [pred] = child.predict([cable])  # waits for the child's end of the stream, then is answered
    assert pred.summary
    [line] = [r.getMessage() for r in caplog.records if "client left" in r.getMessage()]
    assert "the model process stopped after writing" in line, line
    assert 1 <= int(re.search(r"after writing (\d+)", line)[1]) < n - 1, (line, n)  # n - 1 sentences in all


def test_a_stream_whose_child_is_killed_is_the_one_line_error_and_the_next_request_works():
    cable = long_cable()
    child = ModelProcess(str(tiny_writer_dir())).wait()
    try:
        stream = child.stream(cable)
        assert not next(stream).done
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(ModelError) as stopped:
            list(stream)
        assert str(stopped.value).startswith("the model process stopped (exit code -9) while answering this "
                                             "request; a new one is loading the model"), stopped.value
        answered_again(child, cable)
        assert list(child.stream(cable))[-1].done
    finally:
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


def test_the_page_answers_again_after_the_model_process_is_killed(caplog):
    """Issue 28, finding 4: `/summarize` on a page served by a `ModelProcess` answers again within 60 s of
    the child's SIGKILL, with no restart of the page; meanwhile a clear one-line refusal, no traceback."""
    from app_helpers import api_call, free_port

    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService, seed_text

    model = ModelProcess(str(tiny_model_dir())).wait()
    demo = build_page(SummaryService(model))
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        url = demo.local_url.rstrip("/")
        kind, before = api_call(url, "summarize", [seed_text()])
        assert kind == "complete"
        os.kill(model.pid, signal.SIGKILL)
        t0, refusals = time.monotonic(), []
        while time.monotonic() - t0 < 60:
            kind, data = api_call(url, "summarize", [seed_text()])
            if kind == "complete":
                break
            refusals.append(data)
            time.sleep(0.3)
        seconds = time.monotonic() - t0
        assert kind == "complete", refusals
        assert data[0]["summary"] == before[0]["summary"]
        assert refusals and all("The model process stopped (exit code -9)" in str(r) and "try again" in str(r)
                                and "Internal error" not in str(r) for r in refusals), refusals
        assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
        print(f"/summarize answered again {seconds:.1f} s after the kill ({len(refusals)} refusals)")
    finally:
        demo.close()
        model.close()
