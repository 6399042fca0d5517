"""Write the fuzz seed corpus: real cables, mutated cables, pathological text and random bytes.

    python -m fuzz.make_seeds [--data ../shared/data/cables-dev.jsonl.gz ...] [--out fuzz/work/seeds]
                              [--real 400] [--mutated 400] [--random 100] [--size 4096] [--seed 0]

Each seed is one file (UTF-8 bytes). Real cables are a fixed sample of the corpora; pathological inputs
are every generator of `fuzz.generators` at a few sizes up to `--size` bytes (libFuzzer reads no more
than its -max_len of a seed anyway; the megabyte-sized versions are run by `fuzz.big_inputs`). The
folder is git-ignored (fuzz/work/); the run report names the seed counts.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
from pathlib import Path

from fuzz.generators import PATHOLOGICAL, mutate, random_bytes_text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = [REPO.parent / "shared" / "data" / "cables-dev.jsonl.gz",
                REPO.parent / "shared" / "data" / "cables-train.jsonl.gz"]
DEFAULT_OUT = REPO / "fuzz" / "work" / "seeds"


def real_cables(paths: list[Path], k: int, rng: random.Random) -> list[str]:
    """A reservoir sample of k cable texts (the `raw` field) from the corpora; the packaged examples
    when no corpus is there."""
    sample: list[str] = []
    seen = 0
    for path in paths:
        if not path.is_file():
            continue
        with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    raw = json.loads(line).get("raw")
                except (json.JSONDecodeError, AttributeError):
                    continue
                if not isinstance(raw, str):
                    continue
                seen += 1
                if len(sample) < k:
                    sample.append(raw)
                else:
                    j = rng.randrange(seen)
                    if j < k:
                        sample[j] = raw
    if not sample:
        from summarizer.app.service import example_files

        sample = [text for _, text in example_files()]
    return sample


def clip(text: str, size: int) -> bytes:
    data = text.encode("utf-8", errors="surrogatepass")
    return data[:size]


def build(paths: list[Path], out: Path, n_real: int, n_mutated: int, n_random: int, size: int, seed: int) -> dict:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    counts = {"real": 0, "mutated": 0, "pathological": 0, "random": 0}

    def put(kind: str, data: bytes) -> None:
        name = f"{kind}-{hashlib.sha1(data).hexdigest()[:16]}"
        (out / name).write_bytes(data)
        counts[kind] += 1

    cables = real_cables(paths, n_real, rng)
    for text in cables:
        put("real", clip(text, size))
    for i in range(n_mutated):
        text = rng.choice(cables)
        for _ in range(rng.randrange(1, 4)):
            text = mutate(text, rng)
        start = rng.randrange(max(1, len(text) - size)) if rng.random() < 0.3 else 0
        put("mutated", clip(text[start:], size))
    for name, gen in PATHOLOGICAL.items():
        for n in sorted({16, 128, 1024, size}):
            put("pathological", clip(gen(n), size))
    for _ in range(n_random):
        put("random", clip(random_bytes_text(rng, rng.randrange(1, size)), size))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="*", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--real", type=int, default=400)
    ap.add_argument("--mutated", type=int, default=400)
    ap.add_argument("--random", type=int, default=100)
    ap.add_argument("--size", type=int, default=4096, help="largest seed in bytes (the fuzzer's -max_len)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    counts = build(args.data, args.out, args.real, args.mutated, args.random, args.size, args.seed)
    print(f"fuzz seeds in {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
