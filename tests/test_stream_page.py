"""Issue 27 (the page streams and says which writer wrote it) and issue 28's last item (a client that leaves
stops its generation), on a page served as `summarizer serve` serves it: the model in a `ModelProcess`, here
the tiny causal writer, whose summary comes one sentence at a time."""
from __future__ import annotations

import logging
import re
import time

import httpx
import pytest
from app_helpers import api_call, page_event, served_writer_page

from summarizer.app.service import example_files

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

SUMMARY, WRITTEN_BY = 2, 9  # positions of the summary and the "Written by" line among the page's outputs


@pytest.fixture(scope="module")
def served():
    with served_writer_page() as served:
        yield served


def cable_text() -> str:
    """The long example (10HAVANA84: 15 paragraphs under 12 headings): the tiny writer writes several sentences."""
    return next(text for label, text in example_files() if label.startswith("10HAVANA84"))


def summary_updates(msg: dict) -> list:
    """What a streamed message changes in the summary (Gradio sends the changes to a value it has sent)."""
    data = (msg.get("output") or {}).get("data") or []
    return data[SUMMARY] if len(data) > SUMMARY and isinstance(data[SUMMARY], list) else []


def test_the_page_shows_the_summary_as_it_is_written_and_who_wrote_it(served):
    url, model = served
    with httpx.Client(timeout=60) as c:
        assert c.get(f"{url}/").status_code == 200  # the page's cookie
        messages = list(page_event(c, url, "run_single", [cable_text()]))
    generating = [m for m in messages if m["msg"] == "process_generating"]
    assert "**Written by:** causal LM" in generating[0]["output"]["data"][WRITTEN_BY]  # before any sentence
    drafts = generating[:-1]  # the last is the finished analysis, sent again as the event's answer
    assert len(drafts) >= 5  # the parsed cable, the chosen sentences, then one a sentence rewritten
    sentences = [u for m in drafts for u in summary_updates(m) if u[0] in ("replace", "append")]
    assert sentences and sentences[0][0] == "replace", sentences  # the chosen sentences, before any is rewritten
    final = messages[-1]["output"]["data"]
    assert messages[-1]["msg"] == "process_completed" and messages[-1]["success"]
    assert final[0].startswith("✓ Summarized **10HAVANA84**")
    assert final[WRITTEN_BY] == f"**Written by:** {model.writer_name}"
    shown = " ".join(t["token"] for t in final[SUMMARY]["value"])
    assert " ".join(sentences[0][2][0]["token"].split()) in " ".join(shown.split())


def test_the_api_still_answers_with_the_whole_json(served):
    url, model = served
    kind, data = api_call(url, "summarize", [cable_text()])
    assert kind == "complete", data
    assert data[0]["id"] == "10HAVANA84" and data[0]["summary"] and data[0]["writer"] == model.writer_name


def test_a_client_that_leaves_stops_its_generation(served, caplog):
    """The browser goes away after the first sentence: Gradio closes the page's generator, which closes
    the model process's stream, and the child stops writing; the next request is answered."""
    url, _ = served
    caplog.set_level(logging.INFO, logger="summarizer.model")
    with httpx.Client(timeout=60) as c:
        assert c.get(f"{url}/").status_code == 200
        events = page_event(c, url, "run_single", [cable_text()])
        for msg in events:
            if any(u[0] == "replace" for u in summary_updates(msg)):
                break  # the first sentence is on the screen
        events.close()
    deadline = time.monotonic() + 30
    while not (lines := [r.getMessage() for r in caplog.records if "client left" in r.getMessage()]):
        assert time.monotonic() < deadline, "the stream was not stopped 30 s after its client left"
        time.sleep(0.1)
    [line] = lines
    assert "the model process stopped after writing" in line, line
    assert int(re.search(r"after writing (\d+)", line)[1]) < 6, line
    kind, data = api_call(url, "summarize", [cable_text()])
    assert kind == "complete" and data[0]["summary"]
