"""`summarizer train stages=writer`: LoRA-tune a causal instruct LM (SmolLM2-135M-Instruct by default) to
rewrite one chosen cable sentence (or two) as a sentence of the cable's own summary.

Pairs: each own-summary sentence with the body sentence(s) that cover it best (`sentence_pairs`), kept only
when the writer's own gate passes the target against that source: every word of it one the grounded
decoding could write, no name or number the source lacks, no negation changed (`model.grounding.gate`).
A target that says more than its input teaches the writer to invent.

The loop is plain: prompt tokens masked out of the loss, AdamW with warm-up and linear decay, bf16
autocast, the adapter and optimizer saved every `writer_checkpoint_every` steps into
`<out>/writer-checkpoint/` so that a run killed mid-way resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from summarizer.cable import Cable
from summarizer.model.grounding import gate
from summarizer.model.writer import ADAPTER_DIR, WriterSettings, chat, read_writer_prompt
from summarizer.training.config import TrainConfig
from summarizer.training.modeling import TrainError
from summarizer.training.sentence_pairs import sentence_pairs

CHECKPOINT_DIR = "writer-checkpoint"
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass(frozen=True)
class WriterPair:
    cable_id: str | None
    subject: str
    sources: tuple[str, ...]
    target: str


def writer_pairs(cables: list[Cable], min_coverage: float) -> list[WriterPair]:
    """Every (sources → own-summary sentence) pair whose target the gate passes against its sources."""
    out = []
    for c in cables:
        subject = c.subject or ""
        for p in sentence_pairs(c, min_coverage):
            if gate(p.target, "\n".join((*p.sources, subject))) is None:
                out.append(WriterPair(c.id, subject, p.sources, p.target))
    return out


def encode(tokenizer, system: str, pair: WriterPair, max_len: int) -> tuple[list[int], list[int]] | None:
    """(input ids, labels): the chat prompt (-100: not scored) then the target and the end of the turn."""
    prompt = chat(tokenizer, system, pair.subject, list(pair.sources))
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    tgt = tokenizer(pair.target + "<|im_end|>", add_special_tokens=False)["input_ids"]
    if len(ids) + len(tgt) > max_len:
        return None
    return ids + tgt, [-100] * len(ids) + tgt


def train_writer(cfg: TrainConfig, train_cables: list[Cable], dev_cables: list[Cable], log=print) -> Path:
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    from summarizer.model.causal import load_causal

    out = Path(cfg.out)
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    pairs = writer_pairs(train_cables, cfg.writer_min_coverage)
    dev_pairs = writer_pairs(dev_cables, cfg.writer_min_coverage)
    if not pairs:
        raise TrainError("the writer stage found no train pair whose target its source supports")
    log(f"writer: {len(pairs)} train / {len(dev_pairs)} dev pairs that the gate passes")
    tokenizer, model = load_causal(cfg.writer_base, log=log)
    system = read_writer_prompt(cfg.prompts)
    examples = [e for e in (encode(tokenizer, system, p, cfg.writer_max_len) for p in pairs) if e]
    dev_examples = [e for e in (encode(tokenizer, system, p, cfg.writer_max_len) for p in dev_pairs) if e][:200]
    if not examples:
        raise TrainError(f"every writer pair is longer than writer_max_len={cfg.writer_max_len} tokens")
    n_layers = model.config.num_hidden_layers
    lora = LoraConfig(r=cfg.writer_rank, lora_alpha=2 * cfg.writer_rank, lora_dropout=0.05, target_modules=TARGET_MODULES,
                      layers_to_transform=list(range(max(0, n_layers - cfg.writer_layers), n_layers)), task_type="CAUSAL_LM")
    ckpt = out / CHECKPOINT_DIR
    state = json.loads((ckpt / "state.json").read_text()) if (ckpt / "state.json").is_file() else None
    data_key = hashlib.sha256(json.dumps(examples).encode()).hexdigest()[:16]
    if state and state.get("data") != data_key:
        raise TrainError(f"{ckpt} was trained on other pairs than this run builds (the data, the gate or the "
                         "settings changed); delete it to start over")
    if state:
        model = PeftModel.from_pretrained(model, str(ckpt), is_trainable=True)
        log(f"writer: resuming at step {state['step']} from {ckpt}")
    else:
        model = get_peft_model(model, lora)
    params = [p for p in model.parameters() if p.requires_grad]
    log(f"writer: {sum(p.numel() for p in params):,} trainable parameters (LoRA r={cfg.writer_rank} on the top "
        f"{cfg.writer_layers} of {n_layers} layers)")
    opt = torch.optim.AdamW(params, lr=cfg.writer_lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(examples) / cfg.writer_batch)
    total = max(1, int(cfg.writer_epochs * steps_per_epoch))
    warmup = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup + 1))))
    step = 0
    if state:
        step = state["step"]
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True))
        sched.load_state_dict(torch.load(ckpt / "scheduler.pt", weights_only=True))
    order = _order(len(examples), total * cfg.writer_batch, cfg.seed)
    pad = tokenizer.pad_token_id
    log_file = out / "writer_train_log.jsonl"
    if not state:
        out.mkdir(parents=True, exist_ok=True)
        log_file.write_text("", encoding="utf-8")
    t0 = time.time()
    model.train()
    while step < total:
        batch = [examples[i] for i in order[step * cfg.writer_batch:(step + 1) * cfg.writer_batch]]
        ids, labels, mask = _pad(batch, pad)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        row = {"step": step, "loss": round(loss.item(), 4), "lr": sched.get_last_lr()[0], "seconds": round(time.time() - t0, 1)}
        if step % cfg.log_every == 0 or step == total:
            if dev_examples and (step % (cfg.log_every * 5) == 0 or step == total):
                row["dev_loss"] = round(_dev_loss(model, dev_examples, pad), 4)
            log(f"writer step {step}/{total} " + " ".join(f"{k}={v}" for k, v in row.items() if k != "step"))
            with open(log_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
        if step % cfg.writer_checkpoint_every == 0 and step < total:
            _checkpoint(model, opt, sched, ckpt, step, data_key)
        if cfg.time_limit_min and time.time() - t0 > 60 * cfg.time_limit_min:
            break
    if step < total:
        _checkpoint(model, opt, sched, ckpt, step, data_key)
        raise TrainError(f"writer training stopped at step {step} of {total} (time limit); rerun to resume from {ckpt}")
    adapter = out / ADAPTER_DIR
    model.save_pretrained(str(adapter))
    WriterSettings(base=cfg.writer_base, prompt_file="writer.txt").save(out)
    prompts = out / "prompts"
    prompts.mkdir(exist_ok=True)
    shutil.copyfile(Path(cfg.prompts) / "writer.txt", prompts / "writer.txt")
    shutil.rmtree(ckpt, ignore_errors=True)
    log(f"writer: adapter saved in {adapter} after {step} steps, {time.time() - t0:.0f}s")
    return adapter


def _order(n: int, count: int, seed: int) -> list[int]:
    """Example indexes for `count` draws: whole shuffled epochs, the same on every (resumed) run."""
    rng = random.Random(seed)
    out: list[int] = []
    while len(out) < count:
        epoch = list(range(n))
        rng.shuffle(epoch)
        out += epoch
    return out


def _pad(batch, pad: int):
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.tensor([x + [pad] * (width - len(x)) for x, _ in batch])
    labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in batch])
    mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x, _ in batch])
    return ids, labels, mask


def _dev_loss(model, examples, pad: int, batch_size: int = 16) -> float:
    import torch

    model.eval()
    total, n = 0.0, 0
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for k in range(0, len(examples), batch_size):
            ids, labels, mask = _pad(examples[k:k + batch_size], pad)
            total += model(input_ids=ids, attention_mask=mask, labels=labels).loss.item() * len(ids)
            n += len(ids)
    model.train()
    return total / n


def _checkpoint(model, opt, sched, ckpt: Path, step: int, data_key: str) -> None:
    import torch

    tmp = ckpt.with_name(ckpt.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    torch.save(opt.state_dict(), tmp / "optimizer.pt")
    torch.save(sched.state_dict(), tmp / "scheduler.pt")
    (tmp / "state.json").write_text(json.dumps({"step": step, "data": data_key}))
    shutil.rmtree(ckpt, ignore_errors=True)
    tmp.rename(ckpt)
