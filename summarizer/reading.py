"""What a reader sees in a summary sentence, checked against the cable it came from.

ROUGE rewards any sentence that shares n-grams with the reference, so a garbled rewrite or a heading
scores like prose. These pure functions name what a reader would object to:

- `edit_kind`: the sentence is a source sentence copied whole ("copy"), the same with words only left
  out ("deletion": a subsequence of one source sentence or of two adjacent ones), or anything else
  ("edit");
- `fragment_kind`: not a sentence a summary can hold: a heading, a signer, a list marker or bullet, a
  lead-in ending in ":", a note or bracket remnant, routing or redaction text, a piece that starts
  mid-sentence, under `MIN_WORDS` words, contact details (an e-mail address, a telephone number), or a
  question (the cable asks it; a summary reports);
- `broken_kind`: a sentence whose form is damaged: no sentence-final punctuation, ends on a function
  word, unbalanced brackets or quotes, a phrase said twice in a row, a word cut inside;
- `fact_changes`: the names, numbers and negations of its source sentence that it drops or changes;
- `logistics_kind`: a sentence about the cable rather than its story (a clearance, a participant list,
  an action request's pointer to a paragraph, the drafter's contact or a reference to a cable);
- `opens_dangling`: a summary's first sentence that leans on what the summary left out ("However, ...",
  "He noted that ...").

They are used on both sides: the selector never offers a fragment or a broken sentence and the
writer's gate keeps a source sentence whole rather than let an edit through that fails them (so the
summary cannot hold what they flag), and the scoring script reports their rates for every system.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from summarizer.facts import extract_units
from summarizer.sentences import split_sentences

MIN_WORDS = 5
MAX_TOKEN_CHARS = 80  # no word of prose is longer: a run of digits and dots, a pasted blob

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_END = re.compile(r"[.!?][\"'”’)\]]*$")
# Words no whole sentence ends on (before its final mark).
_FUNCTION_END = frozenset("""
a an the and or but nor of in on at by for with from to into onto over under about as than that which
whose if because while although though whether its their our your my very such
""".split())
# ... except "a" as a letter: "per Ref a.", "para a."
_LETTER_AFTER = re.compile(r"\b(?:ref\w*|re|paras?|paragraph|item|annex|plan|section|point|tab|option)\s+a\W*$", re.I)
NEGATIONS = frozenset("not no never neither nor without cannot n't none nothing nobody".split())
# Words said twice in a row in real prose ("had had", "that that"), not a decoder's stutter.
_DOUBLES_OK = frozenset("that had is was do".split())
# What a whole word may lack of a cable word ("agreement" of "agreements"): no word cut inside.
_INFLECTIONS = frozenset(["", "s", "es", "d", "ed", "ing", "ly", "'s", "er", "ers"])

_BULLET = re.compile(r"^\s*(?:[-\u2013\u2014*\u2022·]\s*(?:-\s*)?(?=\S)|o\s+(?=\S)|\(?[a-zA-Z0-9]{1,3}\)\s|[0-9]{1,2}-(?=[A-Za-z]))")
_NOTE_REMNANT = re.compile(r"^\W*(?:end|begin)\s+(?:of\s+)?(?:note|comment|summary|text|quote|excerpt)s?\b", re.I)
_NOTE_OPENER = re.compile(r"^(\()?(?:note|comment)s?\s*:\s*(?=[A-Z])", re.I)
_LABEL_ONLY = re.compile(r"^\W*(?:note|comment|summary|action request|participants|subject|ref(?:erence)?s?)\W*$", re.I)
_ROUTING = re.compile(r"^\W*(?:(?:state|dept|department|usdoc|treasury|commerce)\s+(?:for|pass)\b|pass\s+to\b|"
                      r"(?:e\.\s?o\.|eo)\s*12958\b|tags\s*:|subject\s*:|classified\s+by\b|sipdis\b)", re.I)
_REDACTION = re.compile(r"X{4,}|#{4,}")
# An e-mail address, a telephone number: "tel. +354-562-9100x2294", "by phone at: +202-265-6653". The
# address is tried only from the start of a run of its characters (a long run is read once, not once a start).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+\.\w")
_PHONE = re.compile(r"\b(?:tel|phone|fax)\b\W{0,3}(?:at\W{1,3})?[+(]?\d|\+\d{1,3}[- ]\d", re.I)
# What a body sentence may open with that is no part of its prose: dash or dot bullets, and a
# sub-paragraph's classification marking ("(SBU)", "(S/Rel UK)") that the paragraph's own did not take.
_MARKER = re.compile(r"^(?:(?:[-\u2013\u2014*\u2022·]+\s*)+(?=\S)|\((?:U|C|S|TS|SBU|NC|[CS]//?NF|[CS]//?REL[^)]{0,24}|(?:U//?)?FOUO)\)\s+)+",
                     re.I)
# "PARTICIPANTS: GOB: ...", "F. PROBABLE TARGET/S: ...": a form's label line, in a cable with case
_LABEL_LINE = re.compile(r"^\W*(?:[A-Z]\.\s+)?(?!(?:COMMENT|NOTE|SUMMARY)\b)[A-Z][A-Z/&-]+(?:\s+[A-Z/&-]+)*:(?=\s)")
# a list number or letter closed by a bracket with none open: "undercut by: 1) the ..., and 2) ..."
_LIST_CLOSER = re.compile(r"(?:^|(?<=[\s:;,]))\w{1,2}\)")
_CLAUSE_MARK = re.compile(r"[,;:.]$")


_LOGISTICS = [
    ("clearance", re.compile(r"\b(?:cleared|clearance (?:of|for))\s+(?:this|the)\s+(?:message|cable|telegram)\b|"
                             r"\b(?:this|the)\s+(?:message|cable|telegram)\s+(?:was|has been)\s+cleared\b", re.I)),
    ("participants", re.compile(r"^\W*participants\b|^\W*(?:u\.?s\.?|gob|goi|host government)\s+participants?\s*:", re.I)),
    ("action pointer", re.compile(r"\b(?:action request|see|per)\b.{0,30}\b(?:para(?:graph)?s?)\s*\d", re.I)),
    ("drafting note", re.compile(r"^\W*(?:drafted|approved|cleared)\s+by\b|\bthis cable (?:was|has been) (?:coordinated|drafted)\b", re.I)),
]
# What a first sentence may open with that refers back to something before it.
_DANGLING = re.compile(r"^\W*(?:however|but|also|still|moreover|furthermore|in addition|additionally|meanwhile|"
                       r"instead|thus|therefore|nevertheless|nonetheless|as a result|in (?:that|this) (?:case|regard)|"
                       r"he|she|they|it|his|her|their|its|this|these|those|that|such|the latter|the former|"
                       r"both|neither|either|another|other|others|similarly|likewise|separately|again)\b", re.I)


def logistics_kind(sentence: str) -> str | None:
    """What kind of sentence about the cable itself `sentence` is, or None."""
    return next((kind for kind, pattern in _LOGISTICS if pattern.search(sentence)), None)


def opens_dangling(sentence: str) -> bool:
    """Whether a summary's first sentence opens leaning on what came before it."""
    return _DANGLING.match(strip_marker(sentence)) is not None


@dataclass(frozen=True)
class SentenceCheck:
    """One summary sentence as a reader sees it."""

    text: str
    edit: str  # copy | deletion | edit
    source: str | None  # the cable sentence(s) it comes from (the closest one for an edit)
    fragment: str | None = None
    broken: str | None = None
    facts: list[str] = field(default_factory=list)  # "dropped name kofi annan", "changed number 300"


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """Lower-cased word tokens, punctuation left out (what copies and deletions are compared on).
    Cached: each cable sentence is compared with every summary sentence."""
    return tuple(w.replace("’", "'") for w in _WORD.findall(text.lower()))


# ---------------------------------------------------------------------------------------- fragments
def strip_marker(sentence: str) -> str:
    """`sentence` without a leading bullet or classification marking, and a drafter's note or comment
    without its opening "(Note:" or "Comment:" (and the ")" when it closes in the same sentence): the
    prose a summary may hold."""
    s = _MARKER.sub("", sentence, count=1)
    note = _NOTE_OPENER.match(s)
    if note:
        s = s[note.end():]
        if note.group(1) and s.endswith(")") and s.count(")") > s.count("("):
            s = s[:-1]
    return s


def fragment_kind(sentence: str) -> str | None:
    """What kind of non-sentence `sentence` is, or None for a sentence of prose."""
    s = sentence.strip()
    ws = words(s)
    if _ROUTING.match(s):
        return "routing or header line"
    if s.endswith(":") or s.endswith(":)"):
        return "lead-in"
    if _NOTE_REMNANT.match(s) or _LABEL_ONLY.match(s):
        return "note remnant"
    if s and sum(bool(_REDACTION.fullmatch(t.strip(".,;:").upper())) for t in s.split()) * 2 >= len(s.split()):
        return "redaction"
    if _BULLET.match(s):
        return "list marker"
    if ("@" in s and _EMAIL.search(s)) or (any(c.isdigit() for c in s) and _PHONE.search(s)):
        return "contact details"  # a point of contact's address: none of the dev split's own summaries has one
    if _LABEL_LINE.match(s) and any(c.islower() for c in s) and (s.count(":") >= 2 or not _END.search(s)):
        return "label line"  # a form ("PARTICIPANTS: GOB: ..."), not a topic's label before its prose
    if s[:1] in "([" and s[-1:] in ")]" or s.startswith(")"):
        return "bracket remnant"
    first = next((c for c in s if c.isalpha()), "")
    if first.islower() and any(c.isupper() for c in s):
        return "starts mid-sentence"  # also "(except for a passage ...) and focuses ...", "#### only ..."
    if not _END.search(s):
        if len(ws) <= 4 and s.upper() == s and any(c.isalpha() for c in s):
            return "signer"
        if len(ws) <= 12:
            return "heading"
    if len(ws) < MIN_WORDS:
        return "under 5 words"
    if s.endswith("?"):  # a form's item ("B. HAVE THERE BEEN ... DEMONSTRATIONS?"), an interview's prompt:
        return "question"  # 1 of the 2,244 sentences of the dev split's own summaries ends so
    return None


# ------------------------------------------------------------------------------------------- broken
def broken_kind(sentence: str, source_words: set[str] | None = None) -> str | None:
    """How the form of `sentence` is damaged, or None. With `source_words` (the cable's words), a word
    that is not the cable's but the start of one of its words counts as cut inside."""
    s = sentence.strip()
    if not _END.search(s):
        return "no sentence-final punctuation"
    if any(len(t) > MAX_TOKEN_CHARS for t in s.split()):
        return "run-on token"
    if _repeats(s.split()):
        return "repeated phrase"
    ws = words(s)
    quoted_end = s[-1] in "\"”’'"  # "... one must be careful with." is a quote's own wording
    if ws and ws[-1] in _FUNCTION_END and not quoted_end and not s.endswith("?") and not _LETTER_AFTER.search(s):
        return "ends on a function word"
    if not _brackets_balanced(s) or s.count("[") != s.count("]"):
        return "unbalanced brackets"
    if s.count('"') % 2 or s.count("“") != s.count("”"):
        return "unbalanced quotes"
    if source_words:
        for w in ws:
            if len(w) >= 3 and w not in source_words and not w.isdigit() and any(
                    v.startswith(w) and v[len(w):] not in _INFLECTIONS for v in source_words):
                return f"word cut inside ({w})"
    return None


def _brackets_balanced(s: str) -> bool:
    depth = 0
    list_closers = {m.end() - 1 for m in _LIST_CLOSER.finditer(s)}
    for i, c in enumerate(s):
        if c == "(":
            depth += 1
        elif c == ")":
            if depth:
                depth -= 1
            elif i not in list_closers:
                return False
    return depth == 0


def _repeats(tokens: list[str]) -> bool:
    """A phrase of 1-4 words said twice in a row ("in -- in", "NATO a NATO a", "the, the"), read on
    white-space tokens ("mil-mil", "not/not" are one word each). A word after a comma may come back
    ("to Spain, Spain will"), unless it is a function word, and so may a capitalised one (a name)."""
    bare = [(re.sub(r"^\W+|\W+$", "", t), t) for t in tokens]
    ws = [w.lower() for w, _ in bare if w]
    marks = [bool(_CLAUSE_MARK.search(t)) for w, t in bare if w]
    capital = [w[0].isupper() for w, _ in bare if w]
    for k in range(1, 5):
        for i in range(len(ws) - 2 * k + 1):
            phrase = ws[i:i + k]
            if phrase != ws[i + k:i + 2 * k]:
                continue
            if k == 1:
                w = phrase[0]
                if w in _DOUBLES_OK or w.isdigit() or _REDACTION.fullmatch(w.upper()) or capital[i]:
                    continue  # (a name may say a word twice: "General Guillermo Galvan Galvan")
                if marks[i] and w not in _FUNCTION_END:
                    continue
            return True
    return False


# -------------------------------------------------------------------------------------------- edits
def is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(w in it for w in short)


def edit_kind(sentence: str, source_sentences: list[str]) -> tuple[str, str | None]:
    """("copy" | "deletion" | "edit", the source it comes from) for one summary sentence."""
    ws = words(sentence)
    if not ws:
        return "edit", None
    src = [words(s) for s in source_sentences]
    key = set(ws)
    # the few sentences sharing the most words are the only places it can come from
    ranked = sorted(range(len(src)), key=lambda i: -len(key & set(src[i])))[:5]
    for i in ranked:
        if src[i] == ws:
            return "copy", source_sentences[i]
    for i in ranked:
        if is_subsequence(ws, src[i]):
            return "deletion", source_sentences[i]
        for j in (i - 1, i):
            if 0 <= j < len(src) - 1 and is_subsequence(ws, src[j] + src[j + 1]):
                pair = f"{source_sentences[j]} {source_sentences[j + 1]}"
                return ("copy" if src[j] + src[j + 1] == ws else "deletion"), pair
    return "edit", (source_sentences[ranked[0]] if ranked else None)


# -------------------------------------------------------------------------------------------- facts
def fact_changes(sentence: str, source: str) -> list[str]:
    """The names, numbers and negations of `source` that `sentence` drops or changes, and those it
    adds (a fact of the sentence that its source sentence does not hold)."""
    out = [f"dropped {kind} {key}" for kind, key in _facts(source) if not _holds(sentence, key)]
    out += [f"changed {kind} {key}" for kind, key in _facts(sentence) if not _holds(source, key)]
    neg_src = sum(w in NEGATIONS or w.endswith("n't") for w in words(source))
    neg_out = sum(w in NEGATIONS or w.endswith("n't") for w in words(sentence))
    if neg_out != neg_src:
        out.append("dropped negation" if neg_out < neg_src else "added negation")
    return out


_INITIAL_DOT = re.compile(r"\b([A-Za-z])\.")


def _facts(text: str) -> list[tuple[str, str]]:
    """(kind, its words) of each name, acronym and number, in order, once each; dotted initials
    undotted ("U.S. Embassy" = "US Embassy")."""
    out: dict[tuple[str, str], None] = {}
    for kind, surface in extract_units(text):
        key = " ".join(words(_INITIAL_DOT.sub(r"\1", surface)))
        if key:
            out[("number" if kind == "number" else "name", key)] = None
    return list(out)


def _holds(text: str, key: str) -> bool:
    undotted = _INITIAL_DOT.sub(r"\1", text)
    plain = (w[:-2] if w.endswith(("'s", "\u2019s")) else w for w in words(undotted))  # "Pinochet's" holds "Pinochet"
    return f" {key} " in " " + " ".join(plain) + " "


# ------------------------------------------------------------------------------------------ summary
def check_sentence(sentence: str, source_sentences: list[str], source_words: set[str],
                   prose_sentences: list[str] | None = None) -> SentenceCheck:
    """One summary sentence against the cable's sentences; `prose_sentences`, the same with their
    markers stripped (`strip_marker`), count as sources too: "-- The minister said ..." written as
    "The minister said ..." is a copy, not an edit."""
    edit, source = edit_kind(sentence, source_sentences)
    facts = fact_changes(sentence, source) if source and edit != "copy" else []
    if edit != "copy" and prose_sentences is not None:
        # the closer source wins; between two deletions, the one whose cut words hold fewer facts
        # ("(S/Rel UK) Presidential Advisor ..." written without its marking drops no name)
        p_edit, p_source = edit_kind(sentence, prose_sentences)
        p_facts = fact_changes(sentence, p_source) if p_source and p_edit != "copy" else []
        if (_EDIT_RANK[p_edit], len(p_facts)) < (_EDIT_RANK[edit], len(facts)):
            edit, source, facts = p_edit, p_source, p_facts
    fragment = fragment_kind(sentence)
    broken = None if fragment else broken_kind(sentence, source_words)  # a heading is not also "broken"
    return SentenceCheck(sentence, edit, source, fragment, broken, facts)


_EDIT_RANK = {"copy": 0, "deletion": 1, "edit": 2}


def check_summary(summary: str, body: str) -> list[SentenceCheck]:
    """Every sentence of `summary` checked against the cable text `body` it was made from."""
    source_sentences = split_sentences(body or "")
    prose = [strip_marker(s) for s in source_sentences]
    source_words = {w for s in source_sentences for w in words(s)}
    return [check_sentence(s, source_sentences, source_words, prose) for s in split_sentences(summary or "")]


def readable(sentence: str) -> bool:
    """A sentence a summary may hold as it stands: whole prose, neither a fragment nor broken."""
    return fragment_kind(sentence) is None and broken_kind(sentence) is None


# ---------------------------------------------------------------------------------------- rates
READING_SETTINGS = {
    "unit": "summary sentences (the project's splitter), each checked against the system's input "
    "(cable body without the own summary)",
    "copy": "the words of one source sentence, or of two adjacent ones, in full",
    "deletion": "a strict subsequence of the words of one source sentence or of two adjacent ones",
    "other edit": "neither: words added, changed or moved",
    "fragment": "routing/header line, note or label remnant, redaction, list marker or bullet, lead-in "
    "ending in ':', label line, bracket remnant, signer, heading (no final mark, <= 12 words), "
    f"under {MIN_WORDS} words, contact details (e-mail address or telephone number), question (ends in '?' "
    "outside quotation marks)",
    "broken": f"(not a fragment) no final mark, a run of over {MAX_TOKEN_CHARS} characters without a space, ends on a function word, unbalanced brackets or quotes, "
    "a phrase said twice in a row, a word cut inside (a prefix of a cable word that is not one)",
    "facts": "a name, acronym, number or negation of the source sentence dropped or changed, or one "
    "added (deletions and other edits only)",
    "logistics": "a sentence about the cable itself: clearance, participant list, pointer to a paragraph, drafting note",
    "dangling_first": "% of non-empty summaries whose first sentence opens with a back-referring connective or pronoun "
    "(However, But, He, They, This, These, ...)",
    "rates": "% of summary sentences, pooled over cables; summaries_with_problem and dangling_first: % of non-empty "
    "summaries",
}


def sentence_row(check: SentenceCheck) -> dict:
    """One sentence's check as JSON (for per-cable rows)."""
    return {"text": check.text, "edit": check.edit, "source": check.source, "fragment": check.fragment,
            "broken": check.broken, "facts": check.facts, "logistics": logistics_kind(check.text)}


def problems(row: dict) -> list[str]:
    """What a reader would object to in one `sentence_row`, worst last; [] for a clean sentence."""
    out = [f"fragment: {row['fragment']}"] if row["fragment"] else []
    out += [f"broken: {row['broken']}"] if row["broken"] else []
    out += ["other edit"] if row["edit"] == "edit" else []
    return out + row["facts"]


def reading_rates(summaries: list[list[dict]], examples: int = 20) -> dict:
    """Pool `sentence_row`s of many summaries: the rates a reader sees, and the worst examples."""
    flat = [s for summary in summaries for s in summary]
    n = len(flat)

    def share(count: int) -> float | None:
        return 100 * count / n if n else None

    kinds: dict[str, dict[str, int]] = {"fragment": {}, "broken": {}}
    for s in flat:
        for key in kinds:
            if s[key]:
                label = s[key].split(" (")[0]
                kinds[key][label] = kinds[key].get(label, 0) + 1
    problem = [s for s in flat if problems(s)]
    # worst first: a changed fact, then an other edit, then a broken sentence, then a fragment
    problem.sort(key=lambda s: (not s["facts"], s["edit"] != "edit", not s["broken"], -len(s["text"])))
    non_empty = [summary for summary in summaries if summary]
    return {
        "sentences": n,
        "copy": share(sum(s["edit"] == "copy" for s in flat)),
        "deletion": share(sum(s["edit"] == "deletion" for s in flat)),
        "other_edit": share(sum(s["edit"] == "edit" for s in flat)),
        "fragment": share(sum(bool(s["fragment"]) for s in flat)),
        "broken": share(sum(bool(s["broken"]) for s in flat)),
        "facts_changed": share(sum(bool(s["facts"]) for s in flat)),
        "logistics": share(sum(bool(s.get("logistics")) for s in flat)),
        "dangling_first": 100 * sum(opens_dangling(summary[0]["text"]) for summary in non_empty) / len(non_empty)
        if non_empty else None,
        "summaries_with_problem": 100 * sum(any(problems(s) for s in summary) for summary in non_empty)
        / len(non_empty) if non_empty else None,
        "fragment_kinds": dict(sorted(kinds["fragment"].items(), key=lambda kv: -kv[1])),
        "broken_kinds": dict(sorted(kinds["broken"].items(), key=lambda kv: -kv[1])),
        "worst": problem[:examples],
    }
