"""`CableSummarizer`: cables in, summaries + TAGS codes + topic labels out.

    from summarizer.model import load_model
    summarizer = load_model()              # the shipped default, or load_model("path/to/hf-dir")
    [pred] = summarizer.predict([cable])   # Prediction(summary=..., tags=[...], topics=[...])

How one cable is handled:
1. its `body` (own summary removed, one paragraph a line) is split on paragraph boundaries into chunks
   that fit the encoder (prompt and special tokens included);
2. the summary task summarizes every chunk (a long cable gets a per-chunk share of the summary length,
   never less than `chunk_min_new_tokens`), and the chunk summaries are joined in order, with repeated
   sentences dropped;
3. the tags and subject tasks (models trained by `summarizer train`) read the first chunk: TAGS codes
   come out as text ("prel pgov ja"), the subject as a free-text topic label;
4. an uncased model's output is detokenized and truecased against the cable's own text.

A model directory may also carry a sentence selector (`summarizer.selection`: the summary is then the
sentences it picks), a TAGS classifier (`summarizer.tagging`: the TAGS codes come from it), a causal
writer (`writer.py`: a decoder-only LM rewrites each picked sentence, grounded in it, and those
sentences are the summary). A directory of these alone, with no seq2seq weights, is a whole model (the
shipped default is one); a bare decoder-only LM (`--model` a `.gguf` file or a Hugging Face causal LM
directory) writes from the lead sentences.

Work is batched across cables and chunks (sorted by length), decoding is deterministic beam search,
and on CUDA it runs under bf16 autocast.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from summarizer.cable import Cable
from summarizer.facts import faithfulness
from summarizer.limits import cap_generation
from summarizer.model import WRITERS
from summarizer.model.chunking import chunk_paragraphs, special_wrap
from summarizer.model.errors import ModelError
from summarizer.model.loading import LoadedModel, load_model_dir
from summarizer.model.prediction import Prediction
from summarizer.model.settings import SETTINGS_FILE
from summarizer.model.text import CasingTable, detokenize, truecase
from summarizer.reading import readable
from summarizer.selection import SentenceScorer
from summarizer.selection.features import body_sentences
from summarizer.sentences import split_sentences
from summarizer.tagging.classifier import TagClassifier
from summarizer.tags import tag_name

TRUECASE_FILE = "truecase.json"
LEAD_WORDS = 120  # without a selector, the chosen sentences are the lead ones up to this many words
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


@dataclass
class _Job:
    cable: int
    task: str
    order: int  # chunk number within the cable
    text: str
    max_new: int | None = None
    min_new: int | None = None
    output: str = ""


class CableSummarizer:
    def __init__(self, loaded: LoadedModel, writer: str | None = None):
        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.settings = loaded.settings
        self.device = loaded.device
        self.path = loaded.path
        self._prompt_tokens: dict[str, int] = {}
        home = loaded.path if loaded.path.is_dir() else None  # (None: a bare .gguf file)
        fallback = loaded.path / TRUECASE_FILE
        self.corpus_casing = CasingTable.load(fallback) if home and fallback.is_file() else None
        self._wordpiece = self.tokenizer is not None and _is_wordpiece(self.tokenizer)
        # A model directory may carry a sentence selector; the summary is then its chosen sentences.
        self.selector = _load_selector(home) if home else None
        # ... and a TAGS classifier; the tags then come from it instead of the seq2seq tags task.
        self.tagger = _load_tagger(home) if home else None
        # ... and a causal writer, which rewrites the chosen sentences. `writer="extractive"` asks for the
        # chosen sentences as they stand, whatever writer the directory has.
        if writer is not None and writer not in WRITERS:
            raise ModelError(f"unknown writer {writer!r}: the choices are {', '.join(WRITERS)}")
        self.extractive = writer == "extractive"
        self.writer = None if self.extractive else _load_writer(loaded, home, asked=writer == "causal")
        # A directory's generation lengths are data from outside: capped here, for every caller; the
        # notes say what was capped (the CLI and the page show them).
        self.notes = cap_generation(self)

    # ---------------------------------------------------------------- public

    @property
    def tasks(self) -> list[str]:
        return list(self.settings.tasks)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config(self) -> dict:
        """The inference settings in use (for reports)."""
        return {"model_dir": str(self.path), "device": self.device, **self.settings.to_json()}

    @property
    def writer_name(self) -> str:
        """Which writer writes the summaries, in a few words (the page and the outputs show it)."""
        if self.writer is not None:
            return f"causal LM ({self.writer.name}), grounded in the chosen sentences"
        if self.selector is not None:
            return "extractive: the selector's sentences"
        if self.extractive:
            return "extractive: the lead sentences"
        return f"seq2seq: {self.name}"

    def predict(self, cables: list[Cable], batch_size: int = 8) -> list[Prediction]:
        inputs, sources = _inputs_and_sources(cables)
        summaries, chunks, written = self._summaries(cables, inputs, sources, batch_size)
        tags = self._tag_codes(cables, inputs, sources, batch_size)
        subjects = self._subjects(inputs, sources, batch_size)
        return [self._prediction(s, t, subject, n, w) for s, t, subject, n, w in zip(summaries, tags, subjects, chunks, written)]

    def stream(self, cable: Cable):
        """One cable's predictions as its summary is written. With a causal writer: first the chosen sentences
        as they stand (a reader has words at once), then the summary again after each sentence is rewritten
        (the rewritten ones, then the chosen ones still to come), all with `done` False but the last; with
        any other writer, the whole at once."""
        if self.writer is None:
            yield self.predict([cable])[0]
            return
        inputs, sources = _inputs_and_sources([cable])
        [tags] = self._tag_codes([cable], inputs, sources, 1)
        [subject] = self._subjects(inputs, sources, 1)
        chosen = self._chosen_sentences(cable)
        written = []
        yield self._prediction("\n".join(_unique(chosen)), tags, subject, 0, written, done=not chosen)
        for k, sentence in enumerate(chosen):
            written += self.writer.write_many([(cable.subject or "", [sentence])])
            summary = "\n".join(_unique([w.text for w in written] + chosen[k + 1:]))
            yield self._prediction(summary, tags, subject, 0, written, done=k == len(chosen) - 1)

    def _prediction(self, summary: str, tags: list[str], subject: str | None, chunks: int, written: list,
                    done: bool = True) -> Prediction:
        return Prediction(summary=summary, tags=tags, topics=_topics(tags, subject), subject=subject, chunks=chunks,
                          written=len(written), refused=[w.refused for w in written if w.refused],
                          writer=self.writer_name, done=done)

    def _summaries(self, cables: list[Cable], inputs: list[list[str]], sources: list[str],
                   batch_size: int) -> tuple[list[str], list[int], list[list]]:
        """Each cable's summary, the number of chunks it was read in and the causal writer's sentences
        (`Written`, none for other writers), by the directory's strategy: the causal writer over the
        chosen sentences; the chosen sentences as they are (a selector's, or the lead ones with
        `writer="extractive"`); or the seq2seq summary task, chunk by chunk."""
        if self.writer is not None:
            chosen = [self._chosen_sentences(c) for c in cables]
            items = [(c.subject or "", [s]) for c, sentences in zip(cables, chosen) for s in sentences]
            out = iter(self.writer.write_many(items))
            written = [[next(out) for _ in sentences] for sentences in chosen]
            return ["\n".join(_unique([w.text for w in ws])) for ws in written], [0] * len(cables), written
        none: list[list] = [[] for _ in cables]
        if self.extractive or self.selector is not None:
            return ["\n".join(self._chosen_sentences(c)) for c in cables], [0] * len(cables), none
        if "summarize" not in self.settings.tasks:
            return [""] * len(cables), [0] * len(cables), none
        jobs, chunks = [], []
        for i, paragraphs in enumerate(inputs):
            texts = self.chunk(paragraphs, "summarize")
            max_new, min_new = self._chunk_lengths(len(texts))
            jobs.extend(_Job(i, "summarize", k, text, max_new, min_new) for k, text in enumerate(texts))
            chunks.append(len(texts))
        self._run(jobs, batch_size, sources)
        return [_join_summaries([j.output for j in jobs if j.cable == i]) for i in range(len(cables))], chunks, none

    def _tag_codes(self, cables: list[Cable], inputs: list[list[str]], sources: list[str], batch_size: int) -> list[list[str]]:
        """Each cable's TAGS codes: the directory's TAGS classifier, else the seq2seq tags task."""
        if self.tagger is not None:
            return [self.tagger.predict(c)[: self.settings.max_tags] for c in cables]
        outputs = self._first_chunk_outputs("tags", inputs, sources, batch_size)
        return [self._tags(text) for text in outputs]

    def _subjects(self, inputs: list[list[str]], sources: list[str], batch_size: int) -> list[str | None]:
        """The subject task's free-text label, where the directory has the task and the label names
        nothing the cable does not (one that does misleads the reader)."""
        outputs = self._first_chunk_outputs("subject", inputs, sources, batch_size)
        return [text if text and not _unsupported(text, source) else None for text, source in zip(outputs, sources)]

    def _first_chunk_outputs(self, task: str, inputs: list[list[str]], sources: list[str], batch_size: int) -> list[str]:
        """What the seq2seq `task` writes from each cable's first chunk ("" without the task or a chunk)."""
        if task not in self.settings.tasks:
            return [""] * len(inputs)
        jobs = []
        for i, paragraphs in enumerate(inputs):
            texts = self.chunk(paragraphs, task)
            if texts:
                jobs.append(_Job(i, task, 0, texts[0]))
        self._run(jobs, batch_size, sources)
        outputs = [""] * len(inputs)
        for j in jobs:
            outputs[j.cable] = j.output
        return outputs

    def predict_one(self, cable: Cable) -> Prediction:
        return self.predict([cable], batch_size=8)[0]

    def chunk(self, paragraphs: list[str], task: str = "summarize") -> list[str]:
        """The chunk texts the encoder reads for `task` (every paragraph lands in one chunk)."""
        ts = self.settings.tasks[task]
        budget = ts.max_source_tokens - self._overhead(task) - 2  # 2 tokens of slack for re-tokenization
        return chunk_paragraphs(paragraphs, self.count_tokens, max(8, budget))

    def _chosen_sentences(self, cable: Cable) -> list[str]:
        """The selector's sentences (or, without one, the lead sentences) up to the summary's length."""
        if self.selector is not None:
            return [s.text for s in self.selector.select(cable)]
        out, total = [], 0
        for s in body_sentences(cable):
            if total >= LEAD_WORDS:
                break
            if not readable(s.text):
                continue
            out.append(s.text)
            total += len(s.text.split())
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        return [len(x) for x in enc]

    # ---------------------------------------------------------------- internals

    def _decoder_prefix(self, task: str) -> list[int]:
        """[decoder start] + the task prompt's tokens: forced at the start of every decoded sequence."""
        start = self.model.generation_config.decoder_start_token_id
        if start is None:
            start = self.model.config.decoder_start_token_id
        prompt = self.settings.tasks[task].prompt
        return [start] + (self.tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else [])

    def _overhead(self, task: str) -> int:
        if task not in self._prompt_tokens:
            prompt = self.settings.tasks[task].prompt if self.settings.prompt_side != "decoder" else ""
            n = len(self.tokenizer(prompt, add_special_tokens=False)["input_ids"]) if prompt else 0
            head, tail = special_wrap(self.tokenizer)
            self._prompt_tokens[task] = n + len(head) + len(tail)
        return self._prompt_tokens[task]

    def _chunk_lengths(self, n: int) -> tuple[int | None, int | None]:
        gen = self.settings.tasks["summarize"].generation
        max_new = gen.get("max_new_tokens")
        min_new = gen.get("min_new_tokens")
        if n <= 1 or max_new is None:
            return max_new, min_new
        floor = self.settings.chunk_min_new_tokens
        max_new = max(floor, math.ceil(max_new / n))
        min_new = min(max_new // 2, math.ceil(min_new / n)) if min_new else None
        return max_new, min_new

    def _run(self, jobs: list[_Job], batch_size: int, sources: list[str]) -> None:
        import torch

        tables: dict[int, CasingTable] = {}

        groups: dict[tuple, list[_Job]] = {}
        for j in jobs:
            groups.setdefault((j.task, j.max_new, j.min_new), []).append(j)
        for (task, max_new, min_new), group in groups.items():
            ts = self.settings.tasks[task]
            gen_kwargs = dict(ts.generation)
            if max_new is not None:
                gen_kwargs["max_new_tokens"] = max_new
            if min_new is not None:
                gen_kwargs["min_new_tokens"] = min_new
            on_decoder = self.settings.prompt_side == "decoder"
            prefix = self._decoder_prefix(task) if on_decoder else []
            group.sort(key=lambda j: len(j.text), reverse=True)
            for start in range(0, len(group), max(1, batch_size)):
                batch = group[start:start + batch_size]
                texts = [j.text if on_decoder else ts.prompt + j.text for j in batch]
                enc = self.tokenizer(texts, truncation=True, max_length=ts.max_source_tokens, padding=True,
                                     return_tensors="pt")
                enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
                if on_decoder:
                    enc["decoder_input_ids"] = torch.tensor([prefix] * len(batch), device=self.device)
                with torch.inference_mode(), _autocast(self.device):
                    out = self.model.generate(**enc, **gen_kwargs)
                if on_decoder:
                    out = out[:, len(prefix):]  # drop the forced start + task prefix
                for j, ids in zip(batch, out.tolist()):
                    if j.cable not in tables:
                        tables[j.cable] = CasingTable.from_text(sources[j.cable])
                    j.output = self._decode(ids, task, sources[j.cable], tables[j.cable])

    def _decode(self, ids: list[int], task: str, cable_text: str, table: CasingTable | None = None) -> str:
        if self._wordpiece:
            toks = self.tokenizer.convert_ids_to_tokens(ids, skip_special_tokens=True)
            words: list[str] = []
            for t in toks:
                if t.startswith("##") and words:
                    words[-1] += t[2:]
                else:
                    words.append(t)
            text = " ".join(words)
        else:
            text = self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)
        text = " ".join(text.split())
        if task == "tags":
            return text
        if self._wordpiece:
            text = detokenize(text, cable_text)
        if self.settings.uncased:
            text = truecase(text, table or CasingTable.from_text(cable_text), self.corpus_casing)
        return text.strip()

    def _tags(self, text: str) -> list[str]:
        out: list[str] = []
        for m in _CODE.finditer(text):
            code = m.group(0).upper().strip("-")
            if 2 <= len(code) <= 8 and code not in out:
                out.append(code)
            if len(out) >= self.settings.max_tags:
                break
        return out


def load_model(path: str | None = None, device: str | None = None, prompts_dir: str | None = None,
               writer: str | None = None) -> CableSummarizer:
    """Load a model directory (None: the shipped default) as a `CableSummarizer`; `ModelError` if unusable.
    `writer`: None for the directory's default writer, "extractive" for its chosen sentences as they stand,
    "causal" for its causal writer."""
    return CableSummarizer(load_model_dir(path, device=device, prompts_dir=prompts_dir), writer=writer)


# -------------------------------------------------------------------- helpers


def _load_selector(path):
    try:
        return SentenceScorer.load(path)
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise ModelError(f"unreadable sentence selector: {e}") from None


def _load_tagger(path):
    try:
        return TagClassifier.load(path)
    except (ValueError, KeyError, OSError) as e:
        raise ModelError(f"{path}: unreadable TAGS classifier: {e}") from None


def _load_writer(loaded: LoadedModel, home, asked: bool):
    """The directory's causal writer, where it has one and it is the default or `asked` for."""
    block = loaded.settings.extra.get("writer")
    if block is None:
        if asked:
            raise ModelError(f"{loaded.path} has no causal writer (a \"writer\" block in its {SETTINGS_FILE})")
        return None
    from summarizer.model.writer import CausalWriter, WriterSettings

    settings = WriterSettings.from_json(block)
    return CausalWriter(settings, home, device=loaded.device) if asked or settings.default else None


def _inputs_and_sources(cables: list[Cable]) -> tuple[list[list[str]], list[str]]:
    """Each cable's model input (its body's paragraphs) and the text its output is checked against (the
    paragraphs and the subject)."""
    inputs = [c.model_input for c in cables]
    return inputs, ["\n".join(paras + ([c.subject] if c.subject else [])) for c, paras in zip(cables, inputs)]


def _is_wordpiece(tokenizer) -> bool:
    model = getattr(getattr(tokenizer, "backend_tokenizer", None), "model", None)
    return type(model).__name__ == "WordPiece"


def _unique(sentences) -> list[str]:
    seen: set[str] = set()
    out = []
    for s in sentences:
        key = re.sub(r"\W+", " ", s.lower()).strip()
        if key and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _join_summaries(parts: list[str]) -> str:
    return " ".join(_unique(sent for part in parts for sent in split_sentences(part)))


def _unsupported(text: str, source: str) -> list[str]:
    """Names, acronyms and numbers in `text` that never occur in `source` (the scoring script's rule)."""
    return faithfulness(text, source)["unsupported"]


def _topics(tags: list[str], subject: str | None) -> list[str]:
    labels: list[str] = []
    for code in tags:
        name = tag_name(code)
        if name and name.lower() not in {l.lower() for l in labels}:
            labels.append(name)
    if subject and subject.lower() not in {l.lower() for l in labels}:
        labels.append(subject)
    return labels


class _autocast:
    """bf16 autocast on CUDA, nothing elsewhere."""

    def __init__(self, device: str):
        self.ctx = None
        if str(device).startswith("cuda"):
            import torch
            self.ctx = torch.autocast("cuda", dtype=torch.bfloat16)

    def __enter__(self):
        if self.ctx is not None:
            self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        if self.ctx is not None:
            return self.ctx.__exit__(*exc)
        return False
