"""The geographic TAGS of a cable: the station's country and the countries the cable is about.

A cable's geographic codes are nearly always the country of the post that sent it and the countries it
discusses, so these are decided apart from the bag-of-words classifier, by a small shared model over
(cable, country) pairs:

- candidates: the station's country (`stations`, learned from train: the geographic code on most of a
  station's train cables, else the country its name is a capital of), every country named in the subject
  or the body (`Gazetteer`: names, adjectives, capitals, from `summarizer/data/countries.tsv`), and the
  geographic codes the classifier gives some probability;
- features of each pair (`PAIR_FEATURES`): is it the station's country, is it in the subject, how often
  and how early the body names it, against the most named country, the classifier's logit for it, and
  how common the code is on train;
- one logistic regression over all pairs, so a country seen a few times in train is judged by the same
  evidence as Iran or Egypt; a candidate is a predicted code when its probability reaches `threshold`.

The pair model is fitted on train with the classifier's probabilities from a two-fold cross-fit (the
classifier's own train probabilities would be overconfident), and its threshold on train as well.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

from summarizer.cable import Cable
from summarizer.tags import tag_kind

PAIR_FEATURES = ("bias", "station", "no_station_country", "station_share", "subject", "subject_first",
                 "body_log_count", "body_share", "body_rank", "first_para", "early", "top_named", "clf_logit",
                 "clf_missing", "log_prior", "named_countries", "regional", "alias")
# Codes the corpus writes for the same country as another (tags.tsv): a cable naming Russia may carry RU
# rather than RS, and which one is a habit of the station (`station_share`), so both are candidates.
ALIASES = {"RS": ("RU",), "VE": ("VZ",), "IZ": ("IQ",), "YM": ("YE",), "JA": ("JP",), "CS": ("CR",),
           "SR": ("YI",), "AE": ("TC",)}
_LETTERS = re.compile(r"[^a-z]+")
MAX_TEXT_CHARS = 20_000  # as the classifier's features: bounds the time of one prediction on a huge cable


@dataclass(frozen=True)
class Mentions:
    """Where a cable names each country: code -> count in the subject, count in the body, the first
    body position (0..1), and the words as written (the evidence shown to a reader)."""

    subject: Counter
    body: Counter
    first: dict[str, float]
    words: dict[str, list[str]]
    first_paragraph: set[str]


_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")


class Gazetteer:
    """Country names, adjectives and capitals -> TAGS code, matched as whole words ignoring case."""

    def __init__(self, names: dict[str, str]):
        self.names = names  # lower-case name -> code
        self._phrases = {tuple(_TOKEN.findall(n)): c for n, c in names.items()}
        self._longest = max((len(k) for k in self._phrases), default=1)
        self._first_words = {k[0] for k in self._phrases}  # most words start no name: one set lookup each
        self._compact = {_LETTERS.sub("", n): c for n, c in names.items()}

    @classmethod
    @cache
    def load(cls) -> "Gazetteer":
        text = resources.files("summarizer").joinpath("data", "countries.tsv").read_text(encoding="utf-8")
        names: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            code, _, words = line.partition("\t")
            for name in words.split(";"):
                if name.strip():
                    names[name.strip().lower()] = code.strip()
        return cls(names)

    def find(self, text: str) -> list[tuple[str, str, int]]:
        """(code, the words as written, offset) of every country named in `text`; the longest name
        wins where names overlap ("south africa", not "africa")."""
        # (a possessive is the name: "Iraq's"; the replacements keep every offset)
        lowered = _POSSESSIVE.sub("  ", text.lower().replace("\u2019", "'"))
        words = _TOKEN.findall(lowered)
        starts = [i for i, w in enumerate(words) if w in self._first_words]  # comprehensions: a 20k-character body in ms
        if not starts:
            return []
        spans = [m.span() for m in _TOKEN.finditer(lowered)]
        found, after = [], 0
        for i in starts:
            if i < after:  # inside the name just found
                continue
            for n in range(min(self._longest, len(words) - i), 0, -1):
                code = self._phrases.get(tuple(words[i:i + n]))
                if code:
                    start, end = spans[i][0], spans[i + n - 1][1]
                    found.append((code, text[start:end], start))
                    after = i + n
                    break
        return found

    def place(self, name: str) -> str | None:
        """The code of a place written without spaces ("ADDISABABA", "MEXICO"), where it is one."""
        return self._compact.get(_LETTERS.sub("", name.lower()))

    def mentions(self, cable: Cable) -> Mentions:
        subject = Counter()
        words: dict[str, list[str]] = {}
        for code, written, _ in self.find(cable.subject or ""):
            subject[code] += 1
            words.setdefault(code, []).append(written)
        paragraphs = [p[:MAX_TEXT_CHARS] for p in cable.body_paragraphs]
        body, first, first_para = Counter(), {}, set()
        total = max(1, sum(len(p) for p in paragraphs))
        pos = 0
        for k, para in enumerate(paragraphs):
            if pos > MAX_TEXT_CHARS:
                break
            for code, written, at in self.find(para):
                body[code] += 1
                first.setdefault(code, (pos + at) / total)
                words.setdefault(code, []).append(written)
                if k == 0:
                    first_para.add(code)
            pos += len(para) + 1
        return Mentions(subject, body, first, words, first_para)


def station_code_shares(stations_and_codes: list[tuple[str | None, list[str]]], min_cables: int = 3) -> dict[str, dict[str, float]]:
    """station -> geographic code -> the share of its (at least `min_cables`) train cables that carry it."""
    n: Counter = Counter()
    geo: dict[str, Counter] = {}
    for station, codes in stations_and_codes:
        if station:
            n[station] += 1
            geo.setdefault(station, Counter()).update(c for c in set(codes) if tag_kind(c) == "geographic")
    return {st: {c: k / n[st] for c, k in counts.most_common()} for st, counts in sorted(geo.items())
            if n[st] >= min_cables and counts}


def station_countries(stations_and_codes: list[tuple[str | None, list[str]]], min_cables: int = 2,
                      min_share: float = 0.5) -> dict[str, str]:
    """station -> the geographic code on at least `min_share` of its (at least `min_cables`) cables."""
    n: Counter = Counter()
    geo: dict[str, Counter] = {}
    for station, codes in stations_and_codes:
        if not station:
            continue
        n[station] += 1
        geo.setdefault(station, Counter()).update(c for c in set(codes) if tag_kind(c) == "geographic")
    out = {}
    for station, counts in geo.items():
        if counts and n[station] >= min_cables:
            code, k = counts.most_common(1)[0]
            if k >= min_share * n[station]:
                out[station] = code
    return dict(sorted(out.items()))


@dataclass
class GeoRanker:
    """The pair model: weights over PAIR_FEATURES, the decision threshold, and what it was fitted with."""

    weights: list[float]
    threshold: float
    stations: dict[str, str]  # station -> its country's code
    prior: dict[str, float]  # code -> share of train cables carrying it
    station_codes: dict[str, dict[str, float]] = field(default_factory=dict)  # station -> code -> share of its cables
    candidate_floor: float = 0.05  # a classifier probability that makes a geographic code a candidate
    features: list[str] = field(default_factory=lambda: list(PAIR_FEATURES))

    def station_country(self, station: str | None) -> str | None:
        if not station:
            return None
        return self.stations.get(station) or Gazetteer.load().place(station)

    def pairs(self, cable: Cable, station: str | None, clf_probs: dict[str, float],
              shares: dict[str, float] | None = None) -> tuple[list[str], np.ndarray, Mentions]:
        """The candidate codes of `cable` and their feature rows (PAIR_FEATURES). `clf_probs`: the
        classifier's probability of each geographic label; `shares`: the station's code shares to use
        instead of `station_codes` (a train cable's own, left out of them while fitting)."""
        m = Gazetteer.load().mentions(cable)
        home = self.station_country(station)
        named = list(dict.fromkeys([*m.subject, *m.body]))
        alias_of = {a: code for code in [*named, *([home] if home else [])] for a in ALIASES.get(code, ())}
        cands = list(dict.fromkeys([*([home] if home else []), *named, *alias_of,
                                    *(c for c, p in clf_probs.items() if p >= self.candidate_floor)]))
        ranked = [c for c, _ in m.body.most_common()]
        top = m.body[ranked[0]] if ranked else 0
        subject_order = list(m.subject)
        shares = self.station_codes.get(station or "", {}) if shares is None else shares
        rows = []
        for code in cands:
            named_as = alias_of.get(code, code) if code not in named and code != home else code
            p = clf_probs.get(code)
            count = m.body.get(named_as, 0)
            logit = 0.0 if p is None else math.log(max(p, 1e-4) / max(1 - p, 1e-4))
            rows.append([1.0, float(named_as == home), float(home is None),
                         math.log(shares.get(code, 0.0) + 0.01), float(named_as in m.subject),
                         float(bool(subject_order) and subject_order[0] == named_as), math.log1p(count),
                         count / top if top else 0.0, 1.0 / (1 + ranked.index(named_as)) if count else 0.0,
                         float(named_as in m.first_paragraph), 1.0 - m.first.get(named_as, 1.0),
                         float(count == top and count > 0), max(-9.0, min(9.0, logit)), float(p is None),
                         math.log(self.prior.get(code, 0.0) + 1e-4), math.log1p(len(named)),
                         float(code.startswith("X")), float(named_as != code)])
        return cands, np.asarray(rows, dtype=np.float64).reshape(len(cands), len(PAIR_FEATURES)), m

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ np.asarray(self.weights, dtype=np.float64))))

    def to_json(self) -> dict:
        # (floats unrounded: JSON gives them back exactly, so a reloaded tagger predicts the same)
        return {"weights": list(self.weights), "threshold": self.threshold, "candidate_floor": self.candidate_floor,
                "features": self.features, "stations": self.stations, "prior": self.prior,
                "station_codes": self.station_codes}

    @classmethod
    def from_json(cls, data: dict) -> "GeoRanker":
        if list(data["features"]) != list(PAIR_FEATURES):
            raise ValueError(f"geographic pair features {data['features']} are not this version's {list(PAIR_FEATURES)}")
        return cls(weights=[float(w) for w in data["weights"]], threshold=float(data["threshold"]),
                   stations=dict(data["stations"]), prior={c: float(p) for c, p in data["prior"].items()},
                   station_codes={s: {c: float(p) for c, p in v.items()} for s, v in data.get("station_codes", {}).items()},
                   candidate_floor=float(data.get("candidate_floor", 0.05)), features=list(data["features"]))


def fit_pair_weights(rows: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (a few dozen features: exact and quick)."""
    w = np.zeros(rows.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(rows @ w)))
        grad = rows.T @ (p - y) / len(y) + l2 * w
        hess = (rows * (p * (1 - p))[:, None]).T @ rows / len(y) + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w
