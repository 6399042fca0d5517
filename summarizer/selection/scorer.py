"""The sentence scorer: a small network over `sentence_features` and the sentences' words
(`network.SentenceNet`), plus a summary-length model.

Saved in the model directory as `selector.safetensors` (the network's weights and the features'
standardisation) and `selector.json` (settings, the vocabulary and the word tables), so a model
directory carries its own selector.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from summarizer.cable import Cable
from summarizer.reading import readable, strip_marker
from summarizer.selection.features import FEATURE_NAMES, Sentence, body_sentences, sentence_features, words
from summarizer.selection.network import Ensemble, NetShape

WEIGHTS_FILE, SETTINGS_FILE = "selector.safetensors", "selector.json"
FORMAT = 2  # 1: logistic regression (before the network)
REDUNDANCY = 0.6  # a sentence sharing this share of its words with one already chosen adds little
MAX_SENTENCE_WORDS = 64  # the words of a sentence the network reads


@dataclass
class SentenceScorer:
    net: Ensemble  # over standardised features and word ids
    vocabulary: dict[str, int]  # word → id (1..); others are 0
    mean: np.ndarray
    std: np.ndarray
    idf: dict[str, float]
    default_idf: float
    length_slope: float  # log(summary words) = slope * log(body words) + intercept
    length_intercept: float
    min_words: int = 40
    max_words: int = 250
    # The length model fits the median; ROUGE F1 favours a little more than that. Chosen on dev: 1.2
    # (R-2 14.04 -> 14.33, R-Lsum 36.36 -> 36.95; 1.1 and 1.3 gave 14.08/36.62 and 14.49/36.98).
    length_scale: float = 1.0
    likeness: dict[str, float] = field(default_factory=dict)  # see `fit.summary_likeness`
    default_likeness: float = 0.0

    def scores(self, cable: Cable, sentences: list[Sentence]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        x = sentence_features(cable, sentences, self.idf, self.default_idf, self.likeness, self.default_likeness)
        x = torch.from_numpy((x - self.mean) / self.std)
        self.net.eval()
        with torch.inference_mode():
            return self.net(x, word_ids(sentences, self.vocabulary)).numpy()

    def budget(self, cable: Cable) -> int:
        """How many words the summary should have, from the length of the body."""
        body_words = len(words(cable.body))
        guess = self.length_scale * math.expm1(self.length_slope * math.log1p(body_words) + self.length_intercept)
        return int(min(self.max_words, max(self.min_words, guess)))

    def select(self, cable: Cable, budget: int | None = None) -> list[Sentence]:
        """The best sentences up to the word budget, in document order. Only whole prose is offered: a
        heading, signer, list item, lead-in or broken sentence (`summarizer.reading`) is never chosen,
        and a bullet's dash or a sub-paragraph's marking is left out of the text."""
        raw = body_sentences(cable)
        scores = self.scores(cable, raw)  # (on the text as the selector was trained on it)
        sentences = [replace(s, text=strip_marker(s.text)) for s in raw]
        budget = budget or self.budget(cable)
        chosen: list[int] = []
        total = 0
        for i in np.argsort(-scores, kind="stable"):
            if not readable(sentences[i].text):
                continue
            n = len(sentences[i].text.split())
            if chosen and abs(total + n - budget) > abs(total - budget):
                continue  # too long for what is left; a shorter one may still fit
            if _redundant(sentences[i], [sentences[j] for j in chosen]):
                continue
            chosen.append(int(i))
            total += n
            if total >= budget:
                break
        return [sentences[i] for i in sorted(chosen)]

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        # fp16 on disk keeps the directory under its size cap; the scores move by under 1e-3
        arrays = {f"net.{k}": v.half().contiguous() for k, v in self.net.state_dict().items()}
        save_file({**arrays, "mean": torch.from_numpy(self.mean), "std": torch.from_numpy(self.std)}, str(d / WEIGHTS_FILE))
        settings = {
            "format": FORMAT, "features": FEATURE_NAMES, "net": self.net.shape.to_json(), "members": len(self.net.members),
            "vocabulary": sorted(self.vocabulary, key=self.vocabulary.get),
            "default_idf": self.default_idf, "length_slope": self.length_slope,
            "length_intercept": self.length_intercept, "min_words": self.min_words, "max_words": self.max_words,
            "length_scale": self.length_scale,
            "idf": {w: round(v, 3) for w, v in self.idf.items()},
            "default_likeness": self.default_likeness, "likeness": self.likeness,
        }
        (d / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "SentenceScorer | None":
        """The selector saved in a model directory, or None when it has none."""
        d = Path(directory)
        if not (d / WEIGHTS_FILE).is_file() or not (d / SETTINGS_FILE).is_file():
            return None
        arrays = load_file(str(d / WEIGHTS_FILE))
        s = json.loads((d / SETTINGS_FILE).read_text(encoding="utf-8"))
        if s.get("format", 1) != FORMAT:
            raise ValueError(f"{d / SETTINGS_FILE}: a selector of format {s.get('format', 1)}, this version reads {FORMAT}; "
                             "refit it with `summarizer train --out DIR stages=selector`")
        if s.get("features") != FEATURE_NAMES:
            raise ValueError(f"{d / SETTINGS_FILE}: selector features differ from this version's")
        net = Ensemble(NetShape(**s["net"]), s["members"])
        try:
            net.load_state_dict({k.removeprefix("net."): v.float() for k, v in arrays.items() if k.startswith("net.")})
        except RuntimeError:  # torch lists every mismatched tensor, over many lines
            raise ValueError(f"{d / WEIGHTS_FILE}: the weights do not fit the network that {SETTINGS_FILE} describes") from None
        vocabulary = {w: i for i, w in enumerate(s["vocabulary"], start=1)}
        return cls(net, vocabulary, arrays["mean"].numpy(), arrays["std"].numpy(), s["idf"], s["default_idf"],
                   s["length_slope"], s["length_intercept"], s["min_words"], s["max_words"], s.get("length_scale", 1.0),
                   s.get("likeness", {}), s.get("default_likeness", 0.0))


def word_ids(sentences: list[Sentence], vocabulary: dict[str, int]) -> torch.Tensor:
    """(sentences, longest) word ids, 0-padded: what the network reads of each sentence."""
    ids = [[vocabulary.get(w, 0) for w in words(s.text)[:MAX_SENTENCE_WORDS]] for s in sentences]
    width = max(1, max(map(len, ids), default=1))
    return torch.tensor([row + [0] * (width - len(row)) for row in ids], dtype=torch.long).reshape(len(ids), width)


def _redundant(candidate: Sentence, chosen: list[Sentence]) -> bool:
    cw = set(words(candidate.text))
    return bool(cw) and any(len(cw & set(words(c.text))) / len(cw) > REDUNDANCY for c in chosen)
