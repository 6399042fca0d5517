"""A topic label the model writes is kept only when every name and number in it occurs in the cable."""
from summarizer.model.inference import _unsupported

SOURCE = "Prime Minister Koizumi will raise the Northern Territories with President Putin at the G-8 Summit."


def test_label_inventing_a_country_is_unsupported() -> None:
    assert _unsupported("Costa Rica's meeting with the U.S. -- in the government", SOURCE)


def test_label_built_from_the_cable_is_supported() -> None:
    assert _unsupported("Koizumi to raise Northern Territories with Putin", SOURCE) == []
