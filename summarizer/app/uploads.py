"""What the page keeps of an upload: the file types it reads, a budget per client, deletion once read.

Gradio stores every upload under its upload folder, keeps it for `delete_cache` (an hour) and serves
it to anyone who has its path. So the upload route (`summarizer.app.guard`) keeps only the page's own
file types and charges each client's budget, and the page deletes a file as soon as it has read it.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

log = logging.getLogger("summarizer.app")

# One cable (.txt) on the first tab; a corpus on the Batch tab. Gradio keeps the file name it was sent.
UPLOAD_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz")


def allowed_upload(path: str) -> bool:
    return Path(path).name.lower().endswith(UPLOAD_SUFFIXES)


def msg_bad_type(names: list[str]) -> str:
    return (f"Refused upload of {', '.join(names)}: the page reads only .txt (one cable), .jsonl and .jsonl.gz "
            "(a corpus for the Batch tab).")


def msg_too_big(limit: int) -> str:
    return (f"Upload refused: the files of one request total over {limit // (1024 * 1024)} MB. Upload one "
            "corpus at a time (split a bigger corpus).")


def msg_over_budget(budget: int, window_s: int, retry_s: int) -> str:
    return (f"Upload refused: this client's upload budget ({budget // (1024 * 1024)} MB in {window_s // 60} "
            f"minutes) is spent; try again in {max(1, retry_s // 60)} minute(s).")


class UploadBudget:
    """Bytes each client may upload in a sliding window.

    A request reserves its declared size (or the per-request cap when it declares none) before it is read,
    so parallel uploads cannot overrun the budget together; `settle` then charges what was kept.
    Clients are told apart by address, so everyone behind one proxy shares a budget."""

    def __init__(self, budget: int, window_s: int):
        self.budget = budget
        self.window_s = window_s
        self._lock = threading.Lock()
        self._spent: dict[str, deque[list]] = defaultdict(deque)  # client -> [time, bytes] oldest first

    def _used(self, client: str, now: float) -> int:
        spent = self._spent[client]
        while spent and now - spent[0][0] > self.window_s:
            spent.popleft()
        return sum(n for _, n in spent)

    def reserve(self, client: str, n: int) -> list | None:
        """A reservation to settle later, or None when `n` more bytes would go over the budget."""
        now = time.monotonic()
        with self._lock:
            if self._used(client, now) + n > self.budget:
                return None
            entry = [now, n]
            self._spent[client].append(entry)
            return entry

    def settle(self, client: str, entry: list, kept: int) -> None:
        with self._lock:
            entry[1] = kept
            if not any(n for _, n in self._spent[client]):
                self._spent.pop(client, None)  # memory per client only while it holds a charge

    def retry_after(self, client: str) -> int:
        """Seconds until the oldest charge of `client` leaves the window."""
        with self._lock:
            spent = self._spent.get(client)
            if not spent:
                return 0
            return int(self.window_s - (time.monotonic() - spent[0][0])) + 1


def upload_folder() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def discard_upload(path: str | os.PathLike | None, blocks=None) -> None:
    """Delete an uploaded file (and its folder, once empty) after the page has read it.

    Only files inside Gradio's upload folder are touched: the service is also called on the user's own
    files (CLI, tests), which are not ours to delete."""
    if not path:
        return
    p = Path(path).resolve()
    root = upload_folder()
    if root not in p.parents:
        return
    try:
        p.unlink(missing_ok=True)
        if p.parent != root:
            p.parent.rmdir()  # Gradio gives each upload a folder named by its hash
    except OSError:
        pass  # the folder still holds another upload (same content, another name)
    if blocks is not None:
        blocks.upload_file_set.discard(str(path))
        blocks.upload_file_set.discard(str(p))
    log.debug("deleted upload %s", p.name)
