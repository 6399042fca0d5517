"""Sparse text features for the TAGS classifier: pure functions of a cable and a fitted vocabulary.

A cable becomes three blocks of named features, each L2-normalised on its own and then weighted, so
that a long body cannot drown out the subject line or the sending station:
- body: words of the clean body (own summary already removed by the parser), sublinear tf × idf;
  word pairs were tried, in this block (-2 points of micro-F1 on dev: their number dilutes the
  words) and in a block of their own (no gain), and left out;
- subject: words and word pairs of the SUBJECT line ("s:");
- station: one feature naming the sending station ("st:CAIRO"), which carries the per-station prior.
The cable's own TAGS are never read here, and a `TAGS:` line that leaked into the body is cut out.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from summarizer.cable import Cable
from summarizer.parsing.canonical import canonical_station

_WORD = re.compile(r"[a-z][a-z0-9]+")
# Some bodies still hold header lines the parser missed; a leaked TAGS line is the answer itself.
_LEAKED_TAGS = re.compile(r"\bTAGS\s*:[^\n]*", re.I)
_STATION_FROM_ID = re.compile(r"^\d{2}([A-Z][A-Z-]*?)\d+$")
_STATION_WITHOUT_YEAR = re.compile(r"^([A-Z][A-Z .'-]*?)\s*0*\d+$")
_ORIGIN_PREFIX = re.compile(
    r"^(?:AM)?(?:EMBASSY|CONSULATE(?: GENERAL)?|MISSION|USMISSION|USUN|US MISSION|USOFFICE|SECSTATE)\s+", re.I
)
BLOCKS = ("body", "subject", "station")


@dataclass(frozen=True)
class FeatureConfig:
    min_df: int = 3  # a word seen in fewer train cables says nothing reliable about a tag
    max_features: int = 40_000
    max_body_chars: int = 20_000  # bounds the time of one prediction on a huge cable
    subject_weight: float = 0.6
    station_weight: float = 0.8

    def weight(self, block: str) -> float:
        return {"body": 1.0, "subject": self.subject_weight, "station": self.station_weight}[block]


def station(cable: Cable) -> str | None:
    """The sending station, as `tags-prior` keys it: from the id ("09ABUDHABI1151" -> "ABUDHABI", and
    without its year, "BRASILIA 1017" -> "BRASILIA"), else the origin ("Embassy Brasilia", "AMEMBASSY
    PORT-OF-SPAIN"), written as ids write it where it is a known station."""
    if cable.id:
        m = _STATION_FROM_ID.match(cable.id.strip().upper())
        if m:
            return m.group(1)
        m = _STATION_WITHOUT_YEAR.match(cable.id.strip().upper())
        if m and canonical_station(m.group(1)):
            return canonical_station(m.group(1))
    if cable.origin:
        name = _ORIGIN_PREFIX.sub("", cable.origin.strip())
        return canonical_station(name) or re.sub(r"\W+", "", name).upper() or None
    return None


def words(text: str) -> list[str]:
    return _WORD.findall(_LEAKED_TAGS.sub(" ", text).lower())


def _bigrams(tokens: list[str], prefix: str) -> Counter:
    return Counter(f"{prefix}{a}_{b}" for a, b in zip(tokens, tokens[1:]))


def raw_features(cable: Cable, config: FeatureConfig) -> dict[str, Counter]:
    """block -> feature name -> count, before the vocabulary and weighting."""
    st = station(cable)
    body = words((cable.body or "")[: config.max_body_chars])
    subject = words(cable.subject or "")
    return {
        "body": Counter(body),
        "subject": Counter("s:" + w for w in subject) + _bigrams(subject, "s:"),
        "station": Counter({f"st:{st}": 1}) if st else Counter(),
    }


@dataclass
class Vocabulary:
    index: dict[str, int]  # feature name -> column
    idf: np.ndarray  # float32, one per column

    def __len__(self) -> int:
        return len(self.index)

    def names(self) -> list[str]:
        """Feature names in column order."""
        cached = self.__dict__.get("_names")
        if cached is None:
            cached = self.__dict__["_names"] = sorted(self.index, key=self.index.__getitem__)
        return cached

    def vectorise(self, raw: dict[str, Counter], config: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
        """(columns int64, values float32) of one cable; unknown features are dropped."""
        cols: list[int] = []
        vals: list[float] = []
        for block in BLOCKS:
            bc, bv = [], []
            for name, n in raw[block].items():
                j = self.index.get(name)
                if j is not None:
                    bc.append(j)
                    bv.append((1.0 + math.log(n)) * float(self.idf[j]))
            if not bc:
                continue
            v = np.asarray(bv, dtype=np.float64)
            v *= config.weight(block) / (np.linalg.norm(v) or 1.0)
            cols += bc
            vals += v.tolist()
        return np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=np.float32)


def build_vocabulary(raws: list[dict[str, Counter]], config: FeatureConfig) -> Vocabulary:
    """The `max_features` most widespread features seen in at least `min_df` cables (stations always kept)."""
    df: Counter = Counter()
    for raw in raws:
        for block in BLOCKS:
            df.update(raw[block].keys())
    n = len(raws)
    stations = sorted(f for f, k in df.items() if f.startswith("st:") and k >= 1)
    text = [f for f, k in df.items() if k >= config.min_df and not f.startswith("st:")]
    text.sort(key=lambda f: (-df[f], f))
    names = stations + text[: max(0, config.max_features - len(stations))]
    idf = np.asarray([math.log((n + 1) / (df[f] + 1)) + 1.0 for f in names], dtype=np.float32)
    return Vocabulary({f: i for i, f in enumerate(names)}, idf)
