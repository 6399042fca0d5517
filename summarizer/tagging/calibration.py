"""Which of the classifier's non-geographic codes to predict: a small logistic regression over each
candidate code's probability, instead of one threshold on it.

One threshold treats PREL (on a third of train cables) like a code seen a dozen times, and a cable with
ten likely codes like one with two. Each code the classifier gives at least `floor` becomes a row of
`FEATURES` (its logit, how common it is in train, its rank in the cable, how many codes the cable has
above 0.2, its kind), and the code is predicted when the regression's probability reaches `threshold`.
Fitted, like the geographic pair model, on train cables scored by a classifier that did not see them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from summarizer.tags import tag_kind

FEATURES = ("bias", "logit", "log_prior", "rank", "log_codes_above", "subject", "program", "organisation")
CROWDED = 0.2  # "codes above": a cable's count of codes at least this probable


@dataclass
class CodeCalibration:
    weights: list[float]
    threshold: float
    prior: dict[str, float]  # code -> share of train cables carrying it
    floor: float = 0.03  # a code less probable than this is never predicted
    features: list[str] = field(default_factory=lambda: list(FEATURES))

    def rows(self, labels: list[str], probs: np.ndarray, skip: set[int]) -> tuple[list[int], np.ndarray]:
        """(label indexes, feature rows) of the cable's candidate codes, those in `skip` left out."""
        idx = [i for i in np.flatnonzero(probs >= self.floor).tolist() if i not in skip]
        idx.sort(key=lambda i: -probs[i])
        crowded = math.log1p(sum(1 for i in idx if probs[i] >= CROWDED))
        rows = []
        for rank, i in enumerate(idx):
            p = min(max(float(probs[i]), 1e-4), 1 - 1e-4)
            kind = tag_kind(labels[i])
            rows.append([1.0, math.log(p / (1 - p)), math.log(self.prior.get(labels[i], 0.0) + 1e-4),
                         1.0 / (1 + rank), crowded, float(kind == "subject"), float(kind == "program"),
                         float(kind == "organisation")])
        return idx, np.asarray(rows, dtype=np.float64).reshape(len(idx), len(FEATURES))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ np.asarray(self.weights, dtype=np.float64))))

    def to_json(self) -> dict:
        return {"weights": list(self.weights), "threshold": self.threshold, "floor": self.floor,
                "features": self.features, "prior": self.prior}

    @classmethod
    def from_json(cls, data: dict) -> "CodeCalibration":
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"calibration features {data['features']} are not this version's {list(FEATURES)}")
        return cls(weights=[float(w) for w in data["weights"]], threshold=float(data["threshold"]),
                   prior={c: float(p) for c, p in data["prior"].items()}, floor=float(data.get("floor", 0.03)),
                   features=list(data["features"]))
