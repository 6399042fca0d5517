"""The local models: loading a model directory (a sentence selector, a TAGS classifier and a causal writer,
as shipped; or a seq2seq model, or a bare causal LM) and summarizing cables with it.

Heavy libraries (torch, transformers) are imported only when a model is loaded.
"""
from __future__ import annotations

from summarizer.model.errors import ModelError
from summarizer.model.loading import DEFAULT_MODEL_DIR
from summarizer.model.prediction import Prediction

# `--writer`: the chosen sentences as they stand, or the directory's causal writer (None: its default writer)
WRITERS = ("extractive", "causal")


def load_model(path=None, device=None, prompts_dir=None, writer=None):
    """Load a model directory (None: the shipped default) as a `CableSummarizer`; raises `ModelError`.
    `writer`: None (the directory's default writer), "extractive" (its chosen sentences as they stand) or
    "causal" (its causal writer)."""
    from summarizer.model.inference import load_model as _load

    return _load(path, device=device, prompts_dir=prompts_dir, writer=writer)


def __getattr__(name):  # lazy: `from summarizer.model import CableSummarizer`
    if name == "CableSummarizer":
        from summarizer.model import inference

        return getattr(inference, name)
    raise AttributeError(name)


__all__ = ["ModelError", "DEFAULT_MODEL_DIR", "WRITERS", "load_model", "CableSummarizer", "Prediction"]
