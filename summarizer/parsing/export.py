"""The user's export format: a label block, its values, `Cable title:` and the title, then the cable.

    Identifier
    Created
    Classification
    Origin
    06TOKYO3797
    2006-07-07 04:08:00
    CONFIDENTIAL
    Embassy Tokyo
    Cable title:
    RUSSO-JAPANESE RELATIONS: POST-SUMMIT PROGRESS

Labels with their values on the same line (`Identifier: 06TOKYO3797`) are read too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_LABELS = ("identifier", "created", "classification", "origin")
_NL = r"(?=[^\S\n]*\n)\s*+"  # spaces holding a line break, read once (not "\s*\n\s*": quadratic)
_BLOCK = re.compile(
    rf"\A\s*+Identifier{_NL}Created{_NL}Classification{_NL}Origin\s*\n"
    r"(?P<identifier>[^\n]*)\n(?P<created>[^\n]*)\n(?P<classification>[^\n]*)\n(?P<origin>[^\n]*)\n"
    r"(?:\s*Cable\s+title:\s*\n?(?P<title>[^\n]*)\n)?",
    re.I,
)
_PAIRS = re.compile(
    r"\A(?:\s*(?:Identifier|Created|Classification|Origin|Cable\s+title)\s*:[^\n]*\n){2,}",
    re.I,
)
_PAIR = re.compile(r"^[^\S\n]*+(Identifier|Created|Classification|Origin|Cable\s+title)[^\S\n]*+:(.*)$", re.I | re.M)


@dataclass
class Export:
    fields: dict[str, str] = field(default_factory=dict)  # identifier, created, classification, origin, title
    body_start: int = 0  # offset in the raw text where the cable itself begins


def parse_export(raw: str) -> Export:
    m = _BLOCK.match(raw)
    if m:
        values = {k: v.strip() for k, v in m.groupdict().items() if v and v.strip()}
        return Export(values, m.end())
    m = _PAIRS.match(raw)
    if m:
        values = {}
        for label, value in _PAIR.findall(m.group()):
            key = "title" if label.lower().startswith("cable") else label.lower()
            value = value.strip()
            if value:
                values[key] = value
        return Export(values, m.end())
    return Export()
