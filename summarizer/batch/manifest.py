"""`DIR/manifest.json`: what a batch run read, with which model and settings, what it wrote, how fast.

Written (atomically) when a run starts, with `status: "running"` and the shard plan, and again when it
ends, with `status: "complete"`, the counts, the timings and the averages. A rerun on the same DIR resumes
only when the inputs (sha256), the model (sha256 over its files) and the shard size are the ones the
manifest names; anything else is refused, since finished shards would then mix two different jobs.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from summarizer.batch.shards import Plan
from summarizer.inputs import InputError
from summarizer.model.loading import check_model_files, resolve_model_dir

MANIFEST = "manifest.json"
FORMAT = 1
SCORE_KEYS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1")


def model_fingerprint(model_dir: str | None) -> dict:
    """`{"dir", "sha256", "files"}` for a model directory or file (None: the shipped default); ModelError
    when it is missing or a seq2seq directory holds no usable weights (checked before any worker starts)."""
    d = resolve_model_dir(model_dir)
    check_model_files(d)
    h = hashlib.sha256()
    files = [d] if d.is_file() else sorted(p for p in d.rglob("*") if p.is_file())
    for p in files:
        h.update(str(p.relative_to(d)).encode() + b"\0")
        with open(p, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return {"dir": str(d.resolve()), "sha256": h.hexdigest(), "files": len(files)}


def read(out: Path) -> dict | None:
    p = out / MANIFEST
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except ValueError as e:
        raise InputError(f"{p} is not valid JSON ({e}); move it away or use a new --out") from None


def read_run(out: Path) -> dict | None:
    """The manifest of the batch run in `out`, None when there is none; InputError naming the file when it
    is some other JSON (no plan of shards, no model, no runs)."""
    data = read(out)
    if data is None:
        return None
    try:
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        missing = [k for k in ("plan", "model", "runs") if k not in data]
        if missing:
            raise ValueError(f"no `{missing[0]}`")
        Plan.from_json(data["plan"])
        for i in data["plan"]["inputs"]:
            str(i["path"]) + str(i["sha256"])
        str(data["model"]["dir"]) + str(data["model"]["sha256"])
        if not isinstance(data["runs"], list):
            raise ValueError("`runs` is not a list")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        why = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
        raise InputError(f"{out / MANIFEST} is not the manifest of a `summarizer batch` run ({why}); "
                         "move it away or use a new --out") from None
    return data


def write(out: Path, data: dict) -> None:
    p = out / MANIFEST
    tmp = p.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, p)


def check_resume(old: dict, plan_inputs: list, model: dict, shard_size: int, limit: int | None = None) -> None:
    """InputError unless `old` (an existing manifest) describes the same job."""
    where = "the run already in this --out"
    if old.get("format") != FORMAT or "plan" not in old:
        raise InputError("the manifest in --out is not one this version writes; use a new --out")
    old_inputs = [(i["path"], i["sha256"]) for i in old["plan"]["inputs"]]
    new_inputs = [(i.path, i.sha256) for i in plan_inputs]
    if [s for _, s in old_inputs] != [s for _, s in new_inputs]:
        raise InputError(f"the inputs differ from those of {where} "
                         f"({', '.join(p for p, _ in old_inputs)}): use a new --out")
    if old["model"]["sha256"] != model["sha256"]:
        raise InputError(f"the model differs from the one of {where} ({old['model']['dir']}): use a new --out")
    if old["model"].get("writer") != model.get("writer"):
        raise InputError(f"--writer {model.get('writer') or '(the default)'} differs from the "
                         f"{old['model'].get('writer') or 'default'} writer of {where}: use a new --out")
    if int(old["plan"]["shard_size"]) != shard_size:
        raise InputError(f"--shard-size {shard_size} differs from the {old['plan']['shard_size']} of {where}")
    old_limit = old["plan"].get("limit")
    if old_limit != limit:  # another limit is another set of records: its shards would not line up
        raise InputError(f"{_limit_option(limit)} differs from the {_limit_option(old_limit)} of {where}: "
                         "use a new --out")


def _limit_option(limit: int | None) -> str:
    return "no --limit" if limit is None else f"--limit {limit}"


def new(plan: Plan, model: dict, settings: dict) -> dict:
    return {
        "format": FORMAT,
        "command": "summarizer batch",
        "status": "running",
        "created": now(),
        "inputs": [{"path": i.path, "sha256": i.sha256, "bytes": i.bytes, "records": i.records}
                   for i in plan.inputs],
        "model": model,
        "settings": settings,
        "plan": plan.to_json(),
        "runs": [],
    }


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def averages(rows) -> tuple[dict, dict, list[dict]]:
    """(counts, averages, bad rows) over all output rows: mean ROUGE F1 / tag F1 (×100) over the rows
    that have them, mean model seconds per cable."""
    n = ok = 0
    sums = dict.fromkeys(SCORE_KEYS, 0.0)
    ns = dict.fromkeys(SCORE_KEYS, 0)
    secs = 0.0
    bad = []
    for r in rows:
        n += 1
        if r.get("error"):
            bad.append(r)
            continue
        ok += 1
        secs += r.get("seconds") or 0.0
        for k, v in (r.get("scores") or {}).items():
            if k in sums and v is not None:
                sums[k] += v
                ns[k] += 1
    avg = {k: (round(sums[k] / ns[k], 2) if ns[k] else None) for k in SCORE_KEYS}
    avg["scored"] = {k: ns[k] for k in SCORE_KEYS}
    avg["seconds_per_cable"] = round(secs / ok, 4) if ok else None
    return {"records": n, "ok": ok, "errors": len(bad)}, avg, bad
