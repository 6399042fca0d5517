"""Body lines → clean paragraphs (with offsets), the signer, and one copy of repeated blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.cable import Paragraph
from summarizer.parsing.clean import RULE, clean_text, is_noise, split_number_and_marking, strip_page_header
from summarizer.parsing.header import CLASSIFICATION_LINE, label_of
from summarizer.parsing.lines import Line

_PARA_START = re.compile(r"^\s*(?:¶\s*\d{1,2}\s?\.|\d{1,2}\s?\.(?!\d)\s*(?:\(|[A-Z\"']))")
_SENTENCE_END = re.compile(r"[.!?:;\"')\]]\s*$")
_SIGNER = re.compile(r"^\s*[A-Z][A-Z.'\-]+(?:\s+[A-Z][A-Z.'\-]+){0,2}\s*$")
_HEADING_MAX = 90


@dataclass
class Body:
    paragraphs: list[Paragraph] = field(default_factory=list)
    signer: str | None = None
    repeats_removed: int = 0  # paragraphs dropped as copies of earlier ones
    header_repeats: int = 0  # header lines met again inside the body


def parse_body(lines: list[Line]) -> Body:
    body = Body()
    blocks: list[list[Line]] = []
    headings: dict[int, str] = {}  # block index → heading above it
    cur: list[Line] = []
    pending_heading: str | None = None
    skipping_header = False

    def flush() -> None:
        nonlocal cur, pending_heading
        if cur:
            if pending_heading:
                headings[len(blocks)] = pending_heading
                pending_heading = None
            blocks.append(cur)
            cur = []

    for i, ln in enumerate(lines):
        text = ln.text
        if skipping_header:
            if ln.blank or _PARA_START.match(text):
                skipping_header = False
            elif not label_of(text):
                continue
        if RULE.match(text):
            # A heading is the line above the rule: alone, or after a finished sentence.
            if cur and _is_heading(cur[-1]) and (len(cur) == 1 or _SENTENCE_END.search(cur[-2].text)):
                heading = clean_text(cur.pop().text)
                flush()
                pending_heading = heading
            else:
                flush()
            continue
        if ln.blank:
            flush()
            continue
        if is_noise(text):
            continue
        label = label_of(text)
        if label in ("tags", "subject", "eo", "classified_by", "ref") or (CLASSIFICATION_LINE.match(text) and not cur):
            # The header again: the export format and partial extracts repeat it before the body.
            flush()
            body.header_repeats += 1
            skipping_header = label in ("subject", "classified_by", "tags", "ref")
            continue
        if _PARA_START.match(text) and (not cur or _SENTENCE_END.search(cur[-1].text) or "¶" in text[:3]):
            flush()
        elif _is_signer(lines, i, cur):
            flush()
            body.signer = text.strip()
            continue
        cur.append(Line(strip_page_header(text), ln.start, ln.end))
    flush()

    seen: list[str] = []
    for bi, block in enumerate(blocks):
        para = _paragraph(block, headings.get(bi))
        if para is None:
            continue
        key = _key(para.text)
        if _is_repeat(key, seen):
            body.repeats_removed += 1
            continue
        seen.append(key)
        body.paragraphs.append(para)
    _merge_headings(body.paragraphs)
    return body


def _paragraph(block: list[Line], heading: str | None) -> Paragraph | None:
    number, marking, first = split_number_and_marking(block[0].text)
    text = clean_text(" ".join([first, *(l.text for l in block[1:])]))
    if not text:
        return None
    lead = len(block[0].text) - len(block[0].text.lstrip())
    return Paragraph(number=number, marking=marking, text=text, start=block[0].start + lead, end=block[-1].end, heading=heading)


def _is_heading(line: Line) -> bool:
    text = line.text.strip()
    return 0 < len(text) <= _HEADING_MAX and not _PARA_START.match(text) and not text.endswith((".", ","))


def _is_signer(lines: list[Line], i: int, cur: list[Line]) -> bool:
    """A lone capitalised name after a finished sentence, with nothing but noise or a header after it."""
    if not _SIGNER.match(lines[i].text) or not cur or not _SENTENCE_END.search(cur[-1].text):
        return False
    for nxt in lines[i + 1:]:
        if nxt.blank or is_noise(nxt.text):
            continue
        return bool(label_of(nxt.text) or CLASSIFICATION_LINE.match(nxt.text))
    return True


def _merge_headings(paragraphs: list[Paragraph]) -> None:
    """An unruled heading ('KEY POINTS' above '1.') becomes the next paragraph's heading."""
    i = 0
    while i + 1 < len(paragraphs):
        p, nxt = paragraphs[i], paragraphs[i + 1]
        if p.number is None and p.marking is None and nxt.heading is None and nxt.number is not None and _is_heading_text(p.text):
            paragraphs[i + 1] = Paragraph(nxt.number, nxt.marking, nxt.text, nxt.start, nxt.end, heading=p.text)
            del paragraphs[i]
            continue
        i += 1


def _is_heading_text(text: str) -> bool:
    return len(text) <= 60 and not text.endswith((".", ",", ":", ";")) and len(text.split()) <= 8


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _is_repeat(key: str, seen: list[str]) -> bool:
    if key in seen:
        return True
    # A truncated second copy ("...located on the edge of the same") is a prefix of the first.
    return len(key) >= 40 and any(s.startswith(key) for s in seen)
