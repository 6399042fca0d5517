"""A tiny random decoder-only LM directory for the causal writer's tests (tests/test_writer*.py): a
byte-level BPE tokenizer trained on the shipped example cables, with SmolLM2's chat template and
special tokens, and a two-layer Llama of width 32. It writes gibberish, which is what the grounding
tests need: whatever the LM prefers, the decoding may only write the source's words. `writer_dir` makes a
model directory of it. Holds no tests.
"""
from __future__ import annotations

import json
from pathlib import Path

CHAT_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
                 "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def build_tiny_causal(out: Path, seed: int = 0) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from summarizer.app.service import example_files

    texts = [text for _, text in example_files()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=600, special_tokens=specials,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                        unk_token="<|endoftext|>", pad_token="<|im_end|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=1024,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def writer_dir(out: Path, lm: Path, **writer) -> Path:
    """A model directory whose summaries come from the causal writer on `lm`: a settings file naming it
    (and any other `WriterSettings` given), no seq2seq weights."""
    out.mkdir(parents=True)
    (out / "summarizer_config.json").write_text(json.dumps({"format": 1, "writer": {"base": str(lm), **writer}}),
                                                encoding="utf-8")
    return out
