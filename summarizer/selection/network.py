"""The scorer's network: each sentence of one cable scored from its features, its words and its neighbours.

A linear term over the standardised features (what the logistic-regression selector was) plus a small
network: the mean of learned word vectors joined to the features, a GRU read both ways over the cable's
sentences (so a sentence is scored beside the ones around it), and an MLP on top. The scorer averages a
few of them trained from different seeds (`Ensemble`): one alone moves by ±0.2 R-2 from seed to seed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

WINDOW = 512  # sentences the GRU reads in one pass; no train or dev cable but one has more

@dataclass(frozen=True)
class NetShape:
    features: int
    vocabulary: int  # word ids 1..vocabulary; 0 is padding and unknown words
    word_dim: int = 32
    hidden: int = 64
    dropout: float = 0.3

    def to_json(self) -> dict:
        return asdict(self)


class SentenceNet(nn.Module):
    def __init__(self, shape: NetShape):
        super().__init__()
        self.shape = shape
        self.words = nn.EmbeddingBag(shape.vocabulary + 1, shape.word_dim, mode="mean", padding_idx=0)
        self.inp = nn.Sequential(nn.Linear(shape.features + shape.word_dim, shape.hidden), nn.GELU(),
                                 nn.Dropout(shape.dropout))
        self.context = nn.GRU(shape.hidden, shape.hidden // 2, batch_first=True, bidirectional=True)
        self.out = nn.Sequential(nn.Linear(2 * shape.hidden, shape.hidden), nn.GELU(), nn.Dropout(shape.dropout),
                                 nn.Linear(shape.hidden, 1))
        self.linear = nn.Linear(shape.features, 1)

    def forward(self, features: torch.Tensor, word_ids: torch.Tensor) -> torch.Tensor:
        """features: (sentences, features), standardised; word_ids: (sentences, words), 0-padded → (sentences,) logits."""
        h = self.inp(torch.cat([features, self.words(word_ids)], -1))
        return self.out(torch.cat([h, self._around(h)], -1)).squeeze(-1) + self.linear(features).squeeze(-1)

    def _around(self, h: torch.Tensor) -> torch.Tensor:
        """The GRU's states over the sentences, read in windows of WINDOW side by side: the input limits
        admit a "cable" of 30,000 one-word sentences, whose one long pass took 1.6 s a network."""
        full = len(h) // WINDOW * WINDOW
        parts = []
        if full:
            parts.append(self.context(h[:full].reshape(-1, WINDOW, h.shape[-1]))[0].reshape(full, -1))
        if len(h) > full:
            parts.append(self.context(h[full:][None])[0][0])
        return torch.cat(parts)


class Ensemble(nn.Module):
    """The mean logit of `members` networks of one shape."""

    def __init__(self, shape: NetShape, members: int):
        super().__init__()
        self.shape = shape
        self.members = nn.ModuleList(SentenceNet(shape) for _ in range(members))

    def forward(self, features: torch.Tensor, word_ids: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(features, word_ids) for m in self.members]).mean(0)
