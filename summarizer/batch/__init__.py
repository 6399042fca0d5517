"""Corpus-scale batch summarization (`summarizer batch`): parse → summarize → score over many corpus files,
on one machine (multiprocessing) or on a Ray cluster (Ray Data), resumable.

Layout of an output directory:

    DIR/manifest.json                 inputs (sha256, records), model (sha256), settings, shard plan,
                                      counts, timings, averages; one entry per run in `runs`
    DIR/shards/NNN-STEM-KKKKK.jsonl   one JSON object per input record, in input order
    DIR/.lock                         held (flock) while a run writes here

Modules:
- `shards`:     planning the output shards from the inputs, reading their records in model-sized chunks,
                writing a shard under a temporary name and renaming it when complete (the resume unit)
- `work`:       one chunk of records → output rows, with the same row builder as `summarizer summarize`
- `manifest`:   model fingerprint, manifest read/write and the resume check, the averages
- `local`:      the multiprocessing engine (one model per worker process)
- `ray_engine`: the Ray Data engine (`map_batches` with a model-holding actor class)
"""
