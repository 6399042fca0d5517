"""Per-model inference settings: tasks, their prompts, input sizes and decoding.

A model directory written by `summarizer train` carries them in `summarizer_config.json`; any other
Hugging Face seq2seq directory (T5, BART, PEGASUS...) gets `foreign_settings()`: the summary task only,
with the model's own summarization prefix (T5's "summarize: ") and deterministic beam search.

Task prompts (prefixes put in front of the encoder input) are text files: the model directory's own
`prompts/` copy, the prefixes the model was trained with (training reads the repository's top-level
`prompts/` and copies them there), else the built-in defaults, which are the repository's files.
"""
from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from summarizer.model.errors import ModelError

SETTINGS_FILE = "summarizer_config.json"
DEFAULT_PROMPTS = {"summarize": "summarize: ", "tags": "tags: ", "subject": "subject: "}
TASKS = ("summarize", "tags", "subject")
MAX_PROMPT_BYTES = 10_000  # a prompt is a short prefix ("summarize: "); the longest shipped one is 178 bytes

# Deterministic decoding for each task (beam search, no sampling); written to generation_config.json
# for the summary task and applied per call for the others.
DEFAULT_GENERATION = {
    "summarize": {"num_beams": 4, "no_repeat_ngram_size": 3, "max_new_tokens": 160, "min_new_tokens": 24,
                  "length_penalty": 1.0, "early_stopping": True, "repetition_penalty": 1.0},
    "tags": {"num_beams": 4, "no_repeat_ngram_size": 2, "max_new_tokens": 24, "min_new_tokens": 1,
             "length_penalty": 1.0, "early_stopping": True},
    "subject": {"num_beams": 4, "no_repeat_ngram_size": 2, "max_new_tokens": 32, "min_new_tokens": 2,
                "length_penalty": 1.0, "early_stopping": True},
}


@dataclass
class TaskSettings:
    prompt: str = ""  # the prefix text itself (resolved from prompt_file when loaded)
    prompt_file: str | None = None  # e.g. "summarize.txt"
    max_source_tokens: int = 512  # encoder input size (prompt + special tokens included)
    generation: dict = field(default_factory=dict)


@dataclass
class SummarizerSettings:
    tasks: dict[str, TaskSettings] = field(default_factory=dict)
    uncased: bool = False  # the vocabulary is lower case: restore case from the cable
    prompt_side: str = "encoder"  # encoder: prompt + text into the encoder | decoder: prompt forced as decoder prefix
    shared_embeddings: bool = False  # decoder word embeddings + LM head tied to the encoder's (re-tied on load)
    chunk_min_new_tokens: int = 32  # a chunk of a long cable gets at least this many summary tokens
    max_tags: int = 12
    extra: dict = field(default_factory=dict)  # anything else (e.g. for later strategies), kept as is

    def to_json(self) -> dict:
        d = asdict(self)
        extra = d.pop("extra") or {}
        for t in d["tasks"].values():
            if t.get("prompt_file"):
                t.pop("prompt")  # the file is the source of truth
        return {"format": 1, **d, **extra}

    def save(self, model_dir: str | Path) -> None:
        Path(model_dir, SETTINGS_FILE).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def read_prompt(name: str, model_dir: str | Path | None = None, prompts_dir: str | Path | None = None) -> str:
    """The text of prompt file `name` (e.g. "summarize.txt"): from `prompts_dir`, else the model directory's
    `prompts/`, else the built-in prefix. Nothing is read from the repository: an installed package reads
    the same prompts as a checkout."""
    bases = [] if prompts_dir is None else [Path(prompts_dir)]
    if model_dir is not None:
        bases.append(Path(model_dir) / "prompts")
    candidates = [_inside(base, name) for base in bases]
    for p in candidates:
        if p.is_file():
            size = p.stat().st_size
            if size > MAX_PROMPT_BYTES:
                raise ModelError(f"prompt file {p} is {size:,} bytes; a prompt is at most {MAX_PROMPT_BYTES:,}")
            return p.read_text(encoding="utf-8").rstrip("\n")
    task = name.rsplit(".", 1)[0]
    if task in DEFAULT_PROMPTS:
        return DEFAULT_PROMPTS[task]
    raise FileNotFoundError(f"prompt file {name} not found in {', '.join(str(c.parent) for c in candidates)}")


def _inside(base: Path, name: str) -> Path:
    """base/name, or ModelError when it leads out of base: a model directory's settings are data from
    outside, and `prompt_file: "../../etc/hostname"` (or a symlink out) must not be read as a prompt."""
    p = base / name
    real_base = base.resolve()
    if not p.resolve().is_relative_to(real_base):
        raise ModelError(f"prompt file {name!r} lies outside {base}: a prompt file must be inside the prompts directory")
    return p


def load_settings(model_dir: str | Path, data: dict, prompts_dir: str | Path | None = None) -> SummarizerSettings:
    tasks = {}
    for name, t in (data.get("tasks") or {}).items():
        ts = TaskSettings(
            prompt=t.get("prompt", ""),
            prompt_file=t.get("prompt_file"),
            max_source_tokens=int(t.get("max_source_tokens", 512)),
            generation={**DEFAULT_GENERATION.get(name, {}), **(t.get("generation") or {})},
        )
        if ts.prompt_file:
            ts.prompt = read_prompt(ts.prompt_file, model_dir, prompts_dir)
        tasks[name] = ts
    known = {"format", "tasks", "uncased", "shared_embeddings", "chunk_min_new_tokens", "max_tags", "prompt_side"}
    return SummarizerSettings(
        tasks=tasks,
        uncased=bool(data.get("uncased", False)),
        prompt_side=str(data.get("prompt_side", "encoder")),
        shared_embeddings=bool(data.get("shared_embeddings", False)),
        chunk_min_new_tokens=int(data.get("chunk_min_new_tokens", 32)),
        max_tags=int(data.get("max_tags", 12)),
        extra={k: v for k, v in data.items() if k not in known},
    )


def default_settings(max_source_tokens: int = 512, tasks=TASKS, uncased: bool = True,
                     shared_embeddings: bool = False, aux_source_tokens: int = 256,
                     prompts_dir: str | Path | None = None) -> SummarizerSettings:
    """What `summarizer train` writes for a model trained on the cable tasks (prompts from `prompts_dir`)."""
    return SummarizerSettings(
        tasks={
            name: TaskSettings(prompt=read_prompt(f"{name}.txt", prompts_dir=prompts_dir), prompt_file=f"{name}.txt",
                               max_source_tokens=max_source_tokens if name == "summarize"
                               else min(max_source_tokens, aux_source_tokens),
                               generation=copy.deepcopy(DEFAULT_GENERATION[name]))
            for name in tasks
        },
        uncased=uncased,
        shared_embeddings=shared_embeddings,
    )


def foreign_settings(config, tokenizer, generation_config) -> SummarizerSettings:
    """Settings for a standard HF seq2seq directory that `summarizer train` did not write."""
    prefix = ""
    tsp = getattr(config, "task_specific_params", None) or {}
    if isinstance(tsp, dict) and isinstance(tsp.get("summarization"), dict):
        prefix = tsp["summarization"].get("prefix") or ""
    limits = [512]
    enc_cfg = getattr(config, "encoder", None) or config
    for attr in ("max_position_embeddings", "n_positions"):
        v = getattr(enc_cfg, attr, None)
        if isinstance(v, int) and v > 0:
            limits = [min(v, 1024)]
    mml = getattr(tokenizer, "model_max_length", None)
    if isinstance(mml, int) and 0 < mml < 100_000:
        limits.append(mml)
    gen = dict(DEFAULT_GENERATION["summarize"])
    # a model that ships its own beam settings (e.g. bart-large-cnn) keeps them
    if generation_config is not None and (getattr(generation_config, "num_beams", 1) or 1) > 1:
        for k in ("num_beams", "no_repeat_ngram_size", "length_penalty", "max_length", "min_length"):
            v = getattr(generation_config, k, None)
            if v is not None:
                gen[k] = v
        if "max_length" in gen:
            gen.pop("max_new_tokens", None)
            gen.pop("min_new_tokens", None)
    return SummarizerSettings(
        tasks={"summarize": TaskSettings(prompt=prefix, max_source_tokens=min(limits), generation=gen)},
        uncased=bool(getattr(tokenizer, "do_lower_case", False)),
    )
