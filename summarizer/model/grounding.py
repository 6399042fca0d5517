"""What the causal writer may write: every word from its source, and a gate on each written sentence.

`Grounding(source)` decides, character by character, whether a text could still become one made of the
source's words (`allows`). Decoding asks it about the few likeliest next tokens (`GroundedDecoding`), so:
- a word that starts with a capital or a digit (a name, a number, a date) is a word of the source, as
  written there; a capital that only starts a sentence is allowed where the word's lower case is
  allowed ("Despite" for "despite");
- any other word is a word of the source, a variant of one (the same stem of 4+ letters: "weakness" of
  "weak", "met" is no variant of "meeting"), or one of a closed list of function words and the
  reporting verbs a drafter uses (`FUNCTION_WORDS`);
- what follows an opening quotation mark, up to its closing one, is copied from the source as it stands.

Words are runs of letters and digits: "al-Assad" is "al" and "Assad", "Bashar's" is "Bashar" and "s".

`gate(sentence, source)` then reads each written sentence as a whole: names, acronyms and numbers all
held by the source (`facts.faithfulness`), no negation word the source lacks, no back-referring opening
("He said ...", "However, ...") its source does not open with, none of the source's words that say who
said it or how sure it is left out (`REPORTING`, `HEDGES`), a list of names kept whole or left out whole,
no negation added or dropped
and no fact changed (`reading.fact_changes`), and a whole sentence (neither a fragment nor broken,
`reading`). A sentence that fails is replaced by its source (the writer's caller decides).
"""
from __future__ import annotations

import bisect
import re

from summarizer.facts import faithfulness
from summarizer.reading import broken_kind, fact_changes, fragment_kind, opens_dangling, words

_RUN = re.compile(r"[^\W_]+")
_ENDED = re.compile(r"[.!?][\"”')]*\s*$")  # a sentence's end, maybe inside a quotation or parentheses
_QUOTES = "\"“”"
_QUOTED = re.compile(r'["“]([^"“”]*)["”]')
FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here which who whom whose what
when where while why how whether as at by for from in into of on onto to with within without about
above after against along among around before behind below between beyond despite during except
like near off out over past per since through throughout toward towards under until up upon via
i me my we us our he him his she her it its they them their one ones itself themselves
himself herself each every all both either neither some any many much more most other another such
own same few several no not never also only even still just already again further however although
though because therefore thus meanwhile instead rather otherwise nevertheless moreover
is are was were be been being am has have had having do does did done will would shall should can
could may might must s t d ll ve re
said says say saying told tell tells telling noted notes note stressed stresses emphasized
emphasised emphasizes added adds explained explains asked asks agreed agrees expressed expresses
reported reports according indicated indicates claimed claims argued argues urged urges called calls
warned warns suggested suggests confirmed confirms acknowledged acknowledges welcomed welcomes
discussed discusses described describes believed believes thought think thinks expected expects
appeared appears remained remains seemed seems made make makes took take takes gave give gives
met meet meets sought seek seeks raised raise raises pressed presses underscored underscores
highlighted highlights outlined outlines reiterated reiterates assured assures promised promises
announced announces offered offers planned plans hoped hopes wanted wants plan hope
new key main major current recent recently now today later earlier first second third last next
ambassador embassy post mission government officials official visit meeting meetings talks
""".split())
_SUFFIXES = ("ations", "ation", "ities", "ity", "ments", "ment", "ness", "ings", "ing", "ions", "ion",
             "ies", "ied", "ers", "er", "ened", "en", "ed", "es", "s", "ly", "al", "ive", "e", "y")
MIN_STEM = 4
_ENDINGS = {a + b for a in ("",) + _SUFFIXES for b in ("",) + _SUFFIXES}  # up to two suffixes, as `stem` strips
MAX_SUFFIX = max(len(x) for x in _ENDINGS)
_SUFFIX_STARTS = {n: frozenset(e[:n] for e in _ENDINGS if len(e) >= n) for n in range(MAX_SUFFIX + 1)}
_OPENER = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)[\"“(]*([^\W_]+)")  # a sentence's (or a line's) first word
MIN_SHARED = 3  # a written sentence says at least this many content words of its source (or all it has)
NEGATIONS = frozenset("not no never neither nor without cannot none nothing nobody".split())
# Words that say whose a statement is, or how sure it is: a written sentence keeps those its source has (a
# blind reading of the writer found "Aleluia said two of the biggest problems are ..." written as a fact,
# "approved in principle" as approved, "provided an indication that it will rule" as "announced").
REPORTING = frozenset("""said says say saying told tells telling stated states asserted asserts noted notes added
explained explains argued argues claimed claims according believes believed believe predicted predicts insisted
maintained suggested suggests warned indicated indicates stressed emphasized commented acknowledged admitted
contended reported reports think thinks thought felt feels hoped hopes expect expects expected predict claim note
argue indicate warn suggest cite cites cited citing""".split())
HEDGES = frozenset("""perhaps possibly possible reportedly likely unlikely may might apparently allegedly seemingly
impending principle try tries tried trying attempt attempts attempted probably almost nearly partly partially
rumored rumoured proposed planned potential potentially indication""".split())
_LIST = re.compile(r"(?:[A-Z][\w'-]*(?: [A-Z][\w'-]*)*, ){2,}(?:and |or )?[A-Z][\w'-]*(?: [A-Z][\w'-]*)*")


def stem(word: str) -> str:
    """A crude stem: `word` lower-cased without up to two common suffixes ("weakened" → "weak")."""
    w = word.lower()
    for _ in range(2):
        suffix = next((x for x in _SUFFIXES if w.endswith(x) and len(w) - len(x) >= MIN_STEM), None)
        if suffix is None:
            break
        w = w[: -len(suffix)]
    return w


class Grounding:
    """The words one source allows a writer to write."""

    def __init__(self, source: str):
        runs = _RUN.findall(source)
        self.exact = frozenset(runs)
        self.lower = frozenset(w.lower() for w in runs) | FUNCTION_WORDS
        # words the source capitalises only past a sentence's start: names, never written in lower case, and
        # no stem for variants ("Uribia" of "Uribe")
        openers = {m.group(1).lower() for m in _OPENER.finditer(source)}
        seen_lower = {w for w in runs if w.islower()} | openers
        self.names = frozenset(w.lower() for w in runs if w[:1].isupper() and w.lower() not in seen_lower) - FUNCTION_WORDS
        self.stems = frozenset(s for s in (stem(w) for w in runs if w.lower() in seen_lower) if len(s) >= MIN_STEM)
        self._exact_sorted = sorted(self.exact)
        self._lower_sorted = sorted(self.lower)
        self._stems_sorted = sorted(self.stems)
        self.source = " ".join(source.split())

    # -------------------------------------------------------------------------------- words
    def word_ok(self, word: str) -> bool:
        """A whole word the writer may write."""
        if word in self.exact:
            return True
        if word[0].isdigit() or not _plain_case(word):
            return False  # a number, or inner capitals ("McCain", "adDed"): only as the source writes it
        if word.islower() and word in self.names:
            return False  # "duhalde" for "Duhalde"
        return self._lower_ok(word.lower())

    def _lower_ok(self, word: str) -> bool:
        return word in self.lower or (len(word) > MIN_STEM and stem(word) in self.stems)

    def prefix_ok(self, part: str) -> bool:
        """A word begun that can still end as one `word_ok` takes."""
        if _has_prefix(self._exact_sorted, part):
            return True
        if part[0].isdigit() or not _plain_case(part):
            return False
        low = part.lower()
        if _has_prefix(self._lower_sorted, low) or _has_prefix(self._stems_sorted, low):
            return True
        # a variant: a stem and the start of a suffix past it ("weakne" on its way to "weakness")
        return any(low[:k] in self.stems and _SUFFIX_STARTS.get(len(low) - k, frozenset()).__contains__(low[k:])
                   for k in range(max(MIN_STEM, len(low) - MAX_SUFFIX), len(low) + 1))

    def words_from(self, part: str) -> list[str]:
        """The source's words (as written, and lower-cased where `part` is) that begin with `part`."""
        pool, key = (self._exact_sorted, part) if not part.islower() else (self._lower_sorted, part)
        i = bisect.bisect_left(pool, key)
        out = []
        while i < len(pool) and pool[i].startswith(key):
            out.append(pool[i])
            i += 1
        return out

    # -------------------------------------------------------------------------------- texts
    def allows(self, text: str, start: int = 0) -> bool:
        """Whether `text` (a written text) can still become one made of the source's words, judging the
        words that reach past `start` (what was judged before need not be again)."""
        if not self._quote_ok(text):
            return False
        begin = start
        while begin > 0 and text[begin - 1].isalnum():  # the word `start` cuts is judged whole
            begin -= 1
        open_end = bool(text) and text[-1].isalnum()
        for m in _RUN.finditer(text, begin):
            if m.end() == len(text) and open_end:
                return self.prefix_ok(m.group(0))
            if not self.word_ok(m.group(0)):
                return False
        return True

    def first_foreign_word(self, text: str) -> str | None:
        """The first word of a whole text that `word_ok` refuses (or a quotation not copied), else None."""
        for quoted in _QUOTED.findall(text):
            if " ".join(quoted.split()).rstrip(",.") not in self.source:
                return f'"{quoted}"'
        if not self._quote_ok(text):
            return "an open quotation not in the source"
        return next((w for w in _RUN.findall(text) if not self.word_ok(w)), None)

    def _quote_ok(self, text: str) -> bool:
        """What follows an opening quotation mark, up to its closing one, is the source's own text."""
        marks = [i for i, c in enumerate(text) if c in _QUOTES]
        if len(marks) % 2 == 0:
            return True
        quoted = " ".join(text[marks[-1] + 1:].split())
        return quoted == "" or quoted in self.source or quoted.rstrip(",.") in self.source


def _plain_case(word: str) -> bool:
    """lower case, Capitalised or ALL CAPS: the cases a word may take that the source writes otherwise."""
    return word.islower() or word.isupper() or word[1:].islower() or len(word) == 1


def _has_prefix(sorted_words: list[str], prefix: str) -> bool:
    i = bisect.bisect_left(sorted_words, prefix)
    return i < len(sorted_words) and sorted_words[i].startswith(prefix)


def _capitalised(text: str) -> set[str]:
    """Capitalised words other than function words: the names, mostly."""
    return {w for w in _RUN.findall(text) if w[0].isupper() and w.lower() not in FUNCTION_WORDS}


def content_stems(text: str) -> set[str]:
    """The stems of a text's words that are not function words."""
    return {stem(w) for w in _RUN.findall(text) if w.lower() not in FUNCTION_WORDS}


def _in_order(sentence: str, source: str) -> str | None:
    """The first content word of `sentence` that its source does not hold after the one before it (a
    word moved, or said more often than the source says it), or None: what the writer writes keeps the
    source's order, so it can leave out and reword but not re-relate ("She requests a meeting to support
    the DCM" of "She requests a meeting with ... the DCM, and we support her request")."""
    order = [stem(w) for w in _RUN.findall(source) if w.lower() not in FUNCTION_WORDS]
    at = 0
    for w in _RUN.findall(sentence):
        if w.lower() in FUNCTION_WORDS:
            continue
        try:
            at = order.index(stem(w), at) + 1
        except ValueError:
            return w
    return None


def _lower_words(text: str) -> set[str]:
    """The words a text writes in lower case, and its first word lower-cased: "states" is no verb in
    "the United States", nor "may" in "May 3"."""
    runs = _RUN.findall(text)
    return {w for w in runs if w.islower()} | ({runs[0].lower()} if runs else set())


def cuts_a_number(text: str, source: str) -> bool:
    """Whether `text` ends at the decimal point of a number its source goes on with ("USD 0." of "USD 0.016")."""
    cut = re.search(r"(\d+)\.+$", text)
    return cut is not None and re.search(re.escape(cut.group(1)) + r"\.\d", source) is not None


def gate(sentence: str, source: str, grounding: Grounding | None = None) -> str | None:
    """Why a written sentence may not stand for its source ("kind: detail", or a kind alone), or None
    when it may. `grounding`: the words it may use, where they are more than the source's (the cable's
    subject too); what it says is held against the source alone (a subject's "NOT" is no negation the
    sentence dropped)."""
    grounding = grounding or Grounding(source)
    word = grounding.first_foreign_word(sentence)
    if word:
        return f"word not in the source: {word!r}"
    written = {w.lower() for w in _RUN.findall(sentence)}
    added = sorted((written & NEGATIONS) - {w.lower() for w in _RUN.findall(source)})
    if added:  # counting them is not enough: "not noncommittal" for "noncommittal ... made none"
        return f"a negation its source lacks: {added[0]!r}"
    if opens_dangling(sentence) and not opens_dangling(source):  # "He emphasized ..." for "President Rajapakse emphasized ..."
        return "opens leaning on what it left out"
    said, heard = _lower_words(sentence), _lower_words(source)
    if (heard & REPORTING) - said:  # "While he believes ..." for "Mr. Fleitas claims that, while he believes ..."
        return "drops who said it"
    hedges = sorted((heard & HEDGES) - said)
    if hedges:
        return f"drops a hedge: {hedges[0]!r}"
    for names in _LIST.findall(source):  # "Turkmenistan, Iran, Tajikistan" kept whole or left out whole
        items = [n.lower() for n in _RUN.findall(names) if n not in ("and", "or")]
        if any(i in written for i in items) and not all(i in written for i in items):
            return "drops part of a list"
    shared = content_stems(sentence) & content_stems(source)
    if len(shared) < min(MIN_SHARED, len(content_stems(source))):
        return "says too little of its source"
    if _capitalised(source) and not _capitalised(sentence):
        return "drops every name of its source"  # "He said he would ..." for "Duhalde agreed that Kirchner ..."
    moved = _in_order(sentence, source)
    if moved:
        return f"out of the source's order: {moved!r}"
    if cuts_a_number(sentence, grounding.source):
        return "broken: a number cut at its decimal point"
    fragment = fragment_kind(sentence)
    if fragment:
        return f"fragment: {fragment}"
    broken = broken_kind(sentence, set(words(grounding.source)))
    if broken:
        return f"broken: {broken}"
    unsupported = faithfulness(sentence, grounding.source)["unsupported"]
    if unsupported:
        return f"unsupported: {unsupported[0]!r}"
    changed = [c for c in fact_changes(sentence, source) if not c.startswith("dropped ") or c == "dropped negation"]
    if changed:
        return f"fact changed: {changed[0]}"
    return None


class GroundedDecoding:
    """The writer's decoding rule (`choose`): of a row's `top_k` likeliest next tokens, the likeliest that
    keeps the row's text `allows`-able (the end of the text only after a sentence's end), and none that
    would write one of its `no_repeat`-grams twice. When none of them does, the next `widen` likeliest are
    tried the same way, then the rest of a begun source word, and only when none of those does either is
    the end of the text the one way left (the gate then judges what was written)."""

    def __init__(self, tokenizer, groundings: list[Grounding], top_k: int = 24, widen: int = 256, no_repeat: int = 4):
        self.tokenizer = tokenizer
        self.groundings = groundings
        self.top_k = top_k
        self.widen = widen
        self.no_repeat = no_repeat
        self.eos = tokenizer.eos_token_id
        self._pieces: dict[int, str] = {}
        self._starts: list[frozenset[int] | None] = [None] * len(groundings)

    def piece(self, token: int) -> str:
        """A token's text ("\ufffd" in it where the token is part of a character's bytes: never written)."""
        if token not in self._pieces:
            self._pieces[token] = self.tokenizer.decode([token], skip_special_tokens=True)
        return self._pieces[token]

    def choose(self, row: int, written: list[int], scores) -> int:
        """The token row `row` writes after its tokens `written`, given the LM's `scores` (one position): the
        first of `open_tokens` in the order of the scores, judged lazily (the likeliest token is mostly
        allowed, and then it is the only one judged)."""
        import torch

        banned = self._repeats(written)
        ranked = torch.topk(scores, min(self.widen, scores.shape[-1])).indices.tolist()
        text = "".join(self.piece(t) for t in written)
        for tier in self._tiers(row, ranked):
            allowed = (t for t in tier if self._ok(row, text, t))
            first = next(allowed, None)
            if first is not None:
                return first if first not in banned else next((t for t in allowed if t not in banned), self.eos)
        completions = [t for t in self._completions(row, text) if t not in banned and self._ok(row, text, t)]
        return completions[int(scores[completions].argmax())] if completions else self.eos

    def open_tokens(self, row: int, text: str, ranked: list[int]) -> list[int]:
        """The tokens `choose` may write after `text`, given `ranked`, the likeliest tokens (likeliest
        first): those of the `top_k` and any later one that starts or goes on with a source word (the
        source's own next word, "3" of "March 3", may rank below words the source lacks) that keep the
        text `allows`-able; else those among the rest of `ranked`; else the rest of a begun source word."""
        for tier in (*self._tiers(row, ranked), self._completions(row, text)):
            allowed = [t for t in tier if self._ok(row, text, t)]
            if allowed:
                return allowed
        return []

    def _tiers(self, row: int, ranked: list[int]) -> tuple[list[int], list[int]]:
        starts = self._source_starts(row)
        return (ranked[:self.top_k] + [t for t in ranked[self.top_k:] if t in starts],
                [t for t in ranked[self.top_k:] if t not in starts])

    def _repeats(self, written: list[int]) -> set[int]:
        """The tokens that would end an n-gram `written` already holds (transformers' no_repeat_ngram_size
        also counts the prompt's, so it closed every run of the sentence being rewritten)."""
        n = self.no_repeat
        if len(written) < n:
            return set()
        tail = written[len(written) - n + 1:]
        return {written[i + n - 1] for i in range(len(written) - n + 1) if written[i:i + n - 1] == tail}

    def _source_starts(self, row: int) -> frozenset[int]:
        """The first token of each of the source's words, with and without a space before it."""
        if self._starts[row] is None:
            words = self.groundings[row].exact
            self._starts[row] = frozenset(self.tokenizer(text, add_special_tokens=False)["input_ids"][0]
                                          for w in words for text in (w, " " + w))
        return self._starts[row]

    def _completions(self, row: int, text: str) -> list[int]:
        """The first token of the rest of each source word the text's unfinished last word can become: the
        likeliest tokens may all leave it ("Jung" of "Junge", where the LM would go on with a space), and
        ending there would leave the word cut."""
        part = re.search(r"[^\W_]+$", text)
        if part is None:
            return []
        part = part.group(0)
        rests = {w[len(part):] for w in self.groundings[row].words_from(part)} - {""}
        return sorted({self.tokenizer(rest, add_special_tokens=False)["input_ids"][0] for rest in rests})

    def _ok(self, row: int, text: str, token: int) -> bool:
        """Whether `token` may follow `text`."""
        if token == self.eos:  # only after a sentence's end: not mid-word, mid-sentence or mid-number
            grounding = self.groundings[row]
            return bool(_ENDED.search(text)) and not cuts_a_number(text, grounding.source) and \
                grounding.allows(text + " ", len(text))
        piece = self.piece(token)
        return bool(piece) and "\ufffd" not in piece and self.groundings[row].allows(text + piece, len(text))
