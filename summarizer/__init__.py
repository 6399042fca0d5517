"""cable-summarizer: parse US diplomatic cables and summarize them with a local seq2seq model."""

__version__ = "0.1.0"
