"""The local seq2seq model: loading a model directory and summarizing cables with it.

Heavy libraries (torch, transformers) are imported only when a model is loaded.
"""
from __future__ import annotations

import os

# OpenMP threads that spin while waiting make every small op crawl when the CPU is shared (measured on a
# busy 2-core box: 20.6 s → 1.2 s for one cable). Only effective if torch is not imported yet.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from summarizer.model.errors import ModelError  # noqa: E402
from summarizer.model.loading import DEFAULT_MODEL_DIR  # noqa: E402


def load_model(path=None, device=None, prompts_dir=None):
    """Load a model directory (None: the shipped default) as a `CableSummarizer`; raises `ModelError`."""
    from summarizer.model.inference import load_model as _load

    return _load(path, device=device, prompts_dir=prompts_dir)


def __getattr__(name):  # lazy: `from summarizer.model import CableSummarizer, Prediction`
    if name in ("CableSummarizer", "Prediction"):
        from summarizer.model import inference

        return getattr(inference, name)
    raise AttributeError(name)


__all__ = ["ModelError", "DEFAULT_MODEL_DIR", "load_model", "CableSummarizer", "Prediction"]
