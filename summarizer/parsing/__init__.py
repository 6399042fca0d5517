"""Raw cable text → `Cable`. `parse` never raises on text; what it could not find goes in `warnings`."""
from __future__ import annotations

import re
from dataclasses import replace

from summarizer.cable import Cable
from summarizer.parsing import cable_id as ids
from summarizer.parsing import header as h
from summarizer.parsing import fields as f
from summarizer.parsing.body import parse_body, split_flat_signer
from summarizer.parsing.canonical import canonical_id, station_origin
from summarizer.parsing.clean import find_trailer, record_dump_spans, strip_inline_page_headers
from summarizer.parsing.export import parse_export
from summarizer.parsing.lines import MAX_LINES, Line, is_flattened, split_lines
from summarizer.parsing.normalize import Normalized, normalize
from summarizer.parsing.references import cable_ids, reference_items
from summarizer.parsing.summary import find_comment, find_summary
from summarizer.tags import describe

__all__ = ["parse", "NOT_A_CABLE"]

NOT_A_CABLE = "no cable header, paragraph markings or numbered paragraphs found: this does not look like a cable"
_MARKED = re.compile(r"\(\s*(?:U|C|S|SBU|S\s*//?\s*NF|C\s*//?\s*NF)\s*\)")


def parse(raw: str, hints: dict | None = None) -> Cable:
    norm = normalize(raw)
    cable = _parse(norm.text, _clean_hints(hints))
    if norm.text is not raw:
        cable.paragraphs = _raw_offsets(cable.paragraphs, norm)
        cable.warnings.extend(norm.warnings)
    return cable


def _raw_offsets(paragraphs, norm: Normalized):
    """Paragraph offsets into the normalised text → offsets into the raw text."""
    out = []
    for p in paragraphs:
        start = norm.raw_offset(p.start)
        out.append(replace(p, start=start, end=max(start, norm.raw_offset(p.end, end=True))))
    return out


def _parse(raw: str, hints: dict) -> Cable:
    export = parse_export(raw)
    trailer, trailer_signer = find_trailer(raw)
    if export.body_end is not None:
        trailer = min(trailer, export.body_end)  # the export's second copy of the cable: not read
    lines = split_lines(raw)
    cut = len(lines) >= MAX_LINES
    if export.body_start or trailer < len(raw):
        lines = [_clip(ln, trailer) for ln in lines if export.body_start <= ln.start < trailer]
    dumps = record_dump_spans(raw)
    if dumps:  # another mirror's record dump inside the text: no line of the cable
        lines = [ln for ln in lines if not any(a <= ln.start < b for a, b in dumps)]
    end = h.header_end(lines)
    head_lines = h.header_lines([ln.text for ln in lines[:end]])
    head = "\n".join(head_lines)
    station, serial = h.parse_station_serial(head)
    if " OF " in head:  # else no line holds a page header (the usual case: no call per line)
        head = "\n".join(strip_inline_page_headers(text, station) for text in head_lines)
    # (the export's table and second copy aside: the cable's own text is what lost its line breaks)
    flattened = is_flattened(raw[export.body_start:export.body_end] if export.body_start else raw)
    # No blank line in the body (the export format): headings are known by their shape alone.
    last = len(lines)
    while last > end and lines[last - 1].blank:
        last -= 1  # (the blank lines at the end: a file's last line break makes one)
    bare = not flattened and last > end + 1 and not any(ln.blank for ln in lines[end:last])
    header_texts = frozenset(t for ln in lines[:end] if (t := ln.text.strip()))
    if any(t.endswith("...") for t in header_texts):
        header_texts = frozenset()  # a page's header cut short: its whole copy below is no repeat of it
    body = parse_body(lines[end:], station, bare_headings=bare, header_texts=header_texts)
    if body.signer is None and body.paragraphs and (flattened or _unwrapped_end(raw, body.paragraphs[-1])):
        body.paragraphs, body.signer = split_flat_signer(body.paragraphs)
    summary, paragraphs, summary_idx, summary_warnings = find_summary(body.paragraphs)

    date = _iso(hints.get("date")) or _iso(export.fields.get("created")) or h.parse_date(head) or h.parse_date_line(head)
    own_station, own_serial = ids.own_station_serial(station, serial, h.written_serial(head), ids.parse_routed_station(head),
                                                     ids.parse_de_serial(head)) \
        if ids.routing_blocks_agree(head) else (None, None)
    own_id = ids.make_id(date or h.parse_reference_year(head), own_station, own_serial)
    table = None if own_id or hints.get("id") else ids.parse_page_table([ln.text for ln in lines], own_station, own_serial)
    if table:
        own_id, date = table[0], date or table[1]
    # Blank lines between: a paragraph must not read as the wrapped end of the "Classified By" line.
    classified_by, reasons = h.parse_classified_by(head, [p.text for p in paragraphs[:2]])
    tags = h.parse_tags(head) or hints.get("tags", [])
    cable_id = hints.get("id") or export.fields.get("identifier") or own_id
    cable_id = canonical_id(cable_id) or cable_id  # "08ECTION01OF02MANAMA492" → "08MANAMA492"
    year = cable_id[:2] if cable_id and cable_id[:2].isdigit() else (date[2:4] if date else None)
    refs = reference_items(h.field_text(head, "ref"), year, cable_id)
    recipients, info_recipients = f.parse_recipients(head)
    signer = body.signer or trailer_signer
    cable = Cable(
        id=cable_id,
        date=date,
        classification=hints.get("classification") or export.fields.get("classification") or h.parse_classification(head),
        origin=hints.get("origin") or export.fields.get("origin") or h.parse_origin(head) or (table[2] if table else None)
        or station_origin(station),  # no FM line (a partial extract): the classification line's station needs no year
        subject=h.parse_subject(head) or export.fields.get("title") or hints.get("subject"),
        tags=[describe(t) for t in tags],
        references=cable_ids(refs),
        reference_items=refs,
        classified_by=classified_by,
        classification_reasons=reasons,
        summary=summary,
        comment=find_comment(paragraphs),
        paragraphs=paragraphs,
        summary_paragraphs=summary_idx,
        signer=signer,
        warnings=summary_warnings,
        classifier=f.split_classifier(classified_by, reasons),
        decl=f.parse_decl(head) or f.parse_decl(raw),
        recipients=recipients,
        info_recipients=info_recipients,
        transmission_id=f.parse_transmission_id(raw),
        partial=f.is_partial(raw),
        signers=f.signers_of(signer),
    )
    cable.warnings.extend(_warnings(cable, raw, head, body, flattened))
    if export.body_end is not None:
        cable.warnings.append("the export's repeated copy of the cable left out (one copy read)")
    if cut:
        cable.warnings.append(f"text cut after {MAX_LINES:,} lines (real cables have under 1,600): the rest was not parsed")
    return cable


UNWRAPPED_LINE = 200  # characters: a wrapped telegram line has under 80


def _unwrapped_end(raw: str, last) -> bool:
    """Whether the last paragraph ends on a line that was never wrapped, where the signer may follow
    its last sentence on the same line ("... for the Arab Summit.  STEVENS"), as in flattened text."""
    return last.end - (raw.rfind("\n", last.start, last.end) + 1 or last.start) > UNWRAPPED_LINE


def _clean_hints(hints) -> dict:
    """Page metadata as the parser uses it: strings, and TAGS as a list of upper-case codes. A corpus
    record with a wrong type (a number, a TAGS string) must not break or garble the parse."""
    if not isinstance(hints, dict):
        return {}
    out = {k: v.strip() for k, v in hints.items() if isinstance(v, str) and v.strip() and k != "tags"}
    tags = hints.get("tags")
    if isinstance(tags, str):
        tags = re.split(r"[\s,;]+", tags)
    if isinstance(tags, list):
        out["tags"] = list(dict.fromkeys(t.strip().upper() for t in tags if isinstance(t, str) and t.strip()))
    return out


def _clip(ln: Line, end: int) -> Line:
    """The part of a line before `end` (where an appended record dump starts)."""
    if ln.end <= end:
        return ln
    return Line(ln.text[: end - ln.start].rstrip(), ln.start, ln.start + len(ln.text[: end - ln.start].rstrip()))


def _iso(value) -> str | None:
    """'2006-07-07 04:08' or '2006-07-07 04:08:00' → '2006-07-07T04:08'."""
    if not isinstance(value, str):
        return None
    m = re.match(r"^\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?", value)
    if not m:
        return None
    return m.group(1) + (f"T{m.group(2)}" if m.group(2) else "")


def _warnings(cable: Cable, raw: str, head: str, body, flattened: bool) -> list[str]:
    out: list[str] = []
    if not head.strip() and not cable.paragraphs:
        out.append("no text found")
    cable_like = bool(head.strip()) or any(p.number is not None or p.marking for p in cable.paragraphs) or _MARKED.search(raw)
    if not cable_like:
        out.append(NOT_A_CABLE)
        return out
    if not cable.tags:
        out.append("no TAGS line found")
    if not cable.subject:
        out.append("no SUBJECT line found")
    if cable.id is None:
        out.append("no cable id: none given and none could be built from the header")
    if body.header_repeats:
        out.append(f"repeated header block removed ({body.header_repeats} lines)")
    if body.repeats_removed:
        out.append(f"{body.repeats_removed} repeated paragraph(s) removed")
    if body.after_end:
        out.append(f"{body.after_end} line(s) after the end-of-message marker NNNN left out (trailer or another message)")
    if flattened:
        out.append("line breaks were lost: paragraphs recovered from paragraph numbers and labels")
    if not cable.paragraphs:
        out.append("no body paragraphs found")
    return out
