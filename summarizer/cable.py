"""The parsed-cable record: what `parse` returns and `summarizer parse` prints."""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Tag:
    code: str
    kind: str  # subject | geographic | program | person | organisation
    name: str | None = None  # readable name from the TAGS table, when known


@dataclass(frozen=True)
class Paragraph:
    number: int | None  # the cable's own paragraph number, None for unnumbered text
    marking: str | None  # classification marking such as "C", "SBU", "S/NF"
    text: str  # clean text: no number, marking, SIPDIS lines or wrapping
    start: int  # character offsets of the paragraph in the raw text (raw[start:end])
    end: int
    heading: str | None = None  # the section heading above it, if any


@dataclass
class Cable:
    id: str | None = None
    date: str | None = None  # ISO 8601
    classification: str | None = None
    origin: str | None = None
    subject: str | None = None
    tags: list[Tag] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    classified_by: str | None = None
    classification_reasons: list[str] = field(default_factory=list)
    summary: str | None = None  # the cable's own summary paragraph(s), clean text
    comment: str | None = None  # the cable's own comment paragraph(s), clean text
    paragraphs: list[Paragraph] = field(default_factory=list)  # every body paragraph, summary included
    summary_paragraphs: list[int] = field(default_factory=list)  # indexes into `paragraphs` holding the summary
    signer: str | None = None
    warnings: list[str] = field(default_factory=list)
    # The reference parser's fields (issue 29): each None / empty where the text has none.
    reference_items: list[dict] = field(default_factory=list)  # {"id" or "text", "kind", "letter"}
    classifier: dict | None = None  # {"name", "title", "reasons"} of `classified_by`
    decl: str | None = None  # the DECL (declassification) date, ISO 8601
    recipients: list[dict] = field(default_factory=list)  # {"route", "name", "precedence", "serial"}
    info_recipients: list[dict] = field(default_factory=list)
    transmission_id: str | None = None  # "VZCZCXYZ0033"
    partial: bool = False  # the page's "partial extract of the original cable" notice
    signers: list[str] = field(default_factory=list)

    @property
    def tag_codes(self) -> list[str]:
        return [t.code for t in self.tags]

    @property
    def body(self) -> str:
        """The model's input: every body paragraph except the own summary, one paragraph a line."""
        return "\n".join(self.body_paragraphs)

    @property
    def body_paragraphs(self) -> list[str]:
        skip = set(self.summary_paragraphs)
        return [p.text for i, p in enumerate(self.paragraphs) if i not in skip and p.text]

    @property
    def model_input(self) -> list[str]:
        """What a model reads: the body paragraphs (own summary left out); for a cable with nothing but
        a summary (or nothing parsed), whatever text it has."""
        paras = [p for p in self.body_paragraphs if p.strip()]
        if paras:
            return paras
        fallback = [p.text for p in self.paragraphs if p.text and p.text.strip()]
        if fallback:
            return fallback
        return [self.subject] if self.subject else []

    def to_json(self) -> dict:
        """The record of the SPEC's `summarizer parse` contract (plus a few extra fields)."""
        return {
            "id": self.id,
            "date": self.date,
            "classification": self.classification,
            "origin": self.origin,
            "subject": self.subject,
            "tags": self.tag_codes,
            "tag_details": [asdict(t) for t in self.tags],
            "references": self.references,
            "reference_items": self.reference_items,
            "classified_by": self.classified_by,
            "classifier": self.classifier,
            "decl": self.decl,
            "recipients": self.recipients,
            "info_recipients": self.info_recipients,
            "transmission_id": self.transmission_id,
            "partial": self.partial,
            "classification_reasons": self.classification_reasons,
            "summary": self.summary,
            "comment": self.comment,
            "body": self.body,
            "paragraphs": [asdict(p) for p in self.paragraphs],
            "signer": self.signer,
            "signers": self.signers,
            "warnings": self.warnings,
        }


def strip_summary(cable: Cable) -> Cable:
    """A copy of `cable` that holds nothing of its own summary (the leakage rule)."""
    skip = set(cable.summary_paragraphs)
    return dataclasses.replace(
        cable,
        summary=None,
        paragraphs=[p for i, p in enumerate(cable.paragraphs) if i not in skip],
        summary_paragraphs=[],
        tags=list(cable.tags),
        references=list(cable.references),
        reference_items=[dict(x) for x in cable.reference_items],
        signers=list(cable.signers),
        recipients=[dict(x) for x in cable.recipients],
        info_recipients=[dict(x) for x in cable.info_recipients],
        classifier=dict(cable.classifier) if cable.classifier else None,
        classification_reasons=list(cable.classification_reasons),
        warnings=list(cable.warnings),
    )
