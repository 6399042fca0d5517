"""The one exception the model layer raises for anything wrong with a model directory."""
from __future__ import annotations


class ModelError(Exception):
    """A model directory that cannot be used (missing, corrupt, wrong architecture): one line for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))  # always a single line
