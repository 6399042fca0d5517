"""Where the start-up time of `summarizer summarize FILE` or `summarizer serve` goes, phase by phase.

    python scripts/startup_phases.py summarize summarizer/data/examples/06TOKYO3797.txt
    python scripts/startup_phases.py serve --port 7861

Runs the real command in this process with timers wrapped around the loading steps and prints a table
on stderr (the command's own output is discarded). The heavy imports are done first, one at a time, so
each gets its own line; the rest are the command's phases in the order they run. serve stops at
"serving on"; its model loads in a child process while Gradio is imported, so its table is the page's
process only and "waiting for the model process" is what the overlap did not hide. Run it from the
repository root so that this checkout's package is the one imported.
"""
from __future__ import annotations

import functools
import importlib
import io
import os
import sys
import time

sys.path.insert(0, os.getcwd())
ROWS: list[tuple[str, float]] = []
STACK: list[float] = []  # per open timed call: the seconds of the timed calls inside it
T0 = time.perf_counter()


def timed(owner, name: str, label: str) -> None:
    """Replace owner.name with a wrapper that adds its wall time to `label`: exclusive of the timed phases
    it calls (so no second is counted twice), and once for recursive calls."""
    fn = getattr(owner, name)
    depth = [0]
    is_cm = isinstance(owner, type) and isinstance(owner.__dict__.get(name), classmethod)
    inner = fn.__func__ if is_cm else fn

    @functools.wraps(inner)
    def wrapper(*a, **k):
        if depth[0]:
            return inner(*a, **k)
        depth[0] += 1
        STACK.append(0.0)
        t = time.perf_counter()
        try:
            return inner(*a, **k)
        finally:
            depth[0] -= 1
            elapsed = time.perf_counter() - t
            children = STACK.pop()
            ROWS.append((label, elapsed - children))
            if STACK:
                STACK[-1] += elapsed

    setattr(owner, name, classmethod(wrapper) if is_cm else wrapper)


def imported(module: str, label: str) -> None:
    t = time.perf_counter()
    importlib.import_module(module)
    ROWS.append((label, time.perf_counter() - t))


def table() -> None:
    total = time.perf_counter() - T0
    if os.environ.get("PHASES_RAW"):
        print(ROWS, file=sys.stderr)
    merged: dict[str, float] = {}
    for label, s in ROWS:
        merged[label] = merged.get(label, 0.0) + s
    print(f"{'phase':58} {'s':>7}", file=sys.stderr)
    for label, s in merged.items():
        print(f"{label:58} {s:7.2f}", file=sys.stderr)
    rest = total - sum(merged.values())
    print(f"{'(everything else)':58} {rest:7.2f}", file=sys.stderr)
    print(f"{'total in this process':58} {total:7.2f}", file=sys.stderr)


def time_model_load() -> None:
    """The loading steps of a model in this process (summarize; serve loads in its model process)."""
    imported("torch", "import torch")
    imported("transformers", "import transformers (top level)")
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.models.auto import auto_factory

    from summarizer import pipeline
    from summarizer.model import inference, loading
    from summarizer.model.text import CasingTable
    from summarizer.selection import scorer

    timed(loading, "load_config", "config.json + AutoConfig + seq2seq check")
    timed(loading, "weight_files", "safetensors index")
    timed(loading, "check_safetensors", "safetensors header checks")
    timed(loading, "check_config_fits_weights", "config fits weights check")
    timed(loading, "load_settings", "summarizer_config.json + prompts")
    timed(AutoTokenizer, "from_pretrained", "tokenizer")
    timed(auto_factory, "_get_model_class", "import transformers model classes (lazy)")
    timed(AutoModelForSeq2SeqLM, "from_pretrained", "weights: from_pretrained")
    timed(loading, "_make_deterministic", "generation settings")
    timed(CasingTable, "load", "truecase table (truecase.json)")
    timed(scorer.SentenceScorer, "load", "sentence selector")
    timed(inference, "_load_tagger", "TAGS classifier")
    timed(inference.CableSummarizer, "predict", "predict (first call)")
    timed(pipeline, "cable_scores", "scores (ROUGE + tag F1)")


def time_serve() -> None:
    """The page's process, which never imports torch: the model loads in its child meanwhile
    (`summarizer.model.process`; time that with `summarize`), so its row is the wait that is left. The page's
    own modules are not imported ahead to be timed (that would import Gradio before the model process
    starts): Gradio, the page and the server start are "(everything else)"."""
    from summarizer import metrics
    from summarizer.app import service
    from summarizer.commands import serve as serve_cmd
    from summarizer.model.process import ModelProcess

    timed(metrics, "load_rouge", "ROUGE scorer (rouge-score, nltk)")
    timed(ModelProcess, "wait", "waiting for the model process")
    timed(service.SummaryService, "warm_up", "warm-up on the seed cable")
    say = serve_cmd._say

    def stop_at_serving(msg: str) -> None:
        say(msg)
        if msg.startswith("serving on"):
            table()
            os._exit(0)

    serve_cmd._say = stop_at_serving


def main(argv: list[str]) -> int:
    imported("summarizer.cli", "import summarizer.cli (+ command modules)")
    if argv[0] == "serve":
        time_serve()
    else:
        time_model_load()
    from summarizer import cli

    sys.stdout = io.StringIO()
    rc = cli.main(argv)
    sys.stdout = sys.__stdout__
    table()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
