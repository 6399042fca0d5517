"""The `summarizer` entry point: dispatches to one module per subcommand."""
from __future__ import annotations

import argparse
import importlib
import sys

from summarizer import __version__
from summarizer.inputs import InputError

COMMANDS = ["parse", "summarize", "train", "serve", "batch", "index"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summarizer", description="Parse and summarize US diplomatic cables.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"summarizer.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None, **injected) -> int:
    """The command line; `injected` sets what a program (not a user) hands a command, e.g. batch's
    `after_chunk` callback."""
    args = build_parser().parse_args(argv)
    for key, value in injected.items():
        setattr(args, key, value)
    try:
        return args.run(args)
    except InputError as e:
        print(f"summarizer {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `summarizer parse corpus | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
