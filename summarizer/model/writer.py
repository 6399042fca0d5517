"""The causal writer: a decoder-only instruct LM rewrites each chosen cable sentence as a summary sentence.

Each sentence is its own small source: the LM is shown the cable's subject and that sentence, decoding is
grounded in them (`grounding.GroundedDecoding`: names, numbers, quotations and content words come from
the source), and the gate reads what was written (`grounding.gate`); a sentence that fails is replaced by
the cable sentence it rewrites, and the replacement is counted. The sentences of a batch of cables are
written together, greedily, by `lookup.greedy_lookup`, which checks several of the prompt's tokens a
forward pass where the text copies it; the system message's keys and values are computed once and shared
by every row and call. On a CPU with native bfloat16 (AMX or AVX512-BF16) the LM runs in bfloat16; on
other CPUs its Linear layers run as torch's dynamic int8 quantisation. On this machine (AMX) bfloat16 was
both faster and truer to float32 than int8: 30 dev sentences, batches of 10, greedy, one thread, took
24.7 s in bf16, 37.3 s in int8 and 67.6 s in float32, and 27 of the 30 bf16 outputs were float32's
exactly, against 2 of 30 for int8. Dynamic int8 scales each Linear's input as one tensor, so one row's
large activations coarsen every other row of the batch: it emptied sentences and swapped who did what
("the DCM declined" for "the Minister's office declined").

A model directory names its writer in `summarizer_config.json` (`"writer": {...}`, `WriterSettings`):
the base LM (the installed SmolLM2 GGUF by name, a `.gguf` file or a directory) and, in `writer/`, the
LoRA adapter `summarizer train stages=writer` made, merged into the base when loaded.
"""
from __future__ import annotations

import copy
import json
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from summarizer.model.errors import ModelError
from summarizer.model.grounding import GroundedDecoding, Grounding, gate
from summarizer.model.lookup import greedy_lookup, scores_head
from summarizer.model.settings import SETTINGS_FILE, read_prompt

ADAPTER_DIR = "writer"
PRECISIONS = ("auto", "bf16", "int8", "fp32")
DEFAULT_SYSTEM = ("You write the summary of a US diplomatic cable. Rewrite the cable sentence you are given as one "
                  "sentence of that summary.")


@dataclass
class WriterSettings:
    base: str  # "smollm2-135m-instruct", a .gguf file or a causal LM directory
    prompt_file: str | None = "writer.txt"  # the system message, in the model directory's prompts/
    max_new_tokens: int = 96
    top_k: int = 24  # grounded decoding judges this many likeliest tokens a step
    lookahead: int = 8  # prompt tokens proposed a step, checked in the same forward pass (`lookup.py`)
    default: bool = True  # the directory's summaries come from this writer unless `--writer` says otherwise
    precision: str = "auto"  # "auto" (CPU: bf16 where native, else int8; CUDA: bf16), "bf16", "int8" or "fp32"
    batch_size: int = 32  # sentences written together
    max_seconds: float = 60.0  # one batch stops after this; what it had not finished, the gate refuses

    def save(self, model_dir: str | Path) -> None:
        """Write this block into the directory's settings file, keeping what else it holds."""
        path = Path(model_dir, SETTINGS_FILE)
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"format": 1}
        data["writer"] = asdict(self)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> "WriterSettings":
        if not isinstance(data, dict) or not isinstance(data.get("base"), str):
            raise ModelError(f"{SETTINGS_FILE}: the writer block needs a base model name or path")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ModelError(f"{SETTINGS_FILE}: unknown writer setting(s) {', '.join(unknown)}")
        values = {}
        for name, f in cls.__dataclass_fields__.items():
            if name not in data:
                continue
            value, kind = data[name], str(f.type)
            ok = {"int": isinstance(value, int) and not isinstance(value, bool) and value > 0,
                  "float": isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
                  "bool": isinstance(value, bool), "str": isinstance(value, str),
                  "str | None": value is None or isinstance(value, str)}[kind]
            if not ok:
                raise ModelError(f"{SETTINGS_FILE}: writer {name}={value!r} is not a {'positive ' if kind in ('int', 'float') else ''}{kind}")
            values[name] = value
        return cls(**values)


def read_writer_prompt(prompts_dir: str | Path | None = None, model_dir: str | Path | None = None) -> str:
    try:
        return read_prompt("writer.txt", model_dir, prompts_dir)
    except FileNotFoundError:
        return DEFAULT_SYSTEM


def chat(tokenizer, system: str, subject: str, sources: list[str]) -> str:
    """The prompt text: the system message, then one user turn (subject and sentence), then the
    assistant's turn opened. The same in training and in use."""
    user = (f"Subject: {subject}\n" if subject else "") + "Sentence: " + " ".join(sources)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


@dataclass
class Written:
    text: str  # what the summary holds: the written sentence, or its source when the gate refused it
    source: str  # the cable sentence(s) it rewrites
    refused: str | None = None  # why the gate refused what was written (then `text` is the source)
    draft: str | None = None  # what the LM wrote


class CausalWriter:
    def __init__(self, settings: WriterSettings, model_dir: Path | None = None, device: str = "cpu",
                 prompts_dir: str | Path | None = None):
        from summarizer.model.causal import load_causal

        self.settings = settings
        self.device = device
        self.tokenizer, model = load_causal(settings.base, device=device)
        adapter = None if model_dir is None else Path(model_dir) / ADAPTER_DIR
        if adapter is not None and adapter.is_dir():
            model = _merge_adapter(model, adapter)
        self.system = read_writer_prompt(prompts_dir, model_dir) if settings.prompt_file else DEFAULT_SYSTEM
        self.model = _cast(model, _precision(settings.precision, device))
        self._head = scores_head(self.model)
        self._system_ids = self.tokenizer(chat(self.tokenizer, self.system, "", []), add_special_tokens=False)["input_ids"]
        self._prefix: tuple[list[int], object] | None = None  # the shared prompt start and its cache
        base = Path(settings.base).name
        self.name = f"{base} + LoRA adapter" if adapter is not None and adapter.is_dir() else base

    def write_many(self, items: list[tuple[str, list[str]]]) -> list[Written]:
        """(subject, sources) items from any number of cables, each rewritten as one summary sentence (or
        given back as its source), in batches of `batch_size`."""
        out: list[Written | None] = [None] * len(items)
        order = sorted(range(len(items)), key=lambda i: -sum(len(s) for s in items[i][1]))
        size = max(1, self.settings.batch_size)
        for k in range(0, len(order), size):
            chunk = order[k:k + size]
            for i, w in zip(chunk, self._write([items[i] for i in chunk])):
                out[i] = w
        return out  # type: ignore[return-value]

    def _write(self, items: list[tuple[str, list[str]]]) -> list[Written]:
        import torch

        prompts = [chat(self.tokenizer, self.system, subject, sources) for subject, sources in items]
        sources = ["\n".join(s) for _, s in items]
        groundings = [Grounding("\n".join((*s, subject))) for subject, s in items]
        rows = self.tokenizer(prompts, add_special_tokens=False)["input_ids"]
        inputs = self._inputs(rows)
        shared = len(self._prefix[0])
        longest = max(len(self.tokenizer(s, add_special_tokens=False)["input_ids"]) for s in sources)
        decoding = GroundedDecoding(self.tokenizer, groundings, self.settings.top_k)
        with torch.inference_mode():
            written = greedy_lookup(self.model, inputs, [r[shared:] for r in rows], decoding.choose,
                                    eos=self.tokenizer.eos_token_id, pad=self.tokenizer.pad_token_id,
                                    max_new=min(self.settings.max_new_tokens, longest + 16),
                                    ahead=self.settings.lookahead, max_seconds=self.settings.max_seconds,
                                    head=self._head)
        drafts = self.tokenizer.batch_decode(written, skip_special_tokens=True)
        out = []
        for draft, source, grounding in zip(drafts, sources, groundings):
            draft = " ".join(draft.split())
            why = gate(draft, source, grounding)
            out.append(Written(text=source.replace("\n", " ") if why else draft, source=source, refused=why, draft=draft))
        return out

    def _inputs(self, rows: list[list[int]]) -> dict:
        """The decoding loop's inputs for these prompts: the start they share (the system message) is run once per
        writer and its cache copied to every row; each row's own part follows it, padded on its left."""
        import torch

        shared = _shared_start([*rows, self._system_ids])
        if self._prefix is None or self._prefix[0] != shared:
            from transformers import DynamicCache

            cache = DynamicCache(config=self.model.config)
            with torch.inference_mode():
                self.model(torch.tensor([shared], device=self.device), cache=cache, use_cache=True)
            self._prefix = (shared, cache)
        cache = copy.deepcopy(self._prefix[1])
        cache.batch_repeat_interleave(len(rows))
        n, pad = len(shared), self.tokenizer.pad_token_id
        width = max(len(r) for r in rows) - n
        ids = [r[:n] + [pad] * (width - len(r) + n) + r[n:] for r in rows]
        mask = [[1] * n + [0] * (width - len(r) + n) + [1] * (len(r) - n) for r in rows]
        return {"input_ids": torch.tensor(ids, device=self.device),
                "attention_mask": torch.tensor(mask, device=self.device), "cache": cache}


def _shared_start(rows: list[list[int]]) -> list[int]:
    """The longest start all rows share, less one token: each row must keep a token of its own to run."""
    n = min(len(r) for r in rows) - 1
    for k in range(n):
        if any(r[k] != rows[0][k] for r in rows):
            return rows[0][:k]
    return rows[0][:max(n, 0)]


def _precision(wanted: str, device: str) -> str:
    if wanted not in PRECISIONS:
        raise ModelError(f"{SETTINGS_FILE}: writer precision={wanted!r} is not one of {', '.join(PRECISIONS)}")
    if wanted != "auto":
        return wanted
    if not str(device).startswith("cpu"):
        return "bf16"
    import torch

    # torch has no public probe for it; where these private ones are gone, int8 is the safe choice
    native = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)() or \
        getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return "bf16" if native else "int8"


def _cast(model, precision: str):
    import torch

    if precision == "bf16":
        return model.to(torch.bfloat16)
    if precision == "int8":
        with warnings.catch_warnings():  # torch.ao's deprecation notices: the API still works and is measured
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


def _merge_adapter(model, adapter: Path):
    try:
        from peft import PeftModel

        return PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    except Exception as e:  # noqa: BLE001 - a broken adapter is a broken model directory
        raise ModelError(f"cannot load the writer's adapter in {adapter}: {' '.join(str(e).split()[:30])}") from None
