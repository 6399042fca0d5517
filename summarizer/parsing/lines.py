"""Raw text → lines with character offsets into the raw text.

Every later step works on `Line`s so that paragraphs can point back into the raw text (the page
highlights them). Text whose line breaks were lost (`mongo_json_flat`) is cut into pseudo-lines at
the places a cable always breaks: header labels, paragraph numbers and rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


_NEWLINE = re.compile(r"\r\n|\r|\n")

# Where a flattened cable had line breaks: before header labels, paragraph numbers ("¶3." or
# "3. (C)"), rules, and after a rule. Each alternative is anchored on cheap literal text.
_FLAT_BREAK = re.compile(
    r"(?=\bSIPDIS\b)"
    r"|(?=\bE\.\s?O\.\s?1\d{4})"
    r"|(?=\bTAGS?\s?:)"
    r"|(?=\bSUBJECT\s?:)"
    r"|(?=\bREFS?\s?:)"
    r"|(?=\bClassified\s+By\b)"
    r"|(?=\bCLASSIFIED\s+BY\b)"
    r"|(?=¶)"
    r"|(?<=\s)(?=\d{1,2}\.\s{1,3}\([A-Z/]{1,8}\))"
    r"|(?=-{6,}|={6,})"
    r"|(?<=-{6})(?=\s*[^\s-])"
    r"|(?<=={6})(?=\s*[^\s=])"
)
# A section heading just before a rule in flattened text ("End Summary.  Budgets and Balochistan ----").
_FLAT_HEADING = re.compile(r"\s{2,}(?=[A-Z][^.!?]{2,90}\s*$)")

FLAT_MIN_LINE_LENGTH = 600  # a real cable line is under ~100 characters; flattened ones run to thousands


# A paragraph glued to the end of a header line: "...reasons 1.4(b) and (d). 1.(C) Summary: ..."
_GLUED_PARAGRAPH = re.compile(r"(?<=[.:)]\s)\s*(?=\d{1,2}\.\s?\((?:U|C|S|SBU|TS|S/NF|C/NF|S//NF)\)|1\.\s+(?:\(\w{1,4}\)\s*)?SUMMARY\b)", re.I)


def split_lines(raw: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for m in _NEWLINE.finditer(raw):
        out.extend(_split_glued(Line(raw[pos:m.start()], pos, m.start())))
        pos = m.end()
    out.extend(_split_glued(Line(raw[pos:], pos, len(raw))))
    if any(len(ln.text) > FLAT_MIN_LINE_LENGTH for ln in out):
        return _unflatten(out)
    return out


def _split_glued(ln: Line) -> list[Line]:
    m = _GLUED_PARAGRAPH.search(ln.text)
    if not m or m.start() < 8:
        return [ln]
    cut = m.end()
    return [Line(ln.text[:cut].rstrip(), ln.start, ln.start + len(ln.text[:cut].rstrip())), Line("", ln.start + cut, ln.start + cut), Line(ln.text[cut:], ln.start + cut, ln.end)]


def is_flattened(raw: str) -> bool:
    return any(len(l) > FLAT_MIN_LINE_LENGTH for l in raw.splitlines())


def _unflatten(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for ln in lines:
        if len(ln.text) <= FLAT_MIN_LINE_LENGTH:
            out.append(ln)
            continue
        cuts = sorted({m.start() for m in _FLAT_BREAK.finditer(ln.text)} | {0, len(ln.text)})
        pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        for i, (a, b) in enumerate(pieces):
            nxt = ln.text[pieces[i + 1][0]:pieces[i + 1][1]] if i + 1 < len(pieces) else ""
            piece = ln.text[a:b]
            if re.match(r"\s*(?:-{6,}|={6,})", nxt):
                h = _FLAT_HEADING.search(piece)
                if h:  # split the heading off the paragraph it was glued to
                    out.append(_strip(Line(piece[: h.start()], ln.start + a, ln.start + a + h.start())))
                    out.append(Line("", ln.start + a + h.start(), ln.start + a + h.start()))
                    out.append(_strip(Line(piece[h.end():], ln.start + a + h.end(), ln.start + b)))
                    continue
            out.append(_strip(Line(piece, ln.start + a, ln.start + b)))
            if re.match(r"\s*(?:-{6,}|={6,})\s*$", piece) or re.match(r"\s*¶|\s*\d{1,2}\.\s", nxt):
                out.append(Line("", ln.start + b, ln.start + b))  # a paragraph boundary
    return out


def _strip(ln: Line) -> Line:
    lead = len(ln.text) - len(ln.text.lstrip())
    trail = len(ln.text) - len(ln.text.rstrip())
    return Line(ln.text.strip(), ln.start + lead, ln.end - trail)
