"""`summarizer serve [--host 127.0.0.1] [--port 7860] [--model DIR] [--corpus OUT_DIR]`: the Gradio page and its API.

The Corpus tab searches the index of the batch run in OUT_DIR (`summarizer index`); without --corpus, the
dev split's (`../shared/data`), else the shipped examples', built in the background the first time the
tab is used (`summarizer.corpus.default`), so the start-up does not wait for it.

The model is loaded (and warmed up on the seed cable) once, before the server starts, in a second process
(`summarizer.model.process`) while this one imports Gradio and builds the page; a model directory that
cannot be used is a one-line error and exit status 2. Gradio is imported only here, so other commands do
not pay for it.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import time

from summarizer.commands._io import add_writer_option, say_loaded, say_loading
from summarizer.pipeline import model_failed

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the web page (Gradio) with its /summarize API")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes the page, "
                        "which has no login, to the network)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    p.add_argument("--model", default=None, help="model directory (default: the model shipped in the package)")
    p.add_argument("--corpus", default=None, metavar="OUT_DIR",
                   help="the batch run (or its index.sqlite) the Corpus tab searches (default: the dev split's "
                        "index, built in the background on first use)")
    p.add_argument("--no-warmup", action="store_true", help="skip the warm-up prediction on the seed cable")
    add_writer_option(p)
    p.set_defaults(run=run)


def _say(msg: str) -> None:
    print(f"summarizer serve: {msg}", file=sys.stderr, flush=True)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_error(host: str, port: int) -> str | None:
    """Why (host, port) cannot be listened on, or None; checked before the slow model load."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        return f"unknown host {host!r}: {e.strerror or e}"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no problem
        try:
            s.bind(addr)
        except OSError as e:
            return f"cannot listen on {host}:{port}: {e.strerror or e}"
    return None


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        _say(f"--port {args.port}: expected a port number from 1 to 65535")
        return 2
    problem = _bind_error(args.host, args.port)
    if problem:
        _say(problem)
        return 2
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from summarizer.app.corpus_service import CorpusSource
    from summarizer.corpus.default import DefaultIndexBuild
    from summarizer.inputs import InputError

    try:  # a bad --corpus is refused before the slow model load
        corpus = CorpusSource.of_run(args.corpus) if args.corpus else CorpusSource(build=DefaultIndexBuild(args.model))
    except InputError as e:
        _say(f"--corpus: {e}")
        return 2
    from summarizer.model.process import ModelProcess

    t0 = time.perf_counter()
    say_loading("serve", args.model, where=" in a second process while the page is built")
    model = ModelProcess(args.model, writer=args.writer)
    try:
        return _serve(args, model, corpus, t0)
    finally:
        model.close()


def _serve(args: argparse.Namespace, model, corpus, t0: float) -> int:
    # While the model loads in the other process: Gradio and the ROUGE scorer, this process's slow imports.
    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService
    from summarizer.metrics import load_rouge
    from summarizer.model import ModelError

    load_rouge()

    try:
        model.wait()
    except ModelError as e:
        _say(str(e))
        return 2
    say_loaded("serve", model.device, time.perf_counter() - t0)
    service = SummaryService(model)
    for note in service.notes:  # generation lengths over summarizer.limits.MAX_NEW_TOKENS
        _say(f"note: {note}")
    if not args.no_warmup:
        try:
            _say(f"warmed up on the seed cable in {service.warm_up():.1f} s")
        except Exception as e:  # noqa: BLE001 - a model that cannot answer is refused at the start
            _say(f"the seed cable: {model_failed(e)}")
            return 2
    demo = build_page(service, corpus)
    if not _is_loopback(args.host):
        _say(f"warning: binding {args.host} makes the page (which has no login) reachable from the network")
    try:
        launch(demo, host=args.host, port=args.port, quiet=True, prevent_thread_lock=True)
    except OSError as e:
        _say(f"cannot listen on {args.host}:{args.port}: {' '.join(str(e).split())}")
        return 2
    _say(f"serving on {demo.local_url} (API endpoint /summarize; Ctrl-C stops); "
         f"started in {time.perf_counter() - t0:.1f} s")
    try:
        demo.block_thread()  # returns on Ctrl-C, after closing the server
    except KeyboardInterrupt:
        demo.close()
    return 0
