"""The work behind the page, without Gradio: input checks, support highlighting, one cable, batch."""
from __future__ import annotations

import csv
import gzip
import json
import re

import pytest
from app_helpers import tiny_service
from shared_data import SPLITS, records

from summarizer.app import service as svc
from summarizer.evidence import content_tokens, find_support, paragraph_labels
from summarizer.inputs import MAX_INPUT_BYTES, InputError
from summarizer.parsing import parse


# ------------------------------------------------------------------------------------- checks
@pytest.mark.parametrize("text, message", [
    (None, svc.MSG_EMPTY),
    ("", svc.MSG_EMPTY),
    (" \n\t\n ", svc.MSG_EMPTY),
    ("\ufeff  \n", svc.MSG_EMPTY),
    ("TAGS: PREL\x00\x01\x02", svc.MSG_BINARY),
    ("TAGS: PREL " + "".join(chr(1 + i % 8) for i in range(4000)), svc.MSG_BINARY),
    ("a" * (MAX_INPUT_BYTES + 1), "limit for one cable"),
    ("é" * (MAX_INPUT_BYTES // 2) + "a", "limit for one cable"),  # 1,000,001 bytes in UTF-8
])
def test_check_text_rejects_bad_input(text, message):
    with pytest.raises(InputError, match=message[:40].replace("(", r"\(").replace(".", r"\.")):
        svc.check_text(text)


def test_check_text_accepts_cable_and_drops_bom():
    seed = svc.seed_text()
    assert svc.check_text("\ufeff" + seed) == seed
    assert svc.check_text("x" * MAX_INPUT_BYTES)  # at the limit, as `summarizer parse` accepts it


def test_not_a_cable():
    with pytest.raises(InputError) as e:
        svc.parse_cable("Dear all, lunch is at noon on Friday. Bring a salad.\nThanks, Pat")
    assert str(e.value) == svc.MSG_NOT_A_CABLE


def test_read_upload(tmp_path):
    seed = tmp_path / "cable.txt"
    seed.write_text(svc.seed_text(), encoding="utf-8")
    assert svc.read_upload(str(seed)).startswith("Identifier")
    cases = {
        "empty.txt": (b"", svc.MSG_EMPTY),
        "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, svc.MSG_BINARY),
        "huge.txt": (b"a" * (MAX_INPUT_BYTES + 10), "limit for one cable"),
        "corpus.jsonl": (b'{"raw": "x"}\n', "Batch tab"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError, match=message[:30].replace("(", r"\(").replace(".", r"\.")):
            svc.read_upload(str(path))
    with pytest.raises(InputError, match="empty"):
        svc.read_upload(None)


# ---------------------------------------------------------------------------------- highlight
PARAS = [
    "Prime Minister Koizumi will raise the Northern Territories dispute with President Putin at the G-8 Summit.",
    "Progress has been made on the Pacific oil pipeline, but the route to Nakhodka is still under study.",
    "The two sides agreed to accelerate visa issuance for journalists and students.",
]


def test_support_finds_the_paragraph_a_sentence_comes_from():
    sentences = [
        "Koizumi will raise the Northern Territories dispute with Putin.",
        "Visa issuance for students and journalists will be accelerated.",
        "The minister praised the weather in Geneva.",
    ]
    sup = find_support(sentences, PARAS)
    assert [s.label for s in sup] == ["S1", "S2", "S3"]
    assert sup[0].paragraphs[0][0] == 0 and sup[0].paragraphs[0][1] > 0.5
    assert sup[1].paragraphs[0][0] == 2
    assert not sup[2].supported and sup[2].best < 0.25  # made up: flagged, not highlighted
    assert paragraph_labels(sup, 3) == ["S1", None, "S2"]


def test_support_labels_combine_and_handle_edge_cases():
    sup = find_support(["Koizumi and Putin: Northern Territories.", "Koizumi, Putin, Northern Territories again."],
                       PARAS)
    assert paragraph_labels(sup, 3)[0] == "S1+S2"
    assert find_support([], PARAS) == []
    assert not find_support(["The of and."], PARAS)[0].supported  # no content words
    assert not find_support(["Koizumi."], [])[0].supported
    assert content_tokens("The Ministers were meeting") == ["minist", "meet"]


# ------------------------------------------------------------------------------- model-backed
@pytest.fixture(scope="module")
def service():
    return tiny_service()


def test_summarize_seed(service):
    out = service.summarize(svc.seed_text())
    assert out["id"] == "06TOKYO3797"
    assert out["summary"].strip()
    assert isinstance(out["topics"], list) and out["topics"]
    assert isinstance(out["tags"], list)
    assert out["reference_summary"].startswith("Prime Minister Koizumi")
    assert set(out["scores"]) == {"rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1"}
    assert len(out["support"]) >= 1 and out["model"] == "tiny"
    json.dumps(out)  # JSON-serialisable as it is


def test_examples_are_real_cables_of_the_corpus_with_whole_labels():
    """The seed, a 1970s cable in capitals and a long one in sections; each the corpus's own text, and each
    label short enough that Gradio's example button shows it whole."""
    examples = svc.example_files()
    ids = [label.split()[0] for label, _ in examples]
    assert ids == ["06TOKYO3797", "10HAVANA84", "75TEHRAN2069"] and "the seed" in examples[0][0]
    cables = {i: parse(text) for i, (_, text) in zip(ids, examples)}
    for (label, text), (i, cable) in zip(examples, cables.items()):
        assert cable.id == i and cable.subject and cable.tags and cable.summary, label
        assert len(label) <= svc.MAX_EXAMPLE_LABEL, label
        assert "synthetic" not in text.lower()
    tehran = examples[2][1]
    assert cables["75TEHRAN2069"].date.startswith("1975") and sum(map(str.isupper, tehran)) > 0.9 * sum(
        map(str.isalpha, tehran))
    assert len({p.heading for p in cables["10HAVANA84"].paragraphs if p.heading}) >= 10
    if all(f.is_file() for f in SPLITS):
        corpus = records(frozenset(ids[1:]), SPLITS)
        for i in ids[1:]:
            assert corpus[i]["raw"].rstrip() in examples[ids.index(i)][1]  # the corpus's text, unchanged


def test_cable_without_own_summary_gets_tag_score_only(service):
    # the seed without its "Summary: ... End Summary." (every shipped example has one)
    unsummarized = re.sub(r"Summary:.*?End Summary\.", "", svc.seed_text(), flags=re.S)
    out = service.summarize(unsummarized)
    assert out["reference_summary"] is None
    assert set(out["scores"]) == {"tags_f1"}


def test_batch_writes_jsonl_and_csv_with_averages(service, tmp_path):
    corpus = tmp_path / "mini.jsonl.gz"
    lines = [
        json.dumps({"id": "06TOKYO3797", "raw": svc.seed_text()}),
        "{not json",
        json.dumps({"id": "X1", "raw": "hello, this is only a note about lunch"}),
        json.dumps({"id": "X2"}),
    ]
    corpus.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    seen = []
    result = service.run_batch(str(corpus), limit=10, progress=lambda d, t, desc: seen.append((d, t)),
                               out_dir=tmp_path / "out")
    assert [r["line"] for r in result.rows] == [1, 2, 3, 4]
    assert result.rows[0]["error"] is None and result.rows[0]["summary"]
    assert all(r["error"] for r in result.rows[1:])
    assert result.averages["records"] == 4 and result.averages["summarized"] == 1 and result.averages["failed"] == 3
    assert result.averages["n_rouge1"] == 1 and result.averages["rouge1"] is not None
    assert seen[0] == (0, None) and seen[-1] == (4, 4)  # no total before the corpus is read
    jsonl, csv_path = (tmp_path / "out" / "mini-summaries.jsonl", tmp_path / "out" / "mini-summaries.csv")
    assert result.files == [str(jsonl), str(csv_path)]
    objs = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert len(objs) == 5 and objs[-1]["averages"]["records"] == 4
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["06TOKYO3797", "", "X1", "X2", "AVERAGE"]
    assert rows[0]["rouge1"] != "" and rows[-1]["rouge1"] == rows[0]["rouge1"]


def test_batch_limit_and_bad_uploads(service, tmp_path):
    corpus = tmp_path / "two.jsonl"
    corpus.write_text("\n".join(json.dumps({"raw": svc.seed_text()}) for _ in range(3)) + "\n", encoding="utf-8")
    result = service.run_batch(str(corpus), limit=1, out_dir=tmp_path / "out")
    assert len(result.rows) == 1 and result.more and result.total_records == 2  # the second is read, not the third
    for name, data, message in [("cable.txt", "x", "not a corpus"), ("empty.jsonl", "\n", "no records"),
                                ("garbage.jsonl", "%PDF-1.4 garbage\n", "not JSON Lines")]:
        p = tmp_path / name
        p.write_text(data)
        with pytest.raises(InputError, match=message):
            service.run_batch(str(p), out_dir=tmp_path / "out")
    with pytest.raises(InputError, match="No corpus"):
        service.run_batch(None)
