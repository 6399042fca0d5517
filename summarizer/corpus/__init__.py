"""The corpus index: every cable of a `summarizer batch` run in one SQLite file, searchable.

    OUT_DIR/index.sqlite    cables (metadata, TAGS, scores: what filters and sorts read), cable_docs (own
                            and model summary, evidence, the raw text), cable_tags (one row per own TAGS
                            code), cable_text (FTS5 over subject, own summary, model summary and body),
                            shards (what has been indexed)

Modules:
- `schema`:  the tables, and opening the file for writing or (the page) read-only
- `index`:   shards of a batch run + their input records → rows, upserted by record so that resumed runs
             and reruns keep every record exactly once
- `query`:   a typed `Query` → parameterised SQL only; bad queries become one-line `QueryError`s
- `export`:  the rows of a query as CSV and JSON Lines
- `default`: the index `summarizer serve` shows without `--corpus` (the dev split, or the examples)
"""
