"""Loading model directories: standard HF seq2seq dirs (tiny T5 / BART) and every kind of broken dir."""
from __future__ import annotations

import json
import shutil

import pytest

from test_model_support import one_thread, make_cable, one_line, save_tiny_bart, save_tiny_t5

from summarizer.model import ModelError, load_model


@pytest.fixture(scope="module")
def t5_dir(tmp_path_factory):
    return save_tiny_t5(tmp_path_factory.mktemp("t5") / "tiny-t5")


@pytest.fixture(scope="module")
def bart_dir(tmp_path_factory):
    return save_tiny_bart(tmp_path_factory.mktemp("bart") / "tiny-bart")


def _short_generation(model, n=6):
    model.settings.tasks["summarize"].generation.update(max_new_tokens=n, min_new_tokens=1, num_beams=2)


@pytest.mark.parametrize("which", ["t5", "bart"])
def test_standard_hf_directory_loads_and_predicts(which, t5_dir, bart_dir):
    path = t5_dir if which == "t5" else bart_dir
    m = load_model(str(path), device="cpu")
    assert m.tasks == ["summarize"]  # a foreign model does the summary task only
    if which == "t5":
        assert m.settings.tasks["summarize"].prompt == "summarize: "  # T5's own prefix
    gc = m.model.generation_config
    assert gc.do_sample is False and gc.num_beams == 4 and gc.no_repeat_ngram_size == 3
    _short_generation(m)
    preds = m.predict([make_cable(1), make_cable(2, n_paragraphs=12)], batch_size=2)
    assert len(preds) == 2
    for p in preds:
        assert isinstance(p.summary, str) and p.tags == [] and isinstance(p.topics, list)
    assert preds[1].chunks > 1  # 12 paragraphs do not fit a 64-token encoder: read in chunks


def test_decoding_is_deterministic(t5_dir):
    m = load_model(str(t5_dir), device="cpu")
    _short_generation(m)
    c = make_cable(3)
    assert m.predict([c])[0].summary == m.predict([c])[0].summary


def _expect(path, fragment):
    with pytest.raises(ModelError) as e:
        load_model(str(path), device="cpu")
    msg = str(e.value)
    assert one_line(msg), msg
    assert fragment in msg, msg
    return msg


def test_missing_directory(tmp_path):
    _expect(tmp_path / "nope", "does not exist")


def test_file_instead_of_directory(tmp_path):
    f = tmp_path / "model.txt"
    f.write_text("x")
    _expect(f, "not a directory")


def test_directory_without_config(tmp_path):
    _expect(tmp_path, "no config.json")


def test_wrong_architecture_bert_only(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(str(tmp_path))
    msg = _expect(tmp_path, "not a sequence-to-sequence model")
    assert "bert" in msg.lower()


def test_corrupt_safetensors(tmp_path, t5_dir):
    d = tmp_path / "corrupt"
    shutil.copytree(t5_dir, d)
    w = d / "model.safetensors"
    data = w.read_bytes()
    w.write_bytes(data[: len(data) // 2])  # truncated download
    _expect(d, "corrupt or truncated")
    w.write_bytes(b"\x00" * 64)  # garbage
    _expect(d, "corrupt or truncated")


def test_no_weights_and_pickle_only(tmp_path, t5_dir):
    d = tmp_path / "noweights"
    shutil.copytree(t5_dir, d)
    (d / "model.safetensors").unlink()
    _expect(d, "no model weights")
    (d / "pytorch_model.bin").write_bytes(b"not loaded")
    _expect(d, "only PyTorch pickle weights")


def test_missing_shard(tmp_path, t5_dir):
    d = tmp_path / "sharded"
    shutil.copytree(t5_dir, d)
    (d / "model.safetensors").unlink()
    (d / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {"shared.weight": "model-00001-of-00002.safetensors"}}))
    _expect(d, "missing weight shard")


def test_invalid_config_json(tmp_path, t5_dir):
    d = tmp_path / "badcfg"
    shutil.copytree(t5_dir, d)
    (d / "config.json").write_text("{not json")
    _expect(d, "not valid JSON")


def test_weights_that_do_not_fit_the_config(tmp_path, t5_dir, bart_dir):
    d = tmp_path / "mixed"
    shutil.copytree(t5_dir, d)
    shutil.copy(bart_dir / "model.safetensors", d / "model.safetensors")
    _expect(d, "do not match")


def test_no_tokenizer(tmp_path, t5_dir):
    d = tmp_path / "notok"
    shutil.copytree(t5_dir, d)
    for f in d.iterdir():
        if "token" in f.name or "special" in f.name:
            f.unlink()
    _expect(d, "tokenizer")


def test_builtin_prompts_are_the_repository_prompt_files(tmp_path) -> None:
    # Inference reads a model directory's own prompts/ or the built-in prefixes, never the repository's
    # files: the two must say the same, so an installed package reads what a checkout reads.
    from summarizer.model.settings import DEFAULT_PROMPTS, read_prompt
    from summarizer.training.config import DEFAULT_PROMPTS_DIR

    for task, prefix in DEFAULT_PROMPTS.items():
        assert (DEFAULT_PROMPTS_DIR / f"{task}.txt").read_text(encoding="utf-8").rstrip("\n") == prefix
        assert read_prompt(f"{task}.txt", tmp_path) == prefix  # a model directory without prompts/
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "tags.txt").write_text("codes: \n", encoding="utf-8")
    assert read_prompt("tags.txt", tmp_path) == "codes: "  # its own copy first


@pytest.mark.parametrize("damage", ["old format", "weights of another shape"])
def test_an_unreadable_selector_is_one_line(tmp_path, t5_dir, damage):
    """A tiny standard directory given the shipped selector, then damaged: loading says so in one line."""
    from summarizer.model.loading import resolve_model_dir

    d = tmp_path / "with-selector"
    shutil.copytree(t5_dir, d)
    for name in ("selector.json", "selector.safetensors"):
        shutil.copy(resolve_model_dir(None) / name, d / name)
    settings = json.loads((d / "selector.json").read_text())
    if damage == "old format":
        del settings["format"]  # what the logistic-regression selector wrote
        fragment = "stages=selector"
    else:
        settings["net"]["hidden"] = 16
        fragment = "the weights do not fit"
    (d / "selector.json").write_text(json.dumps(settings))
    _expect(d, fragment)


def test_the_shipped_directory_has_no_seq2seq_weights_and_gives_the_selectors_sentences():
    """The default is the selector, the TAGS classifier and the causal writer (an option): no seq2seq task,
    and its summary is the selector's sentences, as `--writer extractive` gives them."""
    from summarizer.model.loading import DEFAULT_MODEL_DIR

    assert not (DEFAULT_MODEL_DIR / "config.json").exists()
    assert not list(DEFAULT_MODEL_DIR.glob("model*.safetensors"))
    m = load_model(device="cpu")
    assert m.model is None and m.tokenizer is None and m.tasks == [] and m.writer is None
    assert m.writer_name == "extractive: the selector's sentences"
    cable = make_cable(7)
    [pred] = m.predict([cable])
    assert pred.summary == "\n".join(s.text for s in m.selector.select(cable))
    assert pred.tags == m.tagger.predict(cable)[: m.settings.max_tags]
    [extractive] = load_model(device="cpu", writer="extractive").predict([cable])
    assert (extractive.summary, extractive.tags) == (pred.summary, pred.tags)


@pytest.mark.parametrize("parts", [("selector",), ("tagger",), ("selector", "tagger")])
def test_a_directory_of_parts_without_seq2seq_weights_or_settings_loads(tmp_path, parts):
    from summarizer.model.loading import DEFAULT_MODEL_DIR

    for part in parts:
        for f in DEFAULT_MODEL_DIR.glob(f"{part}.*"):
            shutil.copy(f, tmp_path / f.name)
    m = load_model(str(tmp_path), device="cpu")
    assert m.model is None and m.tasks == []
    assert (m.selector is not None, m.tagger is not None) == ("selector" in parts, "tagger" in parts)
    cable = make_cable(3)
    [pred] = m.predict([cable])
    assert bool(pred.summary) == ("selector" in parts)
    assert pred.tags == (m.tagger.predict(cable)[: m.settings.max_tags] if m.tagger else [])


def test_settings_alone_are_not_a_model(tmp_path):
    (tmp_path / "summarizer_config.json").write_text('{"format": 1, "max_tags": 12}')
    _expect(tmp_path, "no config.json")
