"""`Cable` → a clean cable text in the common telegram layout, one copy of everything.

Used to show a parsed cable as plain text and to check the parser: parsing the rendered text gives
back the same fields (`tests/test_parse_properties.py`).
"""
from __future__ import annotations

from datetime import datetime

from summarizer.cable import Cable

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def render(cable: Cable) -> str:
    head: list[str] = []
    dtg = _dtg(cable.date)
    if dtg:
        head.append(f"O {dtg}")
    if cable.origin:
        head.append(f"FM {cable.origin.upper()}")
    station = _station_serial(cable.id)
    if station:
        head += ["", f"{cable.classification or 'UNCLASSIFIED'} {station}"]
    elif cable.classification:
        head += ["", cable.classification]
    head.append("")
    if cable.tags:
        head.append("TAGS: " + " ".join(cable.tag_codes))
    if cable.subject:
        head.append(f"SUBJECT: {cable.subject}")
    if cable.references:
        head.append("REF: " + " ".join(f"{chr(65 + i)}. {r}" for i, r in enumerate(cable.references)) if len(cable.references) > 1 else f"REF: {cable.references[0]}")
    if cable.classified_by:
        reasons = " and ".join(cable.classification_reasons)
        head.append(f"Classified By: {cable.classified_by}, reasons {reasons}" if reasons else f"Classified By: {cable.classified_by}")
    return "\n".join(head) + "\n\n" + "\n\n".join(_paragraphs(cable)) + (f"\n\n{cable.signer}\n" if cable.signer else "\n")


def _paragraphs(cable: Cable) -> list[str]:
    out: list[str] = []
    summary = set(cable.summary_paragraphs)
    first, last = (min(summary), max(summary)) if summary else (-1, -1)
    for i, p in enumerate(cable.paragraphs):
        text = p.text
        if i == first:
            text = f"Summary: {text}"
        if i == last:
            text = f"{text} End Summary."
        lead = (f"{p.number}. " if p.number is not None else "") + (f"({p.marking}) " if p.marking else "")
        block = f"{lead}{text}"
        if p.heading:
            block = f"{p.heading}\n{'-' * max(3, len(p.heading))}\n\n{block}"
        out.append(block)
    return out


def _dtg(date: str | None) -> str | None:
    """'2006-07-07T04:08' → '070408Z JUL 06'."""
    if not date:
        return None
    try:
        d = datetime.strptime(date[:16], "%Y-%m-%dT%H:%M") if "T" in date else datetime.strptime(date[:10], "%Y-%m-%d")
    except ValueError:
        return None
    return f"{d:%d%H%M}Z {_MONTHS[d.month - 1]} {d:%y}"


def _station_serial(cid: str | None) -> str | None:
    """'06TOKYO3797' → 'TOKYO 003797' (the classification line's station and serial)."""
    if not cid or len(cid) < 4 or not cid[:2].isdigit():
        return None
    rest = cid[2:]
    k = len(rest) - len(rest.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    station, serial = rest[:k], rest[k:]
    if not station or not serial.isdigit():
        return None
    return f"{station} {int(serial):06d}"
