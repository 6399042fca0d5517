"""Shared helpers for the model and training tests: tiny random models, built in seconds, no network.

(Imported by tests/test_model_*.py and tests/test_train*.py; holds one sanity test of its own.)
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402

from summarizer.cable import Cable, Paragraph, Tag  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models on one thread: with a busy shared CPU, two OpenMP threads make tiny matmuls crawl."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

WORDS = (
    "the minister said that japan and russia agreed to expand cooperation on energy trade security "
    "ambassador met president prime embassy officials government election parliament reform oil gas "
    "pipeline talks summit visit agreement treaty border police court human rights economy bank "
    "growth budget military defense nuclear program sanctions council foreign policy region"
).split()

TINY_OVERRIDES = [
    "init=random", "tokenizer=corpus", "vocab_size=400", "d_model=32", "n_heads=2", "d_ff=64",
    "encoder_layers=1", "decoder_layers=1", "max_positions=128", "src_len=64", "aux_src_len=48", "tgt_len=24",
    "aux_tgt_len=12", "batch_size=4", "lr=3e-3", "warmup_steps=2", "eval_every=1000", "eval_batches=2",
    "log_every=1", "dropout=0.0", "dev_rouge=0", "inference_src_len=64", "threads=1",
]


def make_cable(i: int, n_paragraphs: int = 4, words_per_paragraph: int = 30, summary: bool = True) -> Cable:
    """A hand-made cable (no parser needed): numbered paragraphs, an own summary, TAGS and subject."""
    import random

    rng = random.Random(i)
    paras = []
    text_paras = []
    if summary:
        s = "Summary: " + " ".join(rng.choice(WORDS) for _ in range(12)) + "."
        text_paras.append(s)
    for k in range(n_paragraphs):
        sent = " ".join(rng.choice(WORDS) for _ in range(words_per_paragraph))
        text_paras.append(sent[0].upper() + sent[1:] + ".")
    for k, t in enumerate(text_paras):
        paras.append(Paragraph(number=k + 1, marking="C", text=t, start=0, end=0))
    tags = [Tag(code=c, kind="subject") for c in rng.sample(["PREL", "PGOV", "ECON", "ENRG", "JA", "RS"], 3)]
    return Cable(
        id=f"06TEST{i:04d}", subject=" ".join(rng.choice(WORDS) for _ in range(4)).upper(), tags=tags,
        summary=text_paras[0] if summary else None, paragraphs=paras,
        summary_paragraphs=[0] if summary else [],
    )


def run_command(argv: list[str]):
    """`summarizer ARGV...` in-process, parsed by the CLI's own parser: the exit status, or
    "InputError: ..." where `summarizer` would print the one-line reason and exit 2."""
    from summarizer.cli import build_parser
    from summarizer.inputs import InputError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as e:
        return f"InputError: {e}"


def tiny_config(out: Path, extra: list[str] | None = None):
    from summarizer.training import TrainConfig, apply_overrides

    return apply_overrides(TrainConfig(), TINY_OVERRIDES + [f"out={out}"] + list(extra or []))


def train_tiny(out: Path, steps: int = 12, n_cables: int = 24, extra: list[str] | None = None) -> Path:
    from summarizer.training.loop import train_on

    cables = [make_cable(i) for i in range(n_cables)]
    dev = [make_cable(1000 + i) for i in range(6)]
    cfg = tiny_config(out, [f"max_steps={steps}", *(extra or [])])
    return train_on(cfg, cables, dev, log=lambda *_: None)


def fast_decoding(model_dir: Path) -> Path:
    """Short greedy decoding for every task of a model directory: tests need rows, not good summaries."""
    path = model_dir / "summarizer_config.json"
    cfg = json.loads(path.read_text())
    for t in cfg["tasks"].values():
        t["generation"].update(max_new_tokens=5, min_new_tokens=1, num_beams=1)
    path.write_text(json.dumps(cfg))
    return model_dir


def word_tokenizer(kind: str):
    """A tiny word-level fast tokenizer with T5-style (`$A </s>`) or BART-style (`<s> $A </s>`) specials."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if kind == "t5":
        specials = ["<pad>", "</s>", "<unk>"]
    else:
        specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + sorted(set(WORDS)) + [".", ",", ":"])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if kind == "t5":
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
        return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                       model_max_length=64), len(vocab)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[
        ("<s>", vocab["<s>"]), ("</s>", vocab["</s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=64), len(vocab)


def save_tiny_t5(path: Path) -> Path:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    tok, n = word_tokenizer("t5")
    cfg = T5Config(vocab_size=n, d_model=32, d_ff=64, d_kv=16, num_layers=1, num_decoder_layers=1, num_heads=2,
                   pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                   task_specific_params={"summarization": {"prefix": "summarize: "}})
    T5ForConditionalGeneration(cfg).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path


def save_tiny_bart(path: Path) -> Path:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    torch.manual_seed(0)
    tok, n = word_tokenizer("bart")
    cfg = BartConfig(vocab_size=n, d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                     decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                     bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=2,
                     forced_bos_token_id=None, forced_eos_token_id=None)
    BartForConditionalGeneration(cfg).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path


def one_line(message: str) -> bool:
    return "\n" not in message and 0 < len(message) < 400


def test_make_cable_has_body_without_summary():
    c = make_cable(1)
    assert c.summary and c.summary not in c.body
    assert len(c.body_paragraphs) == 4
    assert re.match(r"^[A-Z]{2,4}$", c.tag_codes[0])
