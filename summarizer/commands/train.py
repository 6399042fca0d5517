"""`summarizer train [--data DIR] [--out DIR] [key=value ...]`: build a model directory from the corpus.

`stages=seq2seq,selector,tagger,writer` says what to build into --out (default: seq2seq, the weights): the
sentence selector and the TAGS classifier are fitted on train into the same directory, and the causal
writer's LoRA adapter is tuned into it, so one command makes a complete directory; `stages=selector,tagger,writer`
makes one with no seq2seq weights (the shipped default), or adds those parts to one that has weights.
Every setting of `summarizer.training.TrainConfig` can be overridden as `key=value`
(`summarizer train --out runs/m max_steps=2000 lr=3e-4 decoder_layers=3`); unknown keys are refused.
`--list` prints the settings and their defaults.
"""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model directory: the seq2seq weights, the sentence selector, the TAGS classifier, the causal writer",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="directory holding cables-train.jsonl.gz and cables-dev.jsonl.gz "
                                  "(default: ../shared/data next to the repository)")
    p.add_argument("--out", help="model directory to write (default: runs/model)")
    p.add_argument("--list", action="store_true", help="print the settings with their defaults and exit")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="training settings (see --list)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses
    from pathlib import Path

    from summarizer.inputs import InputError
    from summarizer.training import ConfigError, TrainConfig, apply_overrides

    try:
        cfg = apply_overrides(TrainConfig(), list(args.overrides or []))
        cfg.stage_list()
        cfg.task_list()
    except ConfigError as e:
        raise InputError(str(e)) from None
    if args.data:
        cfg = dataclasses.replace(cfg, data=args.data)
    if args.out:
        cfg = dataclasses.replace(cfg, out=args.out)
    if args.list:
        for k, v in cfg.to_json().items():
            print(f"{k}={v}")
        return 0
    data = Path(cfg.data)
    for name in ("cables-train.jsonl.gz", "cables-dev.jsonl.gz"):
        if not (data / name).is_file():
            raise InputError(f"{data / name}: no such file (pass --data DIR)")
    from summarizer.model.errors import ModelError
    from summarizer.training.stages import train
    from summarizer.training.modeling import TrainError

    try:
        train(cfg, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except (TrainError, ModelError) as e:
        raise InputError(str(e)) from None
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m summarizer.commands.train ...` (the same as `summarizer train ...`)."""
    from summarizer.cli import main as cli_main

    return cli_main(["train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
