"""What `summarizer batch` shows on standard error while it works: one progress bar, redrawn in place,
with the cables done of the total, the rate, the time left and the shards written.

The bar is drawn only for a person watching (stderr is a terminal) and not with `--quiet`; the command's
lines before and after it are written either way. Until the first rows come back it says the model is
loading (each worker loads it first: 15-35 s on a 2-core machine, docs/scaling.md) and its clock runs;
from then on the rate and the time left count from the first rows, so the start-up does not make the
time left look three times longer than it is. The first rows' time is also kept for the manifest, to tell
the engine's start-up from its steady throughput.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Callable

REDRAW_SECONDS = 1.0  # between updates, so the clock runs while the workers load the model
BAR_CELLS = 24


def clock(seconds: float) -> str:
    """12:05, or 1:02:05 past an hour."""
    s = int(seconds)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m:02d}:{s % 60:02d}"


def _columns(stream: IO[str]) -> int:
    """The terminal's width; 80 where it reports none (a fresh pseudo-terminal says 0 columns)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


class BatchProgress:
    """Called with the number of rows of each finished chunk; `shards_written()` says how many of the
    `shards_total` shards are complete so far."""

    def __init__(self, total: int, shards_total: int, shards_written: Callable[[], int], show_bar: bool,
                 stream: IO[str] = sys.stderr):
        self.total = total
        self.shards_total = shards_total
        self.shards_written = shards_written
        self.start = time.perf_counter()
        self.first: tuple[float, int] | None = None  # (seconds to the first chunk, its rows)
        self.n = 0
        self.stream = stream
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drawn = False
        self._width = _columns(stream) - 1  # never the last column: some terminals wrap there
        self.shown = bool(show_bar and total)
        if self.shown:
            self._draw()
            threading.Thread(target=self._redraw, name="batch-progress", daemon=True).start()

    def line(self, now: float | None = None) -> str:
        """The bar as it reads now."""
        now = time.perf_counter() if now is None else now
        elapsed = now - self.start
        done = min(self.n, self.total)
        cells = BAR_CELLS * done // self.total if self.total else BAR_CELLS
        bar = "█" * cells + " " * (BAR_CELLS - cells)
        shards = f"shards {self.shards_written()}/{self.shards_total}"
        if self.first is None:
            return f"loading model |{bar}| {done}/{self.total} cables [{clock(elapsed)}, {shards}]"
        t0, n0 = self.first
        steady = elapsed - t0
        if self.n > n0 and steady > 0:  # rows since the first ones, over the time since them
            rate = (self.n - n0) / steady
        else:  # only the first chunk so far: its rows over the whole wait, a rate too low at worst
            rate = self.n / elapsed if elapsed > 0 else 0.0
        left = clock((self.total - done) / rate) if rate > 0 else "?"
        pct = 100 * done // self.total
        return (f"batch {pct:3d}% |{bar}| {done}/{self.total} cables "
                f"[{clock(elapsed)}<{left}, {rate:.2f} cables/s, {shards}]")

    def _draw(self, final: bool = False) -> None:
        with self._lock:
            text = self.line()[: self._width]
            self.stream.write("\r" + text.ljust(self._width) + ("\n" if final else ""))
            self.stream.flush()
            self._drawn = True

    def _redraw(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self._draw()

    def __call__(self, n: int) -> None:
        if self.first is None:
            self.first = (time.perf_counter() - self.start, n)
        self.n += n
        if self.shown:
            self._draw()

    def close(self) -> None:
        """The last frame stays on its own line, so the command's next lines start on a fresh one."""
        self._stop.set()
        if self.shown and self._drawn:
            self._draw(final=True)
            self.shown = False
