"""Building a model directory: `summarizer train` (stages.py; loop.py is the seq2seq loop, export.py the output)."""
from __future__ import annotations

from summarizer.training.config import ConfigError, TrainConfig, apply_overrides

__all__ = ["TrainConfig", "ConfigError", "apply_overrides", "train"]


def train(cfg: TrainConfig, log=print):
    from summarizer.training.stages import train as _train

    return _train(cfg, log=log)
