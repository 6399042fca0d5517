"""Issue 15: hostile text on the summarize path (the splitter, characters that are not text)."""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `fuzz` is a top-level folder of the repository, not an installed package
    sys.path.insert(0, str(REPO))

from fuzz.generators import PATHOLOGICAL  # noqa: E402
from fuzz.worst_case import BUDGET_S, at_the_limits, inside_cable, run  # noqa: E402
from summarizer.inputs import InputError, decode_text  # noqa: E402
from summarizer.limits import MAX_WORDS  # noqa: E402
from summarizer.parsing import parse  # noqa: E402
from summarizer.parsing.normalize import FORMAT_CHARS  # noqa: E402
from summarizer.sentences import split_sentences  # noqa: E402

EXAMPLES = REPO / "summarizer" / "data" / "examples"


def _random_words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words = "the minister said that U.S. officials met Dr. Smith on Jan. 5 in Washington. He agreed. 1. 2. (C)".split()
    out, size = [], 0
    while size < n:
        out.append(rng.choice(words))
        size += len(out[-1]) + 1
    return " ".join(out)


def test_one_long_paragraph_splits_in_linear_time():
    # Before the fix every candidate end searched back from the paragraph's start and copied the rest
    # of it: 400,000 characters took ~24 s of CPU. Now ~0.03 s; the bound leaves room for a busy machine.
    text = _random_words(400_000)
    t = time.process_time()
    sentences = split_sentences(text)
    assert time.process_time() - t < 2.0
    assert " ".join(sentences).split() == text.split()


def test_letter_less_pieces_without_end_are_joined_in_linear_time():
    text = " ".join(f"{i}." for i in range(100_000)) + " Done."
    t = time.process_time()
    sentences = split_sentences(text)
    assert time.process_time() - t < 2.0
    assert sentences == [text]


# ------------------------------------------------------------------------ characters that are not text
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202e"]


def _sprinkle(text: str, seed: int = 1, every: int = 40) -> str:
    """`text` with a format character after about every `every`-th character, and inside the labels."""
    rng = random.Random(seed)
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if rng.randrange(every) == 0:
            out.append(rng.choice(ZERO_WIDTH))
    return "".join(out).replace("TAGS:", "TA\u200bGS:").replace("SUBJECT:", "SUB\u200dJECT:")


def test_format_characters_are_every_cf_character():
    cf = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    pattern = re.compile(f"[{FORMAT_CHARS}]")
    assert {chr(c) for c in range(sys.maxunicode + 1) if pattern.fullmatch(chr(c))} == cf


def test_zero_width_characters_neither_hide_the_header_nor_reach_the_text():
    raw = (EXAMPLES / "06TOKYO3797.txt").read_text(encoding="utf-8")
    clean = parse(raw)
    bad_raw = _sprinkle(raw)
    bad = parse(bad_raw)
    # before the fix: "no TAGS line found", no subject, and zero-width characters inside the paragraphs
    assert bad.tag_codes == clean.tag_codes == ["PREL", "PTER", "ENRG", "RS", "JA"]
    assert bad.subject == clean.subject and bad.id == clean.id
    assert [p.text for p in bad.paragraphs] == [p.text for p in clean.paragraphs]
    assert bad.warnings[:-1] == clean.warnings
    assert bad.warnings[-1].startswith(f"{len(bad_raw) - len(raw):,} invisible format character(s) removed (")


def test_offsets_stay_true_in_the_raw_text_when_characters_are_removed():
    raw = (EXAMPLES / "06TOKYO3797.txt").read_text(encoding="utf-8")
    clean = parse(raw)
    for seed in range(5):
        bad_raw = _sprinkle(raw, seed, every=7)
        bad = parse(bad_raw)
        strip = re.compile(f"[{FORMAT_CHARS}]")
        for p, q in zip(clean.paragraphs, bad.paragraphs, strict=True):
            assert strip.sub("", bad_raw[q.start:q.end]) == raw[p.start:p.end]
            assert bad_raw[q.start] == raw[p.start] and bad_raw[q.end - 1] == raw[p.end - 1]


@pytest.fixture(scope="module")
def shipped_service():
    from summarizer.app.service import SummaryService
    from summarizer.model import load_model

    return SummaryService(load_model())


def test_a_lone_surrogate_is_answered_on_the_summarize_path(shipped_service):
    # Before: "Internal error (TypeError): TextEncodeInput must be ..." from the tokenizer (/parse took it).
    raw = (EXAMPLES / "06TOKYO3797.txt").read_text(encoding="utf-8").replace("Koizumi", "Koi\ud800zumi")
    out = shipped_service.summarize(raw)
    assert out["summary"] and "\ud800" not in json.dumps(out, ensure_ascii=False)
    json.dumps(out, ensure_ascii=False).encode("utf-8")  # what the server sends must be encodable
    assert f"{raw.count(chr(0xD800))} lone surrogate code point(s) (not valid text) replaced with U+FFFD" in out["warnings"]


# ---------------------------------------------------------------------------------- guessed encodings
LATIN1 = "TAGS: PREL\nSUBJECT: Bras\xedlia talks\n\n1. (C) The minister met the ambassador in Bras\xedlia. They agreed.\n"


def test_latin1_file_is_read_with_a_warning(tmp_path):
    f = tmp_path / "c.txt"
    f.write_bytes(LATIN1.encode("latin-1"))
    out = subprocess.run([sys.executable, "-m", "summarizer.cli", "parse", str(f)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["subject"] == "Brasília talks"
    assert (f"{f} is not valid UTF-8 (byte 0xED at offset 24): the whole text was read as Latin-1, so letters "
            "outside ASCII may be wrong") in record["warnings"]


def test_utf8_and_uploads_read_as_before(tmp_path):
    from summarizer.app.service import read_upload

    warnings: list[str] = []
    assert decode_text(LATIN1.encode("utf-8"), "x", warnings) == LATIN1 and warnings == []
    f = tmp_path / "c.txt"
    f.write_bytes(LATIN1.encode("latin-1"))
    assert read_upload(str(f), warnings) == LATIN1
    assert warnings == ["the uploaded file is not valid UTF-8 (byte 0xED at offset 24): the whole text was read "
                        "as Latin-1, so letters outside ASCII may be wrong"]


# ------------------------------------------------------------------------------ the whole /summarize path
def test_a_cable_over_the_word_limit_is_refused_before_the_model(shipped_service, monkeypatch):
    text = "TAGS: PREL\nSUBJECT: LONG\n\n1. (C) " + " ".join(["word"] * (MAX_WORDS + 1)) + "."
    monkeypatch.setattr(shipped_service, "predict", lambda cables: pytest.fail("the model was called"))
    with pytest.raises(InputError, match=f"^The cable has {MAX_WORDS + 1:,} words; the limit is {MAX_WORDS:,} "):
        shipped_service.summarize(text)


def test_inputs_at_the_limits_are_answered_within_the_budget(shipped_service):
    """The fast version of `python -m fuzz.worst_case`: the inputs that ask for the most work the limits
    admit, and a few generators inside a real cable, on the shipped model. Before the splitter fix and
    the word limit, one such request took minutes."""
    rng = random.Random(0)
    inputs = at_the_limits(1_000_000, rng)
    for name in ("long-line-sentences", "surrogates", "every-category", "digits-dots", "markings-glued"):
        inputs[f"cable+{name}"] = inside_cable(PATHOLOGICAL[name](200_000), 200_000)
    results = run(shipped_service, inputs, BUDGET_S, cap_s=30)
    assert [r for r in results if not r["ok"]] == []
    answered = {r["input"] for r in results if r["outcome"] == "answered"}
    assert {"limit-words-sentences", "limit-long-words", "limit-paragraphs", "cable+surrogates"} <= answered
