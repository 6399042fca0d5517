"""The rewriter's source constraint in training: what it may write, and where the copy bonus applies.

A small generator trained on a few thousand pairs invents names and numbers when left free. In
training its softmax is restricted to the row's source tokens and a closed list of function words,
punctuation and inflection pieces (`allowed_token_ids`), and a learned `copy_bonus` is added to the
token that continues the source from where the last written tokens were copied (`continuations`).
When decoding, the writer is stricter still: it may only leave out whole units of its source
(`summarizer.model.deletion`), and the learned bonus is its margin for doing so.
"""
from __future__ import annotations

FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here it its it's they them their
theirs he him his she her hers we us our you your i me my who whom whose which what when where why how
is are was were be been being am has have had having do does did done will would shall should can could
may might must not no also too very more most less least only just even still already both each either
neither all any some such other another own same few many much several
of in on at by for with from to into onto over under about after before during between among against
through without within upon toward towards across along around since until while because although though
as like per via including according
said says say told noted stated added
, . ; : - -- ' " ( ) ! ?
""".split())
# WordPiece continuation pieces that inflect a copied word.
INFLECTIONS = ("##s", "##es", "##ed", "##d", "##ing", "##ly")


def allowed_token_ids(tokenizer) -> set[int]:
    """Ids the rewriter may always write: function words, punctuation, inflections, special tokens."""
    ids: set[int] = set()
    for word in FUNCTION_WORDS:
        ids.update(tokenizer(word, add_special_tokens=False)["input_ids"])
    vocab = tokenizer.get_vocab()
    ids.update(vocab[p] for p in INFLECTIONS if p in vocab)
    ids.update(i for i in (tokenizer.eos_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id) if i is not None)
    return ids


MATCH = 8  # written tokens the copy pointer matches against the source to know where it is


def positions(ids: list[int]) -> dict[int, list[int]]:
    """token → the positions where it occurs in `ids`."""
    out: dict[int, list[int]] = {}
    for j, t in enumerate(ids):
        out.setdefault(t, []).append(j)
    return out


def continuations(source: list[int], where: dict[int, list[int]], written: list[int],
                  text_start: int | None = None) -> set[int]:
    """The tokens that continue `source` where `written` was being copied from: after each place that
    matches the longest suffix (up to MATCH tokens) of `written`. Matching one token alone would let a
    common word ("the", "and") jump to any of its continuations, and the copy would come out in
    fragments ("Turkish elites and State"). With `text_start` (where the source's text starts), an
    output copied from the start so far stays anchored there: nothing written yet continues at the
    start, and "The" goes on as the source's first "The" does, not as every "the" in it does."""
    if not written:
        return {source[text_start]} if text_start is not None and text_start < len(source) else set()
    ends = where.get(written[-1], [])
    k = 1
    while k < min(MATCH, len(written)):
        longer = [j for j in ends if j >= k and source[j - k] == written[-k - 1]]
        if not longer:
            break
        ends, k = longer, k + 1
    if text_start is not None and k == len(written):
        anchored = [j for j in ends if j - k + 1 == text_start]
        ends = anchored or ends
    return {source[j + 1] for j in ends if j + 1 < len(source)}
