"""The training loop: short and readable (nanoGPT-style).

    cfg = apply_overrides(TrainConfig(), ["max_steps=500"])
    out_dir = train_on(cfg, train_cables, dev_cables)   # `summarizer train` parses them (stages.py)

AdamW (no decay on biases, LayerNorms and embeddings), linear warmup then cosine decay, gradient
clipping, bf16 autocast on CUDA, length-bucketed batches mixing the three tasks, dev loss every
`eval_every` steps, and at the end a model directory (see `export.py`) scored on dev.
"""
from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

from summarizer.model.settings import read_prompt
from summarizer.training.config import TrainConfig
from summarizer.training.evaluate import evaluate_dir
from summarizer.training.export import export_model_dir
from summarizer.training.modeling import build_model, build_tokenizer, count_parameters, freeze_encoder, init_output_bias
from summarizer.training.pairs import Example, build_examples


def lr_at(cfg: TrainConfig, step: int, progress: float) -> float:
    """Warmup for `warmup_steps`, then cosine from lr to lr*min_lr_ratio as `progress` goes 0 → 1."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    p = min(1.0, max(0.0, progress))
    min_lr = cfg.lr * cfg.min_lr_ratio
    return min_lr + 0.5 * (cfg.lr - min_lr) * (1 + math.cos(math.pi * p))


def batches(examples: list[Example], batch_size: int, rng: random.Random, pool: int = 50):
    """Endless stream of batches: shuffled, then sorted by length within pools of `pool` batches."""
    while True:
        order = list(range(len(examples)))
        rng.shuffle(order)
        for s in range(0, len(order), batch_size * pool):
            chunk = sorted(order[s:s + batch_size * pool], key=lambda i: len(examples[i].src) + len(examples[i].prefix) + len(examples[i].tgt))
            group = [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
            rng.shuffle(group)
            yield from ([examples[i] for i in b] for b in group)


def collate(batch: list[Example], pad_id: int, start_id: int, device):
    import torch

    S = max(len(e.src) for e in batch)
    T = max(len(e.prefix) + len(e.tgt) for e in batch)
    src = torch.full((len(batch), S), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), S), dtype=torch.long)
    dec_in = torch.full((len(batch), T), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), T), -100, dtype=torch.long)
    for i, e in enumerate(batch):
        src[i, :len(e.src)] = torch.tensor(e.src)
        mask[i, :len(e.src)] = 1
        # decoder input: start, forced prefix (not scored), target shifted right; labels: -100 on the prefix
        seq = torch.tensor(e.prefix + e.tgt)
        n, p = len(e.prefix) + len(e.tgt), len(e.prefix)
        labels[i, p:n] = seq[p:]
        dec_in[i, 0] = start_id
        dec_in[i, 1:n] = seq[:-1]
    out = dict(input_ids=src, attention_mask=mask, decoder_input_ids=dec_in, labels=labels)
    return {k: v.to(device) for k, v in out.items()}


def seq2seq_loss(model, b, per_example: bool = False):
    """Mean token cross-entropy over the batch (labels of -100 ignored); or one mean per example."""
    import torch.nn.functional as F

    if "encoder_states" in b:
        from transformers.modeling_outputs import BaseModelOutput

        out = model(encoder_outputs=BaseModelOutput(last_hidden_state=b["encoder_states"]),
                    attention_mask=b["attention_mask"], decoder_input_ids=b["decoder_input_ids"])
    else:
        out = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"],
                    decoder_input_ids=b["decoder_input_ids"])
    logits = out.logits.float()
    labels = b["labels"]
    if not per_example:
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
    tok = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=-100, reduction="none")
    n = (labels != -100).sum(1).clamp(min=1)
    return tok.sum(1) / n


class EncoderCache:
    """The encoder's states for each example, computed once. With every encoder weight frozen they are
    the same at every epoch, and on a CPU the encoder's forward pass is most of a step when the decoder
    is small. (The cached states are computed without dropout; the frozen encoder's dropout only added noise.)"""

    def __init__(self, model) -> None:
        self.model = model
        self.states: dict[int, object] = {}  # id(example) → [len(src), d_model] tensor

    @staticmethod
    def usable(model) -> bool:
        enc = model.get_encoder()
        return all(not p.requires_grad for n, p in enc.named_parameters() if not n.startswith("pooler."))

    def add(self, batch: list[Example], b: dict) -> dict:
        """`b` (the collated `batch`) with `encoder_states` filled in from the cache."""
        import torch

        new = [i for i, e in enumerate(batch) if id(e) not in self.states]
        if new:
            enc = self.model.get_encoder()
            was_training = enc.training
            enc.eval()
            with torch.no_grad(), _autocast(b["input_ids"].device):
                h = enc(input_ids=b["input_ids"][new], attention_mask=b["attention_mask"][new]).last_hidden_state
            enc.train(was_training)
            for row, i in enumerate(new):
                self.states[id(batch[i])] = h[row, :len(batch[i].src)].float()
        S = b["input_ids"].size(1)
        states = [self.states[id(e)] for e in batch]
        out = states[0].new_zeros((len(batch), S, states[0].size(-1)))
        for i, h in enumerate(states):
            out[i, :h.size(0)] = h
        return {**b, "encoder_states": out}


def evaluate_loss(model, examples: list[Example], cfg: TrainConfig, pad_id: int, start_id: int, device,
                  cache: EncoderCache | None = None) -> dict:
    """Dev loss (mean over examples of the per-example token mean), overall and per task, on a fixed slice."""
    import torch

    model.eval()
    per_task: dict[str, list[float]] = {}
    n = min(len(examples), cfg.eval_batches * cfg.batch_size)
    with torch.no_grad(), _autocast(device):
        for s in range(0, n, cfg.batch_size):
            batch = examples[s:s + cfg.batch_size]
            b = collate(batch, pad_id, start_id, device)
            losses = seq2seq_loss(model, cache.add(batch, b) if cache else b, per_example=True).tolist()
            for e, loss in zip(batch, losses):
                per_task.setdefault(e.task, []).append(loss)
                per_task.setdefault("all", []).append(loss)
    model.train()
    return {k: sum(v) / len(v) for k, v in per_task.items()}


def _dev_slice(examples: list[Example], seed: int) -> list[Example]:
    """A fixed, task-interleaved order of dev examples so each eval sees every task."""
    rng = random.Random(seed)
    by_task: dict[str, list[Example]] = {}
    for e in examples:
        by_task.setdefault(e.task, []).append(e)
    for v in by_task.values():
        rng.shuffle(v)
    out = []
    for group in zip(*by_task.values()):
        out.extend(group)
    return out or examples


class _autocast:
    def __init__(self, device):
        import torch

        self.ctx = torch.autocast("cuda", dtype=torch.bfloat16) if str(device).startswith("cuda") else None

    def __enter__(self):
        if self.ctx:
            self.ctx.__enter__()

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc) if self.ctx else False


def train_on(cfg: TrainConfig, train_cables, dev_cables, log=print, t_start: float | None = None) -> Path:
    """The seq2seq stage on already-parsed cables (`stages.train` parses them; tests call this directly)."""
    import torch

    t_start = t_start or time.time()
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    tasks = cfg.task_list()
    if cfg.prompt_side not in ("encoder", "decoder"):
        raise ValueError(f"prompt_side={cfg.prompt_side!r}: expected encoder or decoder")
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)

    prompts = {t: read_prompt(f"{t}.txt", prompts_dir=cfg.prompts) for t in tasks}
    tokenizer, kept_ids = build_tokenizer(
        cfg, texts=[t for c in train_cables for t in (c.body, c.summary or "", c.subject or "", " ".join(c.tag_codes))])
    def examples(cables):
        return build_examples(cables, tokenizer, prompts, tasks, cfg.src_len, cfg.tgt_len, cfg.aux_tgt_len,
                              cfg.aux_src_len, cfg.prompt_side)

    train_ex = examples(train_cables)
    dev_ex = _dev_slice(examples(dev_cables), cfg.seed)
    counts = {t: sum(e.task == t for e in train_ex) for t in tasks}
    log(f"examples: train {len(train_ex)} {counts}, dev {len(dev_ex)}")
    if not train_ex:
        raise ValueError("no training examples (no cable has a body with a summary, tags or subject)")

    model = build_model(cfg, tokenizer, kept_ids).to(device)
    model.train()
    n_params = count_parameters(model)
    n_frozen = freeze_encoder(model, cfg.freeze_encoder)
    if cfg.init_output_bias and cfg.init in ("minilm", "random"):
        init_output_bias(model, (e.tgt for e in train_ex), len(tokenizer))
    cache = EncoderCache(model) if EncoderCache.usable(model) else None
    log(f"model: {n_params / 1e6:.1f}M parameters ({n_frozen / 1e6:.1f}M frozen), init={cfg.init}, device={device}"
        + (", encoder states cached" if cache else ""))

    # AdamW: decay matrices only; shared parameters appear once.
    decay, no_decay, seen = [], [], set()
    for name, p in model.named_parameters():
        if not p.requires_grad or id(p) in seen:
            continue
        seen.add(id(p))
        (no_decay if p.ndim < 2 or "embeddings" in name or "LayerNorm" in name else decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=cfg.lr, betas=(0.9, 0.98), eps=1e-8)

    max_steps = cfg.max_steps
    if cfg.epochs > 0:
        max_steps = max(1, int(cfg.epochs * len(train_ex) / (cfg.batch_size * cfg.grad_accum)))
    pad_id = tokenizer.pad_token_id
    start_id = model.config.decoder_start_token_id
    rng = random.Random(cfg.seed)
    stream = batches(train_ex, cfg.batch_size, rng)
    history: list[dict] = []
    log_file = (out / "train_log.jsonl").open("w", encoding="utf-8")

    def record(entry: dict) -> None:
        history.append(entry)
        log_file.write(json.dumps(entry) + "\n")
        log_file.flush()

    first = evaluate_loss(model, dev_ex, cfg, pad_id, start_id, device, cache) if dev_ex else {}
    if first:
        record({"step": 0, "dev_loss": first})
        log(f"step 0: dev loss {first['all']:.3f}")
    t_loop = time.time()
    step, running, seen_ex = 0, [], 0
    for step in range(1, max_steps + 1):
        elapsed_min = (time.time() - t_loop) / 60
        progress = step / max_steps
        if cfg.time_limit_min > 0:
            progress = max(progress, elapsed_min / cfg.time_limit_min)
        lr = lr_at(cfg, step - 1, progress)
        for g in optimizer.param_groups:
            g["lr"] = lr
        for _ in range(cfg.grad_accum):
            batch = next(stream)
            seen_ex += len(batch)
            b = collate(batch, pad_id, start_id, device)
            with _autocast(device):
                loss = seq2seq_loss(model, cache.add(batch, b) if cache else b)
            (loss / cfg.grad_accum).backward()
            running.append(loss.item())
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        if step % cfg.log_every == 0 or step == max_steps:
            avg = sum(running) / len(running)
            rate = seen_ex / max(1e-9, time.time() - t_loop)
            record({"step": step, "train_loss": avg, "lr": lr, "examples_per_s": rate})
            log(f"step {step}/{max_steps}: train loss {avg:.3f}, lr {lr:.2e}, {rate:.1f} ex/s")
            running = []
        stop = cfg.time_limit_min > 0 and (time.time() - t_loop) / 60 >= cfg.time_limit_min
        if dev_ex and (step % cfg.eval_every == 0 or step == max_steps or stop):
            dl = evaluate_loss(model, dev_ex, cfg, pad_id, start_id, device, cache)
            record({"step": step, "dev_loss": dl})
            log(f"step {step}: dev loss {dl['all']:.3f} " + " ".join(f"{k} {v:.3f}" for k, v in dl.items() if k != "all"))
        if stop:
            log(f"time limit of {cfg.time_limit_min} min reached at step {step}")
            break
    log_file.close()
    train_seconds = time.time() - t_loop

    summary = {
        "steps": step, "train_seconds": round(train_seconds, 1), "examples_seen": seen_ex,
        "epochs_seen": round(seen_ex / len(train_ex), 2), "train_examples": counts, "dev_examples": len(dev_ex),
        "parameters": n_params, "frozen_parameters": n_frozen, "device": device,
        "final_train_loss": next((h["train_loss"] for h in reversed(history) if "train_loss" in h), None),
        "final_dev_loss": next((h["dev_loss"] for h in reversed(history) if "dev_loss" in h), None),
        "initial_dev_loss": first or None,
    }
    export_model_dir(model, tokenizer, cfg, out, train_cables, summary, log=log)
    if cfg.dev_rouge > 0 and dev_cables:
        scores = evaluate_dir(out, dev_cables, cfg.dev_rouge, log=log)
        summary["dev_scores"] = scores
        export_model_dir(None, None, cfg, out, None, summary, log=log, card_only=True)
    log(f"wrote {out} in {time.time() - t_start:.0f}s")
    return out
