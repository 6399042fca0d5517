"""Inputs built to hurt the parser: pathological text, mutated real cables, random bytes.

`PATHOLOGICAL[name](n)` returns a string of about `n` characters (never more than `n`): megabyte
lines, millions of pilcrows, nested markings, every Unicode category, NUL bytes, whitespace runs of
every kind, header labels and summary labels repeated without end, and so on. `mutate(text, rng)`
applies one random edit to a real cable (insert a fragment, delete, duplicate, flatten, ...).

Used by `fuzz.make_seeds` (the seed corpus), `fuzz.regex_audit` and the tests in
`tests/test_hardening_parse.py`, so all of them try the same worst cases.
"""
from __future__ import annotations

import random
import sys
import unicodedata
from typing import Callable

# Pieces of real cables: labels, markings, numbers, rules, banners, trailers.
FRAGMENTS = [
    "¶", "¶1.", "¶ 12. ", "1.", "12. ", "1. (C) ", "3.  (SBU)", "(C)", "(SBU)", "(S//NF)", "(U) ", "(C/NF)",
    "(S/REL UK)", "(TS//SI//NF)", "Summary:", "SUMMARY", "End Summary.", "END SUMMARY", "END\nSUMMARY",
    "BEGIN SUMMARY", "Summary and Comment:", "End summary and comment.", "Comment:", "End Comment.",
    "(END COMMENT)", "TAGS: PREL JA", "TAGS:", "TAGE ", "TAG ", "Tags: prel, sy", "SUBJECT: ", "SUBJ: ",
    "REF: A. STATE 1234 B. TOKYO 5678", "REFS: ", "Classified By: J. Doe, reasons 1.4 (b) and (d)",
    "CLASSIFIED BY: ", "E.O. 12958: DECL: 1/1/2019", "E.O.12958:", "C O N F I D E N T I A L TOKYO 003797",
    "S E C R E T", "U N C L A S S I F I E D", "UNCLAS SECTION 01 OF 03 ", "SECTION 01 OF 03", "SIPDIS",
    "SENSITIVE", "NOFORN", "C O R R E C T E D C O P Y", "-------", "- - - -", "=====", "*****", "____",
    "O 070408Z JUL 06", "FM AMEMBASSY TOKYO", "TO RUEHC/SECSTATE WASHDC IMMEDIATE 1234", "INFO ",
    "VZCZCXRO1234", "DE RUEHKO #3797/01 1880408", "ZNY CCCCC ZZH", "TOKYO 00003797  002 OF 003",
    "PAGE 02 TOKYO 03797 01 OF 02 070408Z ", "This record is a partial extract of the original cable.",
    "Identifier\nCreated\nClassification\nOrigin\n", "Identifier: 06TOKYO3797\n", "Cable title:",
    "SCHIEFFER", "\x00", "\r\n", "\r", "\n", "\n\n", " ", "  ", "\t", "\f", "\v", "\u2028", "\u0085", "é", "“",
    "”", "XXXXXXXXXXXX", "Visit Embassy Cairo's Classified Website: XXXXXXXXXXXX",
    "You can also access this site through the State Department's Classified SIPRNET website.",
    "http://www.state.sgov.gov/p/nea/cairo", "MILAM 0 10/26/2007 5416 BTIO,ECON,LY", "...", ". ", "?", "!",
    "\"", "'", ")", "(", "[", "]", "/", "//", "--", "\u00a0", "\u3000", "\ufeff", "\ufffd",
]

_CATEGORY_CHARS: list[str] | None = None


def category_chars() -> list[str]:
    """One character of every Unicode general category (Cc, Cf, Cs, Co, Cn, Lu, Ll, ..., Zs, Zl, Zp),
    plus a few of each that matter to a text parser (line separators, combining marks, digits)."""
    global _CATEGORY_CHARS
    if _CATEGORY_CHARS is None:
        seen: dict[str, list[str]] = {}
        for cp in range(sys.maxunicode + 1):
            cat = unicodedata.category(chr(cp))
            bucket = seen.setdefault(cat, [])
            if len(bucket) < 3 or (cp > 0x2000 and len(bucket) < 4):
                bucket.append(chr(cp))
        _CATEGORY_CHARS = [ch for cat in sorted(seen) for ch in seen[cat]]
    return _CATEGORY_CHARS


def _rep(unit: str, n: int) -> str:
    return (unit * (n // max(1, len(unit)) + 1))[:n]


def _cable_head(n: int) -> str:
    return "C O N F I D E N T I A L TOKYO 003797\nSIPDIS\nTAGS: PREL JA\nSUBJECT: TEST\n\n"


def _nested_markings(n: int) -> str:
    depth = max(1, n // 4)
    return ("(" * depth + "C" + ")" * depth)[:n]


def _nested_slashes(n: int) -> str:
    return ("1. (S" + _rep("//NF", n) + ") text")[:n]


def _every_category(n: int) -> str:
    chars = category_chars()
    return _rep("".join(chars), n)


def _every_category_in_cable(n: int) -> str:
    chars = category_chars()
    head = _cable_head(n) + "1. (C) Summary: "
    return (head + _rep(" ".join(chars) + " End Summary. 2. (C) ", n))[:n]


def _nul_cable(n: int) -> str:
    from_seed = _cable_head(n) + "1. (C) Summary: a\x00b. End Summary.\n\n2. (C) text\x00\x00 more.\n"
    return _rep(from_seed + "\x00", n)


def _paragraphs(n: int) -> str:
    return (_cable_head(n) + _rep("1. (C) A sentence.\n\n", n))[:n]


def _pilcrow_paragraphs(n: int) -> str:
    return (_cable_head(n) + _rep("¶1. (C) x. ", n))[:n]


def _summary_no_end(n: int) -> str:
    return (_cable_head(n) + "1. (C) Summary: " + _rep("word ", n))[:n]


def _many_summaries(n: int) -> str:
    return (_cable_head(n) + _rep("1. (C) Summary: x. End Summary.\n", n))[:n]


def _flattened_cable(n: int) -> str:
    unit = ("C O N F I D E N T I A L SECTION 01 OF 02 TOKYO 003797 SIPDIS E.O. 12958: DECL: 07/06/2016 "
            "TAGS: PREL PTER JA SUBJECT: TEST REF: TOKYO 1234 Classified By: A. B., reasons 1.4 (b) and (d). "
            "1. (C) Summary: One. End Summary. 2. (C) Two ------------- 3. (SBU) Three. SCHIEFFER ")
    return _rep(unit, n)


def _header_soup(n: int) -> str:
    return _rep("TAGS: SUBJECT: REF: TAGS ", n)


# name -> generator of a string of at most n characters
PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "long-line-x": lambda n: "x" * n,
    "long-line-words": lambda n: _rep("word ", n),
    "long-line-upper-words": lambda n: _rep("PREL ", n),
    "long-line-sentences": lambda n: _rep("A sentence. ", n),
    "pilcrows": lambda n: "¶" * n,
    "pilcrow-spaces": lambda n: _rep("¶ ", n),
    "pilcrow-numbers": lambda n: _rep("¶1.", n),
    "pilcrow-paragraphs": _pilcrow_paragraphs,
    "numbered-paragraphs": _paragraphs,
    "digits-dots": lambda n: _rep("1.", n),
    "digits-dot-space": lambda n: _rep("12. ", n),
    "digits": lambda n: "1" * n,
    "markings": lambda n: _rep("(C) ", n),
    "markings-glued": lambda n: _rep("1.(C)", n),
    "nested-markings": _nested_markings,
    "nested-slashes": _nested_slashes,
    "open-parens": lambda n: "(" * n,
    "close-parens": lambda n: ")" * n,
    "paren-spaces": lambda n: "(" + " " * (n - 1),
    "spaces": lambda n: " " * n,
    "space-then-x": lambda n: " " * (n - 1) + "x",
    "x-then-spaces": lambda n: "x" + " " * (n - 2) + "x",
    "dot-then-spaces": lambda n: "a." + " " * (n - 3) + "x",
    "tabs": lambda n: "\t" * n,
    "newlines": lambda n: "\n" * n,
    "crs": lambda n: "\r" * n,
    "crlfs": lambda n: _rep("\r\n", n),
    "blank-lines-with-spaces": lambda n: _rep(" \n", n),
    "nbsp": lambda n: "\u00a0" * n,
    "ideographic-spaces": lambda n: "\u3000" * n,
    "line-separators": lambda n: _rep("\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e", n),
    "nul": lambda n: "\x00" * n,
    "nul-cable": _nul_cable,
    "every-category": _every_category,
    "every-category-cable": _every_category_in_cable,
    "surrogates": lambda n: _rep("\ud800\udfff", n),
    "combining": lambda n: "a" + "\u0301" * (n - 1),
    "rtl-bidi": lambda n: _rep("\u202e\u2066abc\u2069\u200f", n),
    "dashes": lambda n: "-" * n,
    "spaced-dashes": lambda n: _rep("- ", n),
    "equals": lambda n: "=" * n,
    "stars": lambda n: "*" * n,
    "underscores": lambda n: "_" * n,
    "dots": lambda n: "." * n,
    "dot-spaces": lambda n: _rep(". ", n),
    "quotes": lambda n: '"' * n,
    "spaced-capitals": lambda n: _rep("C ", n),
    "spaced-classification": lambda n: _rep("C O N F I D E N T I A L ", n),
    "classification-slashes": lambda n: ("SECRET" + _rep(" //NF", n))[:n],
    "tags-line": lambda n: ("TAGS: " + _rep("PREL ", n))[:n],
    "tags-lines": lambda n: _rep("TAGS: PREL\n", n),
    "subject-line": lambda n: ("SUBJECT: " + "A" * n)[:n],
    "subject-spaces": lambda n: ("SUBJECT:" + " " * n)[:n - 1] + "x",
    "ref-line": lambda n: ("REF: " + _rep("A. STATE 1234 ", n))[:n],
    "classified-by": lambda n: ("Classified By: " + _rep("reasons 1.4 (b) ", n))[:n],
    "classified-by-spaces": lambda n: ("Classified By:" + " " * n)[:n - 8] + "reasons",
    "header-soup": _header_soup,
    "summary-labels": lambda n: _rep("Summary: ", n),
    "end-summary-labels": lambda n: _rep("End Summary. ", n),
    "end-spaces": lambda n: ("END" + " " * n)[:n - 7] + "SUMMARY",
    "summary-no-end": _summary_no_end,
    "many-summaries": _many_summaries,
    "comment-labels": lambda n: _rep("Comment: ", n),
    "website-x": lambda n: ("Visit Classified Website: " + "X" * n)[:n],
    "website-spaces": lambda n: ("Website" + " " * n)[:n - 4] + "TUTTLE"[:4],
    "websites": lambda n: _rep("Website XXXXXX ", n),
    "urls": lambda n: ("http://" + "a" * n)[:n],
    "trailer": lambda n: _rep("0 10/26/2007 5416 BTIO,ECON,LY ", n),
    "trailer-commas": lambda n: ("MILAM 0 10/26/2007 5416 BTIO" + _rep(",AB", n))[:n],
    "page-headers": lambda n: _rep("PAGE 02 TOKYO 03797 01 OF 02 070408Z ", n),
    "inline-pages": lambda n: _rep(" 00003797  002 OF 003", n),
    "dtg": lambda n: _rep("070408Z JUL 06 ", n),
    "routing": lambda n: _rep("FM AMEMBASSY TOKYO TO ", n),
    "flattened-cable": _flattened_cable,
    "two-labels": lambda n: ("TAGS: x" + " " * n)[:n - 9] + " SUBJECT:",
    "fragment-soup": lambda n: _rep("".join(FRAGMENTS), n),
    "signer-caps": lambda n: _rep("A. ", n) + "",
    "caps-words": lambda n: _rep("ABC DEF ", n),
    "export-block": lambda n: ("Identifier\nCreated\nClassification\nOrigin\n" + "x" * n)[:n],
    "export-pairs": lambda n: _rep("Identifier: x\n", n),
    "sipdis": lambda n: _rep("SIPDIS ", n),
    "slashes": lambda n: "/" * n,
    "brackets": lambda n: _rep("[(", n),
}


def pathological(n: int) -> dict[str, str]:
    """Every pathological input at size n."""
    return {name: gen(n) for name, gen in PATHOLOGICAL.items()}


# ----------------------------------------------------------------------------------------- mutation
def mutate(text: str, rng: random.Random) -> str:
    """One random edit of a (real) cable text."""
    n = len(text)
    i, j = sorted((rng.randrange(n + 1), rng.randrange(n + 1)))
    op = rng.randrange(12)
    if op == 0:  # insert a fragment
        return text[:i] + rng.choice(FRAGMENTS) + text[i:]
    if op == 1:  # delete a range
        return text[:i] + text[j:]
    if op == 2:  # duplicate a range
        return text[:j] + text[i:j] + text[j:]
    if op == 3:  # flatten: line breaks lost
        return " ".join(text.split("\n"))
    if op == 4:  # all capitals
        return text.upper()
    if op == 5:  # double-spaced
        return text.replace("\n", "\n\n")
    if op == 6:  # CR line ends
        return text.replace("\n", rng.choice(["\r\n", "\r", "\u2028"]))
    if op == 7:  # a fragment repeated many times
        return text[:i] + rng.choice(FRAGMENTS) * rng.randrange(1, 5000) + text[i:]
    if op == 8:  # a random Unicode run
        chars = category_chars()
        return text[:i] + "".join(rng.choice(chars) for _ in range(rng.randrange(1, 200))) + text[i:]
    if op == 9:  # truncate
        return text[:i]
    if op == 10:  # swap two halves
        return text[i:] + text[:i]
    return text[:i] + "\x00" + text[i:]  # a NUL byte


def random_bytes_text(rng: random.Random, n: int) -> str:
    data = bytes(rng.randrange(256) for _ in range(n))
    return data.decode("utf-8", errors="replace") if rng.random() < 0.5 else data.decode("latin-1")
