"""Sentence selection: which body sentences a summary should be written from.

A small linear scorer over cheap sentence features (position, overlap with the subject line,
corpus-weighted centrality), trained on greedy-oracle labels, picks sentences up to a predicted
length. The seq2seq model then writes the summary from them.
"""
from summarizer.selection.features import FEATURE_NAMES, Sentence, body_sentences, sentence_features
from summarizer.selection.scorer import SentenceScorer

__all__ = ["FEATURE_NAMES", "Sentence", "SentenceScorer", "body_sentences", "sentence_features"]
