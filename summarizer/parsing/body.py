"""Body lines → clean paragraphs (with offsets), the signer, and one copy of repeated blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from operator import itemgetter

from summarizer.cable import Paragraph
from summarizer.parsing.clean import RULE, clean_text, is_noise, split_number_and_marking, strip_page_header
from summarizer.parsing.header import FIRST_PARAGRAPH, LABEL_STARTS, classification_line, ends_field, is_distribution_line, label_of
from summarizer.parsing.lines import SENTENCE_CLOSERS, Line

_PARA_FIRST = frozenset("¶0123456789")
# A line inside a paragraph that starts with one of these letters is plain prose: no label, noise,
# rule, paragraph number or signer starts so (labels and the partial-extract line start t, s, r, e, c).
_PLAIN_FIRST = frozenset("abdfghijklmnopquvwxyz")
# Of the other lower-case letters, a wrapped line of prose starting so can only be a (lower-cased)
# label or the partial-extract line: tested for these alone, it goes the same quick way.
_LOWER_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz")
# is_noise can only be true for lines starting with a capital, digit, rule character, "." or "t".
_NOISE_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-=_*.t")
_RULE_FIRST = frozenset("-=_*")
_PARA_START = re.compile(r"^\s*(?:¶\s*\d{1,2}\s?\.|\d{1,2}\s?\.(?!\d)\s*(?:\(|[A-Z\"']))")


_CLOSERS = SENTENCE_CLOSERS | {"\u201d", "\u2019"}  # and the curly closing quotes: "... the wrong reasons.”"


def _ends_sentence(text: str) -> bool:
    """The last character that is not a space closes a sentence (a test of one character, not a
    regex scan of the whole line), or the line ends with an end marker without its period ("... End
    Summary", "END COMMENT")."""
    last = text.rstrip()[-1:]
    return last in _CLOSERS or (last in "YyTtEeSs" and _END_TAIL.search(text) is not None)


_END_TAIL = re.compile(r"\bEND\s+(?:OF\s+)?(?:SUMMARY|COMMENTS?|NOTE|TEXT)\s*$", re.I)


# A line that stops inside a sentence ("... a new, fresh page in the"), and a line that carries one on
# ("relationship, with the Ambassador as ..."), not a list item ("a. The EU ...", "o the ...").
_CUT_OFF = re.compile(r"(?:[A-Za-z0-9,]\)?|,[\"\u201d'])\s*$")
_LIST_ITEM = re.compile(r"(?:[a-z]{1,3}[.)]|o)\s")


def _continues(before: str, line: str) -> bool:
    """`line`, starting with a lower-case letter after blank lines, carries on the sentence that
    `before` (the last line of the paragraph above) left unfinished: Cablegate breaks a sentence
    with a page header ("REYKJAVIK 00000068  002 OF 011") or with the "SIPDIS" it inserts after
    "Secretary", each between blank lines (2,119 paragraphs in 1,319 of the 6,201 train and dev cables)."""
    return bool(_CUT_OFF.search(before)) and not _LIST_ITEM.match(line)


_SIGNER = re.compile(r"^\s*[A-Z][A-Z.'\-]+(?:\s+[A-Z][A-Z.'\-]+){0,2}\s*$")
# A mixed-case name ("Virden", "LeBaron") counts only as the very last line of the cable.
_SIGNER_LAST = re.compile(r"^\s*[A-Z][A-Za-z.'\-]+(?:\s+[A-Z][A-Za-z.'\-]+){0,2}\s*$")
# An end marker at the start of a line that looks like a lone name ("End Summary.", "END COMMENT.",
# "End Text. AGUIRRE", "END PRT COMMENT."): it ends the text above; only what follows it can sign.
_END_MARKER = re.compile(r"\s*+END\s++(?:OF\s++)?(?:[A-Z]{2,4}\s++)?(?:SUMMARY|COMMENTS?|TEXT|NOTE)\b[.:]?", re.I)
_HEADING_MAX = 90
_RULE_TEXT = r"(?:-{3,}+|={3,}+|(?:-\s){2,}-)"  # (three spaced dashes frame a heading: "- - - Comment: ... - - -")
_BEFORE_HEADING = re.compile(r".*[.!?][\"')]?\s{2,}(?=\S)")  # two spaces: "The U.S. Offer" is one heading
# The heading ends on a character that is not a space or a rule's, and all that follows it is dashes,
# equals signs and spaces with a rule among them ("Impede ------- -------", "Cooperation -- - - - -").
# The lookahead stops at the next word, so each heading length tried costs only the gap after it.
_RULED_HEADING = re.compile(
    rf"^\s*+(?:(?:{_RULE_TEXT}|-)\s*+)*+(?P<h>[^-=\s](?:[^\n]{{0,87}}?[^-=\s])?)"  # (a rule broken in two: "----- ---")
    rf"(?=[-=\s]*+$)[-=\s]*?{_RULE_TEXT}[-=\s]*+$")
# _RULED_HEADING ends with a rule: a line whose last character is not one of these cannot match
# (tested first, as prose with a "--" in it is common and the lazy heading scan is not cheap).
_RULE_LAST = ("-", "=")
# The end of the embassy web banner ("... SIPRNET website.", "XXXXXXXXXXXX", "*****"): a signer may follow.
_BANNER_END = re.compile(r"(?:[Ww]ebsite\.?|WEBSITE\.?|(?<!X)X{6,}+|(?<!\*)\*{4,}+|https?://\S++(?:\s[a-z]{1,4})?)\s*+$")
# The end of a quoted message ("CIANCHETTE" / "UNQUOTE" / "" / "RICE"): the name after it signs this one.
_UNQUOTE_END = re.compile(r"\b(?:UNQUOTE|END\s+QUOTE)\.?\s*$")
BANNER_TAIL = 400  # characters; a banner and its signer take ~150
# A name after the banner at the very end: "Visit ... Website: XXXXXXXXXXXX TUTTLE".
_BANNER_SIGNER = re.compile(
    r"(?:[Ww]ebsite|WEBSITE|Web\s+Site)\b.{0,300}?(?:X{6,}+|https?://\S++(?:\s[a-z]{1,4}\b)?|SIPRNET\s+website\.?)[\s*]*+"
    r"(?P<name>[A-Z][A-Za-z.'\-]+(?:\s+[A-Z][A-Za-z.'\-]+){0,2}?)\s*\.?\s*$"
)


@dataclass
class Body:
    paragraphs: list[Paragraph] = field(default_factory=list)
    signer: str | None = None
    repeats_removed: int = 0  # paragraphs dropped as copies of earlier ones
    header_repeats: int = 0  # header lines met again inside the body
    after_end: int = 0  # text lines after the end-of-message marker "NNNN" (left out)


def parse_body(lines: list[Line], station: str | None = None, bare_headings: bool = False,
               header_texts: frozenset[str] = frozenset()) -> Body:
    """`station` (from the classification line) names the page headers to drop from running text.
    `bare_headings`: the text has no blank lines (the export format), so a heading is told from the
    text around it by its shape alone (_is_bare_heading). `header_texts`: the header's lines (stripped):
    a field of the header met again word for word is skipped as far as its lines are the header's."""
    body = Body()
    blocks: list[list[Line]] = []
    headings: dict[int, str] = {}  # block index → heading above it
    cur: list[Line] = []
    pending_heading: str | None = None
    skipping_header = exact_repeat = False
    skipped: str | None = None  # the field whose lines are skipped
    # After a repeated header line (its classification line, SIPDIS): the distribution lines of the
    # repeat ("IO/HR FOR PAUL KRUCHOWSKI") and their wrapped continuations are header, not text.
    in_repeat = routing = False
    repeat_lines = False  # `cur` holds only lines met since a repeated header line (see the field check below)
    width = _wrap_width(lines) if bare_headings else 0

    def flush() -> None:
        nonlocal cur, pending_heading, repeat_lines
        repeat_lines = False
        if cur:
            if pending_heading:
                headings[len(blocks)] = pending_heading
                pending_heading = None
            blocks.append(cur)
            cur = []

    for i, ln in enumerate(lines):
        text = ln[0]
        if ("NNNN" in text or text.strip() == "Nnnn") and (end := end_of_message(text)) is not None:
            before, name = end
            if before:
                cur.append(Line(before, ln.start, ln.start + len(before)))
            elif cur and (m := _FLAT_SIGNER.search(cur[-1].text)):  # "... END COMMENT. HOAGLAND" / "NNNN"
                last = cur[-1]
                name, cur[-1] = m.group(1), Line(last.text[:m.start()], last.start, last.start + m.start())
            flush()
            body.signer = body.signer or name
            body.after_end = sum(not nxt.blank for nxt in lines[i + 1:])
            break
        s = text.lstrip()
        c = s[0] if s else ""  # gates the regexes below: each can only match lines starting so
        if cur and not skipping_header and c in _LOWER_FIRST and "--" not in text and "==" not in text \
                and "- -" not in text and "PAGE" not in text \
                and (c in _PLAIN_FIRST or (not label_of(text) and (c != "t" or s[:11].lower() != "this record"))):
            cur.append(ln)  # a wrapped line of prose: none of the checks below can apply
            continue
        if skipping_header:
            if exact_repeat and c:
                # the export's copy of the header: its lines are the header's, the first other line is text
                # ("REF: STATE 9584" / "On February 5, 2010, Econoff delivered reftel demarche to")
                if _in_header(text.strip(), header_texts):
                    continue
                skipping_header = False
            # a rule ends a repeated header too: a ruled "Summary" heading may follow at once
            elif not c or (c in _PARA_FIRST and _PARA_START.match(text)) or (c in _RULE_FIRST and RULE.match(text)) \
                    or ends_field(skipped, text, lines[i + 1].text if i + 1 < len(lines) else None):
                skipping_header = False
            elif not label_of(text):
                continue
        if ("--" in text or "==" in text or "- -" in text) and text.rstrip()[-1:] in _RULE_LAST \
                and (hm := _RULED_HEADING.match(text)) and not _PARA_START.match(hm.group("h")):
            # "---- Embraer, a Winner ----" or "THE U.S. OFFER -------": a heading and its rule on one line.
            # Text before it that ends a sentence ("End Summary.  Iranians Prefer ... ----") stays content.
            heading = hm.group("h")
            before = _BEFORE_HEADING.match(heading)
            if before:
                cut = hm.start("h") + before.end()
                cur.append(Line(text[:cut].rstrip(), ln.start, ln.start + len(text[:cut].rstrip())))
                heading = heading[before.end():]
            elif cur and _DASH_HEAD.match(cur[-1].text.lstrip()) and len(cur[-1].text.strip()) <= _HEADING_MAX \
                    and not _ends_sentence(cur[-1].text) and _DASH_HEAD.sub("", cur[-1].text.strip())[:1].isupper():
                # its first line above: "- - - High-Level Visits, Dialogue, Thinking Needed in" / "Relationship - - -"
                heading = _DASH_HEAD.sub("", cur.pop().text.strip()) + " " + heading
            flush()
            pending_heading = clean_text(heading)
            continue
        if c in _RULE_FIRST and RULE.match(text):
            routing = in_repeat = False  # ("SUMMARY" between rules after a repeated header: no routing line)
            # A heading is the line above the rule (or two or three lines, wrapped): alone, or after a
            # finished sentence ("LONGER TERM WORRIES: REGIONAL ISOLATION," / "MILITARY IMBALANCE ...").
            k = _ruled_heading_lines(cur, bare_headings)
            if k:
                heading = clean_text(" ".join(ln.text.strip() for ln in cur[-k:]))
                del cur[-k:]
                flush()
                pending_heading = heading
            else:
                flush()
            continue
        if not c:
            flush()
            routing = False
            continue
        if c in _NOISE_FIRST and _may_be_noise(s) and is_noise(text):
            in_repeat = in_repeat or (not cur and c.isalpha() and classification_line(text) is not None)
            continue
        if in_repeat and not cur and (routing or (c.isupper() and is_distribution_line(text))) \
                and not (c in _PARA_FIRST and _PARA_START.match(text)) and not label_of(text):
            body.header_repeats += 1
            routing = True
            continue
        routing = False  # a wrapped distribution line ends at the first line that is none
        two = s[:2].upper()  # header.label_of's own first test, inlined: this runs for every line
        label = label_of(text) if (c == "¶" or two in LABEL_STARTS or (c in "Ee" and two[1:2].isspace())) else None
        if label in ("tags", "subject", "eo", "classified_by", "ref") or (not cur and c.isalpha() and classification_line(text)):
            # The header again: the export format and partial extracts repeat it before the body.
            if repeat_lines and cur:  # lines between the repeated classification line and this field
                body.header_repeats += len(cur)  # ("DEPT OF TREASURY - SARA SENICH"): header, not text
                cur = []
            flush()
            body.header_repeats += 1
            skipping_header = label in ("subject", "classified_by", "tags", "ref")
            skipped = label
            exact_repeat = text.strip() in header_texts
            in_repeat = True
            continue
        repeat_lines = repeat_lines or (in_repeat and not cur)
        in_repeat = False
        if bare_headings and cur and not repeat_lines and (c.isupper() or c in _PARA_FIRST or c == "(") \
                and _is_bare_heading(cur, width, c in _PARA_FIRST and bool(_PARA_START.match(text))):
            heading = clean_text(cur.pop().text)
            flush()
            pending_heading = heading
        if c in _PARA_FIRST and _PARA_START.match(text) \
                and (not cur or _ends_sentence(cur[-1].text) or "¶" in text[:3] or FIRST_PARAGRAPH.match(text)):
            flush()
        # (every _SIGNER line matches _SIGNER_LAST too)
        elif body.signer and not cur and text.strip() == body.signer:
            continue  # the signer's name again ("RICE" / "RICE")
        elif c.isupper() and _SIGNER_LAST.match(text) and (at := _signer_at(lines, i, cur)) is not None:
            if at:  # "End Text. AGUIRRE": the marker closes the text above it, the name signs
                kept = text[:at].rstrip()
                cur.append(Line(kept, ln.start, ln.start + len(kept)))
            flush()
            body.signer = text[at:].strip()
            continue
        if not cur and blocks and pending_heading is None and c in _LOWER_FIRST and _continues(blocks[-1][-1].text, s):
            cur = blocks.pop()  # one sentence cut by a page header or "SIPDIS" between blank lines
        cur.append(ln if "PAGE" not in text else Line(strip_page_header(text), ln.start, ln.end))
    flush()

    seen = _Seen()
    for bi, block in enumerate(blocks):
        para = _paragraph(block, headings.get(bi), station)
        if para is None:
            continue
        key = _key(para.text)
        if seen.is_repeat(key):
            body.repeats_removed += 1
            continue
        seen.add(key)
        body.paragraphs.append(para)
    _merge_headings(body.paragraphs)
    _take_trailing_signer(body, blocks)
    return body


# A signer after the last sentence of a cable whose line breaks were lost: "... End comment.  PATTERSON".
_FLAT_SIGNER = re.compile(r"(?<=[.!?\"')])\s+(?!END\b|TEXT\b)([A-Z][A-Z'\-]{2,}(?:\s+[A-Z][A-Z'\-]{2,}){0,2})\s*$")


def split_flat_signer(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], str | None]:
    """(paragraphs with the signer cut off the last one, the signer) for flattened text."""
    if not paragraphs:
        return paragraphs, None
    m = _FLAT_SIGNER.search(paragraphs[-1].text)
    if not m:
        return paragraphs, None
    last = replace(paragraphs[-1], text=paragraphs[-1].text[: m.start()])
    return [*paragraphs[:-1], last], m.group(1)


def end_of_message(text: str) -> tuple[str, str | None] | None:
    """(the text before it, a signer run into it) when `text` holds the end-of-message marker "NNNN"
    as a word: "NNNN 2004CARACA02200 - CONFIDENTIAL", "HALL NNNN ...", "... for Turkish Catholics.
    HARDT NNNN ...". What follows it is the transmission's trailer or another message. None otherwise."""
    if text.strip() == "Nnnn":  # the marker alone on its line, retyped in mixed case (08STATE15220)
        return "", None
    at = text.find("NNNN")
    while at != -1:
        if (at == 0 or text[at - 1].isspace()) and (at + 4 == len(text) or text[at + 4].isspace()):
            head = text[:at].rstrip()
            if _SIGNER.match(head):
                return "", head.strip()
            m = _FLAT_SIGNER.search(head)
            return (head[:m.start()], m.group(1)) if m else (head, None)
        at = text.find("NNNN", at + 4)
    return None


def _take_trailing_signer(body: Body, blocks: list[list[Line]]) -> None:
    """A signer run into the web banner ("... Website: XXXXXXXXXXXX TUTTLE"): cleaning removed the
    banner, so the name is left at the end of the last paragraph."""
    if body.signer or not body.paragraphs or not blocks:
        return
    # Only the end of the block: the signer closes the cable, and a search from every "Website" of a
    # long block would be quadratic.
    m = _BANNER_SIGNER.search(" ".join(ln.text for ln in blocks[-1])[-BANNER_TAIL:])
    if not m:
        return
    name, last = m.group("name"), body.paragraphs[-1]
    if last.text == name:
        body.paragraphs.pop()
    elif last.text.endswith(" " + name):
        body.paragraphs[-1] = replace(last, text=last.text[: -len(name)].rstrip())
    else:
        return
    body.signer = name


# A paragraph that is only the handling caveat, "SENSITIVE BUT UNCLASSIFIED - PLEASE PROTECT
# ACCORDINGLY.": no content (the export format runs it into the header, where it is no paragraph).
CAVEAT = re.compile(
    r"(?i:(?:this\s+(?:cable|message)\s+is\s+|entire\s+text\s+(?:is\s+)?)?sensitive\s+but\s+unclassified[\s.,;:\-]*+"
    r"(?:(?:please\s+)?(?:protect|handle)\s+accordingly[.!]?\s*+)?(?:not\s+for\s+(?:internet|public)\s+distribution[.!]?\s*+)?)")


def _paragraph(block: list[Line], heading: str | None, station: str | None = None) -> Paragraph | None:
    head = block[0]
    number, marking, first = split_number_and_marking(head.text)
    text = clean_text(" ".join([first, *map(itemgetter(0), block[1:])]) if len(block) > 1 else first, station)
    if not text or (text[0] in "STEst" and CAVEAT.fullmatch(text)):
        return None
    lead = len(head.text) - len(head.text.lstrip())
    return Paragraph(number, marking, text, head.start + lead, block[-1].end, heading)  # (positional: faster)


_BARE_HEADING_WORDS = 10


def _wrap_width(lines: list[Line]) -> int:
    """The width the text's lines wrap at: the length that nine lines in ten stay within (not the
    longest: a paragraph left unwrapped would make every wrapped line look short)."""
    lengths = sorted(len(ln.text) for ln in lines if ln.text)
    return lengths[(len(lengths) * 9) // 10] if lengths else 0


_FUNCTION_WORDS = frozenset("a an the of in on at to for from by with and or but as that than into".split())


def _is_bare_heading(cur: list[Line], width: int, numbered_next: bool = False) -> bool:
    """Whether the last line of the block is a heading over the next paragraph, in text with no blank
    lines: a line well short of the text's wrapping width (`width`, its longest line) with no closing
    punctuation (a "?" may close it) and no function word last, after a finished sentence or alone,
    such as "Who are we dealing with?", "STEEP HIDDEN COSTS" or "//COMMENT//". Over a numbered
    paragraph (`numbered_next`) the last line of a paragraph would close its sentence, so any line up
    to a heading's length that does not is one ("June 13 EU Parliament Election: Turnout Key",
    "2.7 Million Moroccans Crossing the Strait This Summer")."""
    text = cur[-1].text.strip()
    if _DASH_TAIL.search(text):  # "Competition --", "- - - DCA a Continuing Issue - - -" (not "-- a list item")
        text = _DASH_HEAD.sub("", _DASH_TAIL.sub("", text))
    longest = _HEADING_MAX if numbered_next else min(70, 0.6 * width)
    words = _HEADING_WORDS if numbered_next else _BARE_HEADING_WORDS
    if not (0 < len(text) <= longest and len(text.split()) <= words) \
            or text.endswith((".", ",", ";", ":", "-")) or text.rsplit(None, 1)[-1].lower() in _FUNCTION_WORDS:
        return False
    if not (text[0].isupper() or text[0] in "/\"'" or (numbered_next and text[0].isdigit())) or _PARA_START.match(text):
        return False
    if _END_MARKER.match(text) or (text.endswith(")") and "(" not in text) or _FIELD_VALUE.search(text):
        return False  # the end of a comment or note ("End Comment)"), a labelled value ("Vetting #: 99546")
    return len(cur) == 1 or _ends_sentence(cur[-2].text)


_HEADING_WORDS = 14
_FIELD_VALUE = re.compile(r":[\s\d#/.,()-]*\d[\s\d#/.,()-]*$")  # "Vetting #: 99546", "End Date: 7/26/2010"
_DASH_TAIL = re.compile(r"(?<=\S)\s++(?:-\s*+){2,}$")  # dashes after a heading (one is a hyphen's)
_DASH_HEAD = re.compile(r"^(?:-\s*+){2,}")
MAX_HEADING_LINES = 3


def _ruled_heading_lines(cur: list[Line], bare: bool) -> int:
    """How many lines at the end of the block are a heading over a rule (0: none): one to three short
    lines that close no sentence (a wrapped one may end with a comma), at most _HEADING_MAX characters
    together, alone in the block or after a finished sentence. In text with no blank lines (`bare`) a
    one-line heading in capitals may also follow a line that closes no sentence ("¶2. (C) XXXXXXXXXXXX"
    / "DOING BUSINESS IN THE DPRK" / "-----")."""
    total = 0
    for k in range(1, min(MAX_HEADING_LINES, len(cur)) + 1):
        line = cur[-k]
        total += len(line.text.strip()) + 1
        if total > _HEADING_MAX + 1 or not (_is_heading(line) or (k > 1 and line.text.rstrip().endswith(","))):
            break
        if k == len(cur) or _ends_sentence(cur[-k - 1].text):
            return k
    if bare and len(cur) > 1 and _is_heading(cur[-1]) and _is_capitals_heading(cur[-1].text) \
            and not cur[-2].text.rstrip().endswith(","):
        return 1
    return 0


def _is_capitals_heading(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters) and not set(text.strip()) <= set("X ")


def _is_heading(line: Line) -> bool:
    text = line.text.strip()
    return 0 < len(text) <= _HEADING_MAX and not _PARA_START.match(text) and not text.endswith((".", ","))


def _signer_at(lines: list[Line], i: int, cur: list[Line]) -> int | None:
    """Where the signer's name starts in line i (0, or after an end marker: "End Text. AGUIRRE"), or
    None if the line is not a lone capitalised name after a finished sentence, with nothing but noise
    or a header after it.

    The name may stand after a blank line ("... End Comment." / "" / "SCHIEFFER"): then the sentence
    is the last text line before the blank. A mixed-case name ("Virden") must be the last line.
    """
    text = lines[i].text
    capitals = bool(_SIGNER.match(text))
    if not capitals and not _SIGNER_LAST.match(text):
        return None
    marker = _END_MARKER.match(text)
    at = marker.end() if marker else 0
    if not text[at:].strip():
        return None  # "End Summary." or "END COMMENT." alone: the end of the text above, no name
    prev = cur[-1] if cur else _previous_text(lines, i)
    if prev is None or not (_ends_sentence(prev.text) or _BANNER_END.search(prev.text) or _UNQUOTE_END.search(prev.text)):
        return None
    if not capitals:
        for nxt in lines[i + 1:]:
            if not (nxt.blank or is_noise(nxt.text)):
                return at if end_of_message(nxt.text) is not None else None
        return at
    for nxt in lines[i + 1:]:
        if nxt.blank or is_noise(nxt.text):
            continue
        header_after = label_of(nxt.text) or classification_line(nxt.text) or end_of_message(nxt.text) is not None
        # (the name doubled on the next line, "RICE" / "RICE", signs once)
        doubled = nxt.text.strip() == text[at:].strip() and not set(text[at:].strip()) <= _REDACTED
        return at if header_after or doubled else None
    return at


def _in_header(line: str, header_texts: frozenset[str]) -> bool:
    """A line of the header, or of a copy of it cut short: a page header's "... MIGUEL ANG" (the start of
    a header line) or a copy ending "Rea..."."""
    if line in header_texts or (line.endswith("...") and len(line) < MIN_CUT_LINE):
        return True
    return len(line) >= MIN_CUT_LINE and any(h.startswith(line) for h in header_texts)


MIN_CUT_LINE = 12  # characters: a shorter start of a header line may be anything
_REDACTED = frozenset("X ")  # "XXXXXXXXXXXX": a redaction, never a signer's name


def _may_be_noise(s: str) -> bool:
    """clean.is_noise's first test, inlined here for the body's lines (s: the line without its
    leading spaces, not empty)."""
    c, c1 = s[0], s[1:2]
    if c.isalpha():
        return (c.isupper() and (c1.isupper() or c1.isspace() or c1 == ".")) or s[:11].lower() == "this record" \
            or (c.isupper() and " of " in s)
    return (c.isdigit() and s[:6].isdigit()) or c in "-=_*."


def _previous_text(lines: list[Line], i: int) -> Line | None:
    for k in range(i - 1, -1, -1):
        if not lines[k].blank and not is_noise(lines[k].text):
            return lines[k]
    return None


def _merge_headings(paragraphs: list[Paragraph]) -> None:
    """An unruled heading ('KEY POINTS' above '1.') becomes the next paragraph's heading."""
    i = 0
    while i + 1 < len(paragraphs):
        p, nxt = paragraphs[i], paragraphs[i + 1]
        if p.number is None and p.marking is None and nxt.heading is None and nxt.number is not None and _is_heading_text(p.text):
            heading, first = p.text, i
            before = paragraphs[i - 1] if i else None
            if before and before.number is None and before.marking is None and before.heading is None \
                    and before.text.endswith(",") and _is_heading_text_pair(f"{before.text} {p.text}"):
                heading, first = f"{before.text} {p.text}", i - 1  # a heading double-spaced over two lines
            paragraphs[i + 1] = Paragraph(nxt.number, nxt.marking, nxt.text, nxt.start, nxt.end, heading=heading)
            del paragraphs[first:i + 1]
            i = first
            continue
        i += 1


def _is_heading_text(text: str) -> bool:
    """A paragraph that reads as a heading over the numbered paragraph after it: a line's length at most,
    no closing punctuation, not the end of a comment ("End Comment)")."""
    return len(text) <= _HEADING_MAX and not text.endswith((".", ",", ":", ";")) and len(text.split()) <= _HEADING_WORDS \
        and not (text.endswith(")") and "(" not in text) and not _END_MARKER.match(text) \
        and not _SENTENCE_INSIDE.search(text) and not label_of(text) \
        and not _LOWER_OPENING.match(text)  # not "Classified By: ... 1.4 (b) and (d )", nor "(notal) b. 08 baku 1119"


_LOWER_OPENING = re.compile(r"\W*[a-z]")  # a heading's first letter is a capital


# A sentence that ends inside the text: "... Not applicable. TASHKENT" (not "U.S. Offer").
_SENTENCE_INSIDE = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")


def _is_heading_text_pair(text: str) -> bool:
    return len(text) <= _HEADING_MAX and not text.endswith((".", ",", ":", ";")) and len(text.split()) <= _HEADING_WORDS


# Every byte but a-z and 0-9, deleted by bytes.translate (much faster than a regex substitution).
_NOT_KEY_BYTES = bytes(b for b in range(256) if not (48 <= b <= 57 or 97 <= b <= 122))
# For ASCII text: delete all but letters and digits, then map the capitals to lower case.
_NOT_ALNUM_BYTES = bytes(b for b in range(256) if not (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122))
_LOWER_BYTES = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def _key(text: str) -> bytes:
    """The paragraph's letters and digits, lower-cased: what two copies of it share."""
    if text.isascii():  # (a constant-time test) the same in one pass over the bytes: A-Z mapped to a-z
        return text.encode("ascii").translate(_LOWER_BYTES, _NOT_ALNUM_BYTES)
    return text.lower().encode("ascii", "ignore").translate(None, _NOT_KEY_BYTES)


_PREFIX = 40  # a truncated copy counts only when it keeps this many letters and digits


class _Seen:
    """Keys of the paragraphs kept so far. A truncated second copy ("...located on the edge of the
    same") is a prefix of the first."""

    def __init__(self) -> None:
        self.keys: set[bytes] = set()
        self.by_prefix: dict[bytes, list[bytes]] = {}  # a key that starts with `key` shares its first 40

    def is_repeat(self, key: bytes) -> bool:
        if key in self.keys:
            return True
        if len(key) < _PREFIX:
            return False
        longer = self.by_prefix.get(key[:_PREFIX])  # usually none: no generator is made
        return longer is not None and any(s.startswith(key) for s in longer)

    def add(self, key: bytes) -> None:
        self.keys.add(key)
        if len(key) >= _PREFIX:  # a shorter key is never the longer copy of a key is_repeat asks about
            self.by_prefix.setdefault(key[:_PREFIX], []).append(key)
