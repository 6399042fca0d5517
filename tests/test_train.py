"""The training pipeline: a tiny random model trains for a few steps on CPU, its loss falls, and the
directory it writes reloads through the product's loader and predicts."""
from __future__ import annotations

import json

import pytest

from test_model_support import fast_decoding, one_thread, make_cable, tiny_config, train_tiny

from summarizer.training import ConfigError, TrainConfig, apply_overrides


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("train") / "tiny-model"
    train_tiny(out, steps=40, extra=["eval_every=20", "max_shard_size=200KB", "d_model=64", "d_ff=128",
                                     "encoder_layers=2", "n_heads=4"])
    return out


def _log(out):
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]


def test_loss_falls(trained):
    log = _log(trained)
    train_losses = [e["train_loss"] for e in log if "train_loss" in e]
    assert sum(train_losses[-5:]) / 5 < sum(train_losses[:5]) / 5 - 0.5
    dev = [e["dev_loss"]["all"] for e in log if "dev_loss" in e]
    assert dev[-1] < dev[0]


def test_directory_contents(trained):
    names = {p.name for p in trained.iterdir()}
    for required in ("config.json", "generation_config.json", "summarizer_config.json", "README.md",
                     "tokenizer.json", "train_config.json", "truecase.json", "model.safetensors.index.json"):
        assert required in names
    shards = sorted(trained.glob("model-*.safetensors"))
    assert len(shards) > 1 and all(p.stat().st_size < 200_000 for p in shards)  # sharded as asked
    assert {p.name for p in (trained / "prompts").iterdir()} == {"summarize.txt", "tags.txt", "subject.txt"}
    cfg = json.loads((trained / "config.json").read_text())
    gen = json.loads((trained / "generation_config.json").read_text())
    for key in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
        assert cfg[key] is not None and cfg[key] == gen[key]
    assert gen["num_beams"] == 4 and gen["no_repeat_ngram_size"] == 3 and not gen.get("do_sample")
    card = (trained / "README.md").read_text()
    assert "## Training" in card and "dev loss" in card


def test_weights_are_fp16_and_shared_embedding_stored_once(trained):
    from safetensors import safe_open

    keys, dtypes = [], set()
    for shard in trained.glob("model-*.safetensors"):
        with safe_open(str(shard), framework="pt") as f:
            for k in f.keys():
                keys.append(k)
                dtypes.add(str(f.get_slice(k).get_dtype()))
    assert dtypes == {"F16"}
    assert "encoder.embeddings.word_embeddings.weight" in keys
    assert "decoder.bert.embeddings.word_embeddings.weight" not in keys


def test_reloads_and_predicts(trained):
    from summarizer.model import load_model

    m = load_model(str(trained), device="cpu")
    assert m.tasks == ["summarize", "tags", "subject"]
    emb = m.model.encoder.get_input_embeddings().weight
    assert m.model.decoder.get_input_embeddings().weight is emb  # re-tied on load
    assert m.model.decoder.get_output_embeddings().weight is emb
    for t in m.settings.tasks.values():
        t.generation.update(max_new_tokens=6, min_new_tokens=1, num_beams=2)
    preds = m.predict([make_cable(5), make_cable(6, n_paragraphs=20)], batch_size=2)
    assert len(preds) == 2 and preds[1].chunks > 1
    for p in preds:
        assert isinstance(p.summary, str)
        assert all(t == t.upper() for t in p.tags)
        assert isinstance(p.topics, list)


def test_fine_tune_from_a_model_dir(trained, tmp_path):
    out = train_tiny(tmp_path / "ft", steps=3, extra=[f"init={trained}"])
    from summarizer.model import load_model

    assert load_model(str(out), device="cpu").tasks == ["summarize", "tags", "subject"]


def test_overrides_reject_unknown_keys_and_bad_values():
    cfg = apply_overrides(TrainConfig(), ["lr=3e-4", "decoder_layers=3", "share_embeddings=false", "out=x"])
    assert cfg.lr == 3e-4 and cfg.decoder_layers == 3 and cfg.share_embeddings is False and cfg.out == "x"
    with pytest.raises(ConfigError, match="unknown setting 'learning_rate'"):
        apply_overrides(TrainConfig(), ["learning_rate=1"])
    with pytest.raises(ConfigError, match="expected an integer"):
        apply_overrides(TrainConfig(), ["max_steps=many"])
    with pytest.raises(ConfigError, match="key=value"):
        apply_overrides(TrainConfig(), ["max_steps"])


def test_lr_schedule_warmup_then_cosine():
    from summarizer.training.loop import lr_at

    cfg = TrainConfig(lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_at(cfg, 0, 0.0) == pytest.approx(0.1)
    assert lr_at(cfg, 9, 0.01) == pytest.approx(1.0)
    assert lr_at(cfg, 50, 0.5) == pytest.approx(0.55)
    assert lr_at(cfg, 100, 1.0) == pytest.approx(0.1)


def test_pairs_never_put_the_summary_in_the_input():
    from summarizer.training.modeling import build_tokenizer
    from summarizer.training.pairs import build_examples

    cables = [make_cable(i) for i in range(5)]
    cfg = tiny_config("unused")
    tok, _ = build_tokenizer(cfg, [c.body + " " + c.summary + " summarize: tags: subject:" for c in cables])
    ex = build_examples(cables, tok, {"summarize": "summarize: ", "tags": "tags: ", "subject": "subject: "},
                        ["summarize", "tags", "subject"], 200, 40, 12)
    assert {e.task for e in ex} == {"summarize", "tags", "subject"}
    for e in ex:
        src = tok.decode(e.src, skip_special_tokens=True)
        assert src.startswith(e.task)
        if e.task == "summarize":
            assert "summary :" not in src and "summary:" not in src
        assert e.tgt[-1] == tok.sep_token_id


def test_train_command_rejects_unknown_keys(capsys):
    from summarizer.commands.train import main

    assert main(["nonsense=1"]) == 2
    assert "unknown setting 'nonsense'" in capsys.readouterr().err


def test_decoder_side_prompts_train_and_predict(tmp_path):
    """prompt_side=decoder: the task prompt is a forced decoder prefix (not scored), the encoder reads the body."""
    import json

    from summarizer.model import load_model

    out = train_tiny(tmp_path / "dec", steps=15, extra=["prompt_side=decoder"])
    assert json.loads((out / "summarizer_config.json").read_text())["prompt_side"] == "decoder"
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [e["train_loss"] for e in log if "train_loss" in e]
    assert losses[-1] < losses[0]
    m = load_model(str(out), device="cpu")
    for t in m.settings.tasks.values():
        t.generation.update(max_new_tokens=5, min_new_tokens=1, num_beams=2)
    [p] = m.predict([make_cable(9)])
    assert isinstance(p.summary, str) and "summarize" not in p.summary.lower()


def test_decoder_prefix_collate_masks_the_prompt():
    from summarizer.training.loop import collate
    from summarizer.training.pairs import Example

    b = collate([Example("tags", "X", src=[2, 7, 3], tgt=[11, 12, 3], prefix=[20, 21])], pad_id=0, start_id=2,
                device="cpu")
    assert b["decoder_input_ids"].tolist() == [[2, 20, 21, 11, 12]]
    assert b["labels"].tolist() == [[-100, -100, 11, 12, 3]]


def test_stages_are_checked_and_kept_in_order():
    assert TrainConfig(stages="tagger, seq2seq").stage_list() == ["seq2seq", "tagger"]
    for bad in ("", "seq2seq,oracle"):
        with pytest.raises(ConfigError):
            TrainConfig(stages=bad).stage_list()


def test_tasks_are_checked():
    assert TrainConfig(tasks="tags, summarize").task_list() == ["tags", "summarize"]
    for bad in ("", "summarize,rewrite"):
        with pytest.raises(ConfigError, match="expected some of summarize, tags, subject"):
            TrainConfig(tasks=bad).task_list()


def test_cached_encoder_states_give_the_same_loss(tmp_path):
    import torch

    from summarizer.training.loop import EncoderCache, collate, seq2seq_loss
    from summarizer.training.modeling import build_model, build_tokenizer, freeze_encoder
    from summarizer.training.pairs import build_examples

    cfg = tiny_config(tmp_path / "m", ["prompt_side=decoder"])
    cables = [make_cable(i) for i in range(6)]
    tokenizer, kept = build_tokenizer(cfg, texts=[c.body for c in cables])
    model = build_model(cfg, tokenizer, kept)
    assert not EncoderCache.usable(model)
    freeze_encoder(model, cfg.encoder_layers)
    assert EncoderCache.usable(model)
    model.eval()  # no dropout: the two losses must agree
    prompts = {"summarize": "summarize: ", "tags": "tags: ", "subject": "subject: "}
    examples = build_examples(cables, tokenizer, prompts, list(prompts), 64, 32, 12, prompt_side="decoder")
    cache = EncoderCache(model)
    start = model.config.decoder_start_token_id
    b = collate(examples[:4], tokenizer.pad_token_id, start, "cpu")
    plain = seq2seq_loss(model, b, per_example=True)
    cached = seq2seq_loss(model, cache.add(examples[:4], b), per_example=True)
    assert len(cache.states) == 4
    assert torch.allclose(plain, cached, atol=1e-5)
    # a second batch sharing two examples reuses their states (same loss as computed fresh)
    batch = examples[2:6]
    b2 = collate(batch, tokenizer.pad_token_id, start, "cpu")
    assert torch.allclose(seq2seq_loss(model, cache.add(batch, b2), per_example=True),
                          seq2seq_loss(model, b2, per_example=True), atol=1e-5)
    assert len(cache.states) == 6


def test_a_model_directory_with_a_tags_classifier_takes_its_tags(tmp_path):
    from summarizer.model import load_model
    from summarizer.tagging.fit import FitConfig, fit_classifier

    out = fast_decoding(train_tiny(tmp_path / "m", steps=2))
    cables = [make_cable(i) for i in range(40)]
    tagger = fit_classifier(cables, FitConfig())
    tagger.save(out)
    model = load_model(str(out))
    assert model.tagger is not None
    cable = make_cable(3)
    [pred] = model.predict([cable])
    assert pred.tags == tagger.predict(cable)[: model.settings.max_tags]


def test_an_unreadable_tags_classifier_is_a_model_error(tmp_path):
    from summarizer.model import ModelError, load_model

    out = train_tiny(tmp_path / "m", steps=1)
    (out / "tagger.safetensors").write_bytes(b"not safetensors")
    (out / "tagger.json").write_text("{}")
    with pytest.raises(ModelError, match="TAGS classifier"):
        load_model(str(out))
