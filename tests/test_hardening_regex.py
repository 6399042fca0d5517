"""Issue 8, regular-expression safety: every compiled pattern of the parser (and of the sentence splitter
and support finder, which read the same user text) against the worst inputs `fuzz.regex_audit` builds
for it, time-bounded (CPU time, capped at 0.3 s a run).

A pattern passes when no attack string makes it superlinear: a run over 10 ms is repeated at twice the
length and must not take more than 3x as long (or, as one doubling is noisy, 8x at four times the
length). A known offender would be xfail (not strict) with its bug as the reason (KNOWN); there are
none left. `python -m fuzz.regex_audit --reach` prints the full table.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fuzz.regex_audit import audit, describe, ops_for, parser_patterns, usage  # noqa: E402

PATTERNS = parser_patterns()
USES = usage()


# Known offenders: pattern name -> the bug (xfail, not strict). None since the parser fixes of 22960e8,
# 00d2dcd and the last latent ones (END, COMMENT_END, _BANNER_END, _BANNER_SIGNER, _UNFINISHED, _CANDIDATE).
KNOWN: dict[str, str] = {}


def _params():
    return [pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=KNOWN[name])) if name in KNOWN else name
            for name in PATTERNS]


def test_the_audit_finds_the_patterns():
    assert len(PATTERNS) >= 40
    assert {"parsing.clean.NUMBER_AND_MARKING", "parsing.header.LABEL", "parsing.summary.START"} <= set(PATTERNS)
    assert ops_for("parsing.clean.NUMBER_AND_MARKING", USES) == ["match"]  # used with .match: scans are not its worst case
    assert "finditer" in ops_for("parsing.clean.BANNER", USES)  # used with .sub


@pytest.mark.parametrize("name", _params())
def test_no_catastrophic_backtracking(name):
    v = audit(name, PATTERNS[name], length=2000, cap=0.3, slow=0.01, quick=True, ops=ops_for(name, USES))
    assert v.tried > 0
    assert v.verdict in ("ok", "slow"), describe(v)


def test_the_audit_catches_a_known_bad_pattern():
    import re

    v = audit("nested", re.compile(r"^(\s+)+$"), length=2000, cap=0.2, slow=0.01, quick=True, ops=["match"])
    assert v.verdict == "timeout"
    v = audit("spaces", re.compile(r"\s*x"), length=2000, cap=0.3, slow=0.005, quick=True, ops=["finditer"])
    assert v.verdict in ("superlinear", "timeout")
    v = audit("plain", re.compile(r"TAGS:\s?"), length=2000, cap=0.3, slow=0.01, quick=True, ops=["finditer"])
    assert v.verdict == "ok"
