"""The limits that keep one request (page, API, CLI, batch) from taking the service down.

| limit | value | where it is checked |
|---|---|---|
| input size | `MAX_INPUT_BYTES` (1 MB) for one cable | `summarizer.inputs` (CLI, corpus records), `app.service.check_text` (page, API, upload) |
| upload size | `MAX_UPLOAD_BYTES` (50 MiB) a file, and all files of one request together | Gradio's `max_file_size` (`app.page.launch`); `app.guard.RequestLimits` |
| upload budget | `UPLOAD_BUDGET_BYTES` per client in `UPLOAD_WINDOW_S` | `app.guard.RequestLimits` (`app.uploads.UploadBudget`) |
| request body | `MAX_REQUEST_BYTES` for any other HTTP request | `app.guard.RequestLimits` |
| paragraphs | `MAX_PARAGRAPHS` per cable (the longest real cable has under 300) | `check_cable`, before the model |
| words | `MAX_WORDS` per cable, whatever the model (the longest real cable has about 10,000) | `check_cable`, before the model |
| chunks | `MAX_CHUNKS` encoder-sized chunks per cable for a seq2seq summary | `check_cable`, before the model |
| generation | `MAX_NEW_TOKENS` per generate call, whatever a model directory asks for; the causal writer also `MAX_WRITER_BATCH` sentences a call and `MAX_WRITER_SECONDS` a call | `cap_generation`, when `CableSummarizer` loads |
| beams | `MAX_BEAMS` beams, one returned sequence per input | `cap_generation`, when `CableSummarizer` loads |

Every check gives one line for the user (an `InputError`, or a note at load), never a traceback.
"""
from __future__ import annotations

from summarizer.inputs import MAX_INPUT_BYTES, InputError

__all__ = ["MAX_INPUT_BYTES", "MAX_PARAGRAPHS", "MAX_WORDS", "MAX_CHUNKS", "MAX_NEW_TOKENS", "MAX_WRITER_BATCH",
           "MAX_WRITER_SECONDS", "MAX_REQUEST_BYTES",
           "MAX_BEAMS", "MAX_UPLOAD_BYTES", "UPLOAD_BUDGET_BYTES", "UPLOAD_WINDOW_S", "check_cable", "count_chunks",
           "cap_generation"]

MAX_PARAGRAPHS = 1000  # per cable; real cables have at most ~300 (10CAIRO108: 288)
# Words per cable. The sentence selector, the support finder and the scores read every word of the body,
# and no chunk limit applies to a model that selects sentences: without this a 1 MB line of words took
# minutes on /summarize. The longest of the 6,201 train+dev cables has 10,249 words in its body.
MAX_WORDS = 30_000
MAX_CHUNKS = 64  # encoder-sized pieces a seq2seq summary may read; 67 kB (the longest real cable) is ~35 of 512 tokens
MAX_NEW_TOKENS = 512  # tokens one generate call may write (the shipped causal writer asks for 96)
MAX_WRITER_BATCH = 64  # sentences the causal writer writes in one generate call
MAX_WRITER_SECONDS = 120.0  # one generate call of the causal writer stops after this (its sentences are then refused)
# Beams multiply the memory and time of every generate call (num_beams: 1,000,000 asked torch for 11 GB in
# one allocation on the tiny test model); the shipped tasks use at most 4, PEGASUS checkpoints 8.
MAX_BEAMS = 8
# Largest upload (a corpus for the Batch tab). Gradio caps each file, not a request: without the same total
# for a whole request (app.guard), one request could store many 49 MB files.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Uploads a client may keep on the disk: four full corpora an hour. An upload is deleted once the page has
# read it, and Gradio sweeps unread ones after an hour (`delete_cache`), so this also bounds what one client
# holds on the disk at a time.
UPLOAD_BUDGET_BYTES = 4 * MAX_UPLOAD_BYTES
UPLOAD_WINDOW_S = 3600
# Any other request body (the JSON of an API call): one cable JSON-escaped, with room to spare.
MAX_REQUEST_BYTES = 8 * MAX_INPUT_BYTES


def msg_too_many_paragraphs(n: int) -> str:
    return (f"The cable has {n:,} paragraphs; the limit is {MAX_PARAGRAPHS:,} per cable "
            "(the longest real cable has under 300). Split it and summarize the parts.")


def msg_too_many_words(n: int) -> str:
    return (f"The cable has {n:,} words; the limit is {MAX_WORDS:,} per cable "
            "(the longest real cable has about 10,000). Split it and summarize the parts.")


def count_words(cable) -> int:
    return sum(len(p.text.split()) for p in cable.paragraphs)


def msg_too_many_chunks(n: int) -> str:
    return (f"The cable is too long for the model: it fills {n:,} encoder-sized chunks; the limit is {MAX_CHUNKS:,} "
            "per cable. Split it and summarize the parts.")


def count_chunks(model, cable) -> int | None:
    """How many encoder-sized chunks `model` would summarize `cable` in, or None when the model does not
    write its summary chunk by chunk (a sentence selector writes it; or the model cannot tell)."""
    if callable(getattr(model, "count_chunks", None)):  # a `ModelProcess`: its child counts with the model
        return model.count_chunks(cable)
    chunk = getattr(model, "chunk", None)
    if not callable(chunk) or "summarize" not in (getattr(model, "tasks", None) or []):
        return None
    if getattr(model, "selector", None) is not None:
        return None
    return len(chunk(cable.model_input, "summarize"))


def check_cable(cable, model=None) -> None:
    """InputError when a parsed cable is over the paragraph or word limit, or (given the model) the chunk limit."""
    n = len(cable.paragraphs)
    if n > MAX_PARAGRAPHS:
        raise InputError(msg_too_many_paragraphs(n))
    n = count_words(cable)
    if n > MAX_WORDS:
        raise InputError(msg_too_many_words(n))
    if model is not None:
        chunks = count_chunks(model, cable)
        if chunks is not None and chunks > MAX_CHUNKS:
            raise InputError(msg_too_many_chunks(chunks))


def cable_limit_error(cable, model=None) -> str | None:
    """`check_cable` as a message (for corpus rows), or None when the cable is within the limits."""
    try:
        check_cable(cable, model)
    except InputError as e:
        return str(e)
    return None


def cap_generation(model, limit: int = MAX_NEW_TOKENS) -> list[str]:
    """Clamp every task's lengths (`max_new_tokens`, `max_length`, their minimums) to `limit` and its
    multipliers (`num_beams` to MAX_BEAMS; `num_return_sequences`, `num_beam_groups` to 1), in the tasks
    and in the model's generation_config; one note per clamped value.

    A model directory's settings are data from outside: `max_new_tokens: 1000000` would let one request
    generate for hours, `num_beams: 64` multiplies its memory by 64, and more than one returned sequence
    per input would pair the summaries with the wrong cables. `CableSummarizer` calls this when it loads
    (its `notes`)."""
    caps = {"max_new_tokens": limit, "max_length": limit, "min_new_tokens": limit, "min_length": limit,
            "num_beams": MAX_BEAMS, "num_return_sequences": 1, "num_beam_groups": 1}
    noted = ("max_new_tokens", "max_length", "num_beams", "num_return_sequences", "num_beam_groups")
    notes: list[str] = []
    settings = getattr(model, "settings", None)
    tasks = getattr(settings, "tasks", None)
    for name, task in (tasks if isinstance(tasks, dict) else {}).items():
        gen = getattr(task, "generation", None)
        if not isinstance(gen, dict):
            continue
        for key, cap in caps.items():
            value = gen.get(key)
            if _over(value, cap):
                gen[key] = cap
                if key in noted:
                    notes.append(f"the model asks for {key}={_fmt(value)} in task {name!r}; capped at {cap:,}")
    # each chunk of a long cable gets at least this many tokens, whatever max_new_tokens says
    floor = getattr(settings, "chunk_min_new_tokens", None)
    if _over(floor, limit):
        settings.chunk_min_new_tokens = limit
        notes.append(f"the model asks for chunk_min_new_tokens={_fmt(floor)}; capped at {limit:,}")
    writer = getattr(getattr(model, "writer", None), "settings", None)
    if writer is not None:
        for key, cap in (("max_new_tokens", limit), ("batch_size", MAX_WRITER_BATCH), ("max_seconds", MAX_WRITER_SECONDS)):
            value = getattr(writer, key)
            if _over(value, cap):
                setattr(writer, key, cap)
                notes.append(f"the model asks for writer {key}={_fmt(value)}; capped at {cap:,}")
    # what generate falls back to when a task sets no value of its own
    gen_config = getattr(getattr(model, "model", None), "generation_config", None)
    if gen_config is not None:
        for key, cap in caps.items():
            value = getattr(gen_config, key, None)
            if _over(value, cap):
                setattr(gen_config, key, cap)
                if key in noted:
                    notes.append(f"the model's generation_config asks for {key}={_fmt(value)}; capped at {cap:,}")
    return notes


def _over(value, cap: int) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > cap


def _fmt(value) -> str:
    return f"{int(value):,}" if value < 1e18 else f"{value:g}"
