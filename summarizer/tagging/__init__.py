"""The TAGS classifier a model directory may carry: codes predicted from the body, subject and station."""
from summarizer.tagging.classifier import DecodeConfig, TagClassifier
from summarizer.tagging.features import FeatureConfig

__all__ = ["DecodeConfig", "FeatureConfig", "TagClassifier"]
