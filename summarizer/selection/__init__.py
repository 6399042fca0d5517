"""Sentence selection: which body sentences a summary should be written from.

A small network scores each sentence from cheap features (position, overlap with the subject line,
corpus-weighted centrality, summary-likeness), its words and the sentences around it; trained on
greedy-oracle labels and summary bigrams, it picks sentences up to a predicted length. The writer then
writes the summary from them.
"""
from summarizer.selection.features import FEATURE_NAMES, Sentence, body_sentences, sentence_features
from summarizer.selection.scorer import SentenceScorer

__all__ = ["FEATURE_NAMES", "Sentence", "SentenceScorer", "body_sentences", "sentence_features"]
