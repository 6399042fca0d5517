"""Loading a model directory: the project's own parts with no seq2seq weights (a sentence selector, a TAGS
classifier, a causal writer: the shipped default is one), any Hugging Face seq2seq directory, or a
decoder-only instruct LM (a Hugging Face directory or a `.gguf` file), which becomes the causal writer of
the lead sentences (`summarizer.model.writer`).

Everything that can be wrong with a directory becomes a `ModelError` with one line: missing directory,
no config, not a sequence-to-sequence architecture (e.g. a BertModel-only directory), no safetensors
weights (PyTorch `.bin` pickles are never loaded), a corrupt or truncated shard, weights that do not fit
the config, no tokenizer. Nothing is downloaded: every load is `local_files_only`.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from summarizer.model.errors import ModelError
from summarizer.model.settings import SETTINGS_FILE, SummarizerSettings, foreign_settings, load_settings

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
SAFE_SINGLE = "model.safetensors"
SAFE_INDEX = "model.safetensors.index.json"
# the settings files of the parts a directory may carry without seq2seq weights: the sentence selector
# (`summarizer.selection.scorer`) and the TAGS classifier (`summarizer.tagging.classifier`); a causal writer
# is the "writer" block of its `summarizer_config.json`
PART_FILES = ("selector.json", "tagger.json")
# transformers 5 builds an empty default tokenizer for a directory without these: refuse instead
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "spiece.model", "vocab.json",
                   "sentencepiece.bpe.model", "tokenizer.model", "spm.model")


@dataclass
class LoadedModel:
    model: object  # a transformers PreTrainedModel with generate(); None without seq2seq weights
    tokenizer: object  # its tokenizer; None without seq2seq weights
    settings: SummarizerSettings
    path: Path
    device: str


def resolve_model_dir(path: str | os.PathLike | None) -> Path:
    if path is None or str(path) == "":
        if not (DEFAULT_MODEL_DIR / SETTINGS_FILE).is_file():
            raise ModelError(
                f"no default model is shipped at {DEFAULT_MODEL_DIR}; train one with `summarizer train` "
                "or pass --model DIR")
        return DEFAULT_MODEL_DIR
    p = Path(path).expanduser()
    if not p.exists():
        raise ModelError(f"model directory {p} does not exist")
    if not p.is_dir() and p.suffix != ".gguf":
        raise ModelError(f"{p} is not a directory (a model is a directory holding config.json and safetensors weights) "
                         "or a .gguf file")
    return p


def weight_files(model_dir: Path) -> list[Path]:
    """The safetensors files of a directory, checked to exist; ModelError when there are none."""
    index = model_dir / SAFE_INDEX
    if index.is_file():
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
            shards = sorted(set(data["weight_map"].values()))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ModelError(f"{index} is not a valid safetensors index: {e}") from None
        files = [model_dir / s for s in shards]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise ModelError(f"{model_dir} is missing weight shard(s) {', '.join(missing)} named in {SAFE_INDEX}")
        return files
    if (model_dir / SAFE_SINGLE).is_file():
        return [model_dir / SAFE_SINGLE]
    pickles = [p.name for p in model_dir.glob("*.bin")] + [p.name for p in model_dir.glob("*.pt")]
    if pickles:
        raise ModelError(
            f"{model_dir} has only PyTorch pickle weights ({pickles[0]}); only safetensors weights are loaded "
            "(convert with `model.save_pretrained(dir)` in a trusted environment)")
    raise ModelError(f"{model_dir} has no model weights ({SAFE_SINGLE} or {SAFE_INDEX})")


def check_safetensors(files: list[Path]) -> dict[str, list[int]]:
    """Read every shard's header and check the data section is complete (catches truncation/garbage);
    returns every tensor's shape, by name."""
    from safetensors import safe_open

    shapes: dict[str, list[int]] = {}
    for f in files:
        size = f.stat().st_size
        try:
            with open(f, "rb") as fh:
                head = fh.read(8)
                if len(head) < 8:
                    raise ValueError("file too short")
                n = int.from_bytes(head, "little")
                if n <= 0 or 8 + n > size:
                    raise ValueError("header length points past the end of the file")
                header = json.loads(fh.read(n))
            end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
            if 8 + n + end != size:
                raise ValueError(f"data section is {size - 8 - n} bytes, header declares {end}")
            with safe_open(str(f), framework="pt") as sf:
                sf.keys()
            shapes.update((k, [int(d) for d in v["shape"]]) for k, v in header.items() if k != "__metadata__")
        except Exception as e:  # noqa: BLE001 - any failure here means an unusable file
            raise ModelError(f"weights file {f} is corrupt or truncated: {e}") from None
    return shapes


def check_config_fits_weights(model_dir: Path, config, shapes: dict[str, list[int]]) -> None:
    """ModelError when config.json asks for more layers, or for sizes, than the weights hold.

    Checked from the safetensors headers alone, before the model is built: transformers builds what the
    config says and only then finds the weights missing, so `num_hidden_layers: 100000` took minutes
    (the build never finished in 300 s) and `intermediate_size: 10000000` filled 24 GB before the
    kernel killed it. Every real layer stack numbers its layers in the tensor names
    (`encoder.layer.5.`, `decoder.block.5.`, `layers.5.`, `experts.expert_5.`), and every size the
    config gives (hidden, feed-forward, vocabulary) is a dimension of some tensor."""
    numbers = [int(m) for name in shapes for m in _INDEX.findall(name)]
    deepest = max(numbers) + 1 if numbers else None
    dims = {d for shape in shapes.values() for d in shape}
    for where, key, value, sub in _config_values(config.to_dict()):
        if key in LAYER_KEYS and deepest is not None and value > deepest and "num_hidden_groups" not in sub:
            raise ModelError(f"weights in {model_dir} do not match its config: config.json asks for "
                             f"{where}={value:,} layers, the weights number at most {deepest:,}")
        if key in SIZE_KEYS and dims and value not in dims:
            raise ModelError(f"weights in {model_dir} do not match its config: config.json asks for "
                             f"{where}={value:,}, no weight tensor has that size")


# config keys that count layers (or experts) in one stack; ALBERT-like configs (num_hidden_groups) share
# one stored layer among many and are not counted
LAYER_KEYS = {"num_hidden_layers", "num_layers", "num_decoder_layers", "num_encoder_layers", "encoder_layers",
              "decoder_layers", "n_layer", "n_layers", "num_experts"}
# config keys whose value is the size of some weight dimension
SIZE_KEYS = {"hidden_size", "d_model", "intermediate_size", "d_ff", "encoder_ffn_dim", "decoder_ffn_dim",
             "vocab_size", "num_heads*d_kv"}
_INDEX = re.compile(r"(?:\.|_)(\d+)(?=\.)")  # "layer.5." -> 5, "expert_5." -> 5


def _config_values(d: dict, prefix: str = ""):
    """(dotted key, key, int value, the dict holding it) for every int in a config dict and its sub-configs."""
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _config_values(v, f"{prefix}{k}.")
        elif isinstance(v, int) and not isinstance(v, bool):
            yield f"{prefix}{k}", k, v, d
    heads, d_kv = d.get("num_heads"), d.get("d_kv")
    if isinstance(heads, int) and isinstance(d_kv, int):  # T5's attention width, a dimension of q, k, v, o
        yield f"{prefix}num_heads*{prefix}d_kv", "num_heads*d_kv", heads * d_kv, d


@contextlib.contextmanager
def quiet_transformers():
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_config(model_dir: Path):
    cfg_file = model_dir / "config.json"
    if not cfg_file.is_file():
        raise ModelError(f"{model_dir} has no config.json: not a Hugging Face model directory")
    try:
        json.loads(cfg_file.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ModelError(f"{cfg_file} is not valid JSON: {e}") from None
    from transformers import AutoConfig

    try:
        with quiet_transformers():
            config = AutoConfig.from_pretrained(str(model_dir), local_files_only=True)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot read the model config in {model_dir}: {e}") from None
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING

    if type(config) not in MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING:
        arch = ", ".join(getattr(config, "architectures", None) or []) or type(config).__name__
        raise ModelError(
            f"{model_dir} holds a {getattr(config, 'model_type', '?')} model ({arch}), not a sequence-to-sequence "
            "model (T5, BART, PEGASUS or an encoder-decoder)")
    return config


def tie_shared_embeddings(model) -> None:
    """A `summarizer train` bert2bert shares one word-embedding matrix between encoder, decoder input and LM head."""
    enc_emb = model.get_encoder().get_input_embeddings()
    model.decoder.set_input_embeddings(enc_emb)
    out = model.decoder.get_output_embeddings()
    if out is not None:
        out.weight = enc_emb.weight


def shared_embedding_keys(model) -> set[str]:
    """State-dict keys that `tie_shared_embeddings` fills (so they need not be stored)."""
    keys = set()
    ref = model.get_encoder().get_input_embeddings().weight
    for name, p in model.named_parameters(remove_duplicate=False):
        if p is ref and not name.startswith("encoder."):
            keys.add(name)
    return keys


def check_model_files(model_dir: Path) -> None:
    """The checks of `load_model_dir` that need no weights loaded: a bare LM or a directory of the project's
    own parts has no seq2seq weights to find; any other directory must have them (`ModelError` when it has not)."""
    if _bare_lm(model_dir) or _parts_only(model_dir, _read_settings(model_dir, None)):
        return
    weight_files(model_dir)


def _bare_lm(model_dir: Path) -> bool:
    """A `.gguf` file or a causal LM directory: it writes from the lead sentences."""
    return model_dir.is_file() or _is_causal(model_dir)


def _parts_only(model_dir: Path, settings: SummarizerSettings | None) -> bool:
    """A directory of the project's own parts and no seq2seq weights (no config.json): a sentence selector,
    a TAGS classifier or a causal writer (named in its settings). Its summaries are the selector's sentences
    (or the writer's), its tags the classifier's; it has no seq2seq task."""
    if (model_dir / "config.json").is_file():
        return False
    has_writer = settings is not None and "writer" in settings.extra
    return has_writer or any((model_dir / name).is_file() for name in PART_FILES)


def load_model_dir(path: str | os.PathLike | None = None, device: str | None = None,
                   prompts_dir: str | os.PathLike | None = None) -> LoadedModel:
    model_dir = resolve_model_dir(path)
    if device is None:
        device = _default_device()
    if _bare_lm(model_dir):
        settings = SummarizerSettings(extra={"writer": {"base": str(model_dir), "prompt_file": None}})
        return LoadedModel(model=None, tokenizer=None, settings=settings, path=model_dir, device=device)
    settings = _read_settings(model_dir, prompts_dir)  # before the slow weight load: bad settings are refused at once
    if _parts_only(model_dir, settings):
        return LoadedModel(model=None, tokenizer=None, settings=settings or SummarizerSettings(), path=model_dir,
                           device=device)
    config = load_config(model_dir)
    files = weight_files(model_dir)
    check_config_fits_weights(model_dir, config, check_safetensors(files))

    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if not any((model_dir / f).is_file() for f in TOKENIZER_FILES):
        raise ModelError(f"{model_dir} has no tokenizer files ({', '.join(TOKENIZER_FILES[:3])}, ...)")
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"{model_dir} has no usable tokenizer: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None

    try:
        with quiet_transformers():
            model, info = AutoModelForSeq2SeqLM.from_pretrained(
                str(model_dir), local_files_only=True, use_safetensors=True, dtype=torch.float32,
                output_loading_info=True)
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"cannot load the weights in {model_dir}: {msg}") from None

    if settings is None:
        settings = foreign_settings(config, tokenizer, getattr(model, "generation_config", None))
    allowed_missing = set()
    if settings.shared_embeddings:
        tie_shared_embeddings(model)
        allowed_missing = shared_embedding_keys(model)
    missing = [k for k in info.get("missing_keys", []) if k not in allowed_missing]
    if missing:
        raise ModelError(
            f"weights in {model_dir} do not match its config: {len(missing)} tensor(s) missing, e.g. {missing[0]}")
    mismatched = info.get("mismatched_keys") or []
    if mismatched:
        raise ModelError(f"weights in {model_dir} do not match its config: {len(mismatched)} tensor(s) of the wrong shape")

    try:
        model.to(device)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot move the model to device {device!r}: {e}") from None
    model.eval()
    _make_deterministic(model, settings)
    return LoadedModel(model=model, tokenizer=tokenizer, settings=settings, path=model_dir, device=str(device))


def _read_settings(model_dir: Path, prompts_dir) -> SummarizerSettings | None:
    if not (model_dir / SETTINGS_FILE).is_file():
        return None
    try:
        raw = json.loads((model_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except ValueError as e:
        raise ModelError(f"{model_dir / SETTINGS_FILE} is not valid JSON: {e}") from None
    try:
        return load_settings(model_dir, raw, prompts_dir)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:  # settings are data from outside
        raise ModelError(f"{model_dir / SETTINGS_FILE} is unusable: {type(e).__name__}: {e}") from None


def _is_causal(model_dir: Path) -> bool:
    return (model_dir / "config.json").is_file() and is_causal_dir(model_dir)


def is_causal_dir(path: Path) -> bool:
    """Whether a Hugging Face directory's config is a decoder-only LM that transformers can build."""
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

    try:
        config = AutoConfig.from_pretrained(str(path), local_files_only=True)
    except Exception:  # noqa: BLE001 - not readable as a config: not ours to judge here
        return False
    # architectures too: an encoder's config (BERT) also maps to a causal LM head in transformers
    heads = getattr(config, "architectures", None) or []
    return (type(config) in MODEL_FOR_CAUSAL_LM_MAPPING and not getattr(config, "is_encoder_decoder", False)
            and any(a.endswith("ForCausalLM") for a in heads))


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _make_deterministic(model, settings: SummarizerSettings) -> None:
    """Beam search without sampling, the summary task's settings on model.generation_config."""
    gc = model.generation_config
    gc.do_sample = False
    for k in ("temperature", "top_p", "top_k"):
        if hasattr(gc, k):
            setattr(gc, k, None)
    summ = settings.tasks.get("summarize")
    if summ is not None:
        for k, v in summ.generation.items():
            setattr(gc, k, v)
    cfg = model.config
    for k in ("decoder_start_token_id", "pad_token_id", "eos_token_id", "bos_token_id"):
        if getattr(gc, k, None) is None and getattr(cfg, k, None) is not None:
            setattr(gc, k, getattr(cfg, k))
