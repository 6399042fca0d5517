"""Shared by every test module."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _load_times_in_tmp(tmp_path_factory):
    """Every command remembers its model load time (`summarizer.commands._io.load_with_progress`): the
    suite's many throw-away model directories go to a folder of its own, not the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()
