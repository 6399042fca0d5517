"""The page's topic labels and predicted TAGS (#topics), each predicted code with its evidence on hover:
the words of the cable that made the classifier give it ("Brazilian ×3", "sent from BRASILIA",
"patent (subject)"), so a reader can judge a code without trusting it.

The evidence comes from the TAGS classifier shipped in the package (`TagClassifier.evidence`); a code it
does not know (another model directory's) is shown without any.
"""
from __future__ import annotations

import html
import logging
from functools import cache
from importlib import resources

from summarizer.app.service import Analysis, tag_label
from summarizer.cable import Cable
from summarizer.tagging import TagClassifier

log = logging.getLogger(__name__)


@cache
def _shipped_classifier() -> TagClassifier | None:
    try:
        return TagClassifier.load(resources.files("summarizer") / "model" / "default")
    except (ValueError, KeyError, OSError) as e:  # the page still shows the codes, without evidence
        log.warning("no TAGS evidence on the page: %s", e)
        return None


def tag_evidence(cable: Cable, codes: list[str]) -> dict[str, list[str]]:
    """code -> the words that triggered it (empty where none is known)."""
    classifier = _shipped_classifier()
    if classifier is None or not codes:
        return {c: [] for c in codes}
    try:
        return classifier.evidence(cable, list(codes))
    except Exception as e:  # noqa: BLE001 - evidence is a help to the reader, never a reason to fail the page
        log.warning("TAGS evidence failed: %s: %s", type(e).__name__, e)
        return {c: [] for c in codes}


def _text(s: str) -> str:
    """Plain text inside the page's Markdown: HTML escaped, and Markdown's own characters too."""
    return "".join(f"\\{ch}" if ch in "\\`*_[]#|<>~" else ch for ch in html.escape(s, quote=False))


def topics_markdown(a: Analysis) -> str:
    topics = " · ".join(_text(t) for t in a.topics) or "—"
    gold = {c.upper() for c in a.cable.tag_codes}
    evidence = tag_evidence(a.cable, a.tags)
    tags = []
    for code in a.tags:
        name = tag_label(code)
        mark = " ✓" if code.upper() in gold else ""
        words = evidence.get(code) or []
        label = f"<code>{html.escape(code)}</code>{mark}" + (f" {html.escape(name)}" if name else "")
        if words:
            why = "evidence: " + "; ".join(words)
            label = f'<span class="tag-evidence" title="{html.escape(why, quote=True)}">{label}</span>'
        tags.append(label)
    out = f"**Topic labels:** {topics}\n\n**Predicted TAGS:** {' · '.join(tags) or '—'}"
    notes = []
    if any(evidence.get(c) for c in a.tags):
        notes.append("hover a code for the words that triggered it")
    if gold and a.tags:
        notes.append("✓ = also on the cable's own TAGS line")
    if notes:
        out += f"  \n<small>{'; '.join(notes)}</small>"
    return out
