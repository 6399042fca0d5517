"""Issue 27, section 4: concurrent requests share the writer's generate calls (`service.Coalescer`), and 20
different cables sent at once to the page's API are all answered, each with its own summary, none lost.

The times (one call against 20 at once, with the trained writer) are measured by hand; see
docs/reliability.md. Here: the tiny causal writer in a `ModelProcess`, as `summarizer serve` runs it."""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from app_helpers import api_call, served_writer_page

from summarizer.app.service import Coalescer, example_files

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


class Recorder:
    """A model call that records the cables of each call; the first waits for `gate`."""

    def __init__(self, fail_on=None):
        self.calls: list[list] = []
        self.gate = threading.Event()
        self.fail_on = fail_on

    def __call__(self, cables):
        if not self.calls:
            assert self.gate.wait(30)
        self.calls.append(list(cables))
        if self.fail_on in cables:
            raise ValueError(f"cannot summarize {self.fail_on}")
        return [f"summary of {c}" for c in cables]


def run_together(coalescer: Coalescer, model: Recorder, names: list[str]) -> dict:
    """Ask for `names[0]` first and, while the model is busy with it, for each of the others from a thread
    of its own; every answer or error by name."""
    answers: dict = {}

    def ask(name):
        try:
            answers[name] = coalescer([name])
        except Exception as e:  # noqa: BLE001
            answers[name] = e

    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    threads[0].start()
    deadline = time.monotonic() + 30
    while coalescer.waiting:  # the first call has the model
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for t in threads[1:]:
        t.start()
    while coalescer.waiting < len(names) - 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    model.gate.set()
    for t in threads:
        t.join(30)
    return answers


def test_calls_waiting_for_the_model_are_predicted_in_one_call():
    model = Recorder()
    coalescer = Coalescer(model, threading.Lock(), max_cables=16)
    names = [f"cable{i}" for i in range(20)]
    answers = run_together(coalescer, model, names)
    assert answers == {n: [f"summary of {n}"] for n in names}  # each its own answer
    assert [len(c) for c in model.calls] == [1, 16, 3]  # the 19 that waited: two calls, not 19
    assert sorted(c for call in model.calls for c in call) == sorted(names)  # each cable once


def test_a_failure_in_a_shared_call_stays_with_its_request():
    model = Recorder(fail_on="cable3")
    answers = run_together(Coalescer(model, threading.Lock()), model, [f"cable{i}" for i in range(6)])
    assert str(answers.pop("cable3")) == "cannot summarize cable3"
    assert answers == {n: [f"summary of {n}"] for n in answers}


def different_cables(n: int) -> list[str]:
    """`n` different cables: the examples, each with a sentence of its own opening its second paragraph (the
    lead, which the tiny writer restates: its number must come back in that cable's summary)."""
    examples = [text for _, text in example_files()]
    out = []
    for i in range(n):
        text = examples[i % len(examples)]
        at = re.search(r"\n¶?2\. (?:\([A-Z/]+\) )?", text).end()
        out.append(f"{text[:at]}The mission counted {1000 + i} visitors in week {i + 1}. {text[at:]}")
    return out


@pytest.fixture(scope="module")
def served():
    with served_writer_page() as (url, _):
        yield url


def test_twenty_different_cables_at_once_are_all_answered_with_their_own_summary(served):
    cables = different_cables(20)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda text: api_call(served, "summarize", [text], timeout=300), cables))
    assert [kind for kind, _ in answers] == ["complete"] * 20, [a for a in answers if a[0] != "complete"][:2]
    for i, (_, [answer]) in enumerate(answers):
        assert answer["writer"].startswith("causal LM")
        assert f"counted {1000 + i} visitors" in answer["summary"], (i, answer["summary"][:300])  # its own cable's
    assert answers[0][1][0]["summary"] == api_call(served, "summarize", [cables[0]])[1][0]["summary"]  # as if alone
