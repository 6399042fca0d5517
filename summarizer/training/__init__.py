"""Training the cable seq2seq model: `summarizer train` (see loop.py for the loop, export.py for the output)."""
from __future__ import annotations

from summarizer.training.config import ConfigError, TrainConfig, apply_overrides

__all__ = ["TrainConfig", "ConfigError", "apply_overrides", "train"]


def train(cfg: TrainConfig, log=print):
    from summarizer.training.loop import train as _train

    return _train(cfg, log=log)
