"""cable-summarizer: parse US diplomatic cables and summarize them with a local seq2seq model."""

import os

# Before any torch import: with the default policy OpenMP threads spin while waiting, and on a busy
# 2-core machine every small op crawls (the seed cable took 20.6 s instead of 1.2 s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
