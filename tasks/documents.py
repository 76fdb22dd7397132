"""The records that flow between stages: one ``Document`` per input, and ``Reject`` for losses."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any


def article_id_for(location: str) -> str:
    """The article id of a source location (a resolved file URI or a URL)."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class Reject:
    """An input the pipeline could not turn into an article, and why."""

    source_uri: str
    stage: str
    reason: str
    detail: str = ""
    # What identifies the source's state, when known, so an unchanged rejected file is
    # not processed again at every run.
    location: str = ""
    raw_hash: str = ""
    source_size: int | None = None
    source_mtime_ns: int | None = None

    def about(self, doc: Document) -> Reject:
        """Copy the source's identity and state from the document it was made from."""
        self.location, self.raw_hash = doc.location, doc.raw_hash
        self.source_size, self.source_mtime_ns = doc.source_size, doc.source_mtime_ns
        return self


@dataclass(slots=True)
class Block:
    """One line or element of extracted text, before cleaning."""

    position: int
    text: str
    kind: str | None = None  # "heading" or "body" when the markup says so


@dataclass(slots=True)
class Removed:
    """A block the cleaner removed, with the rule that removed it."""

    position: int
    text: str
    rule: str


@dataclass(slots=True)
class Paragraph:
    """A kept paragraph: ``kind`` is ``heading`` or ``body``."""

    position: int
    kind: str
    text: str


@dataclass(slots=True)
class Mention:
    """A named-entity mention; offsets index into the paragraph's stored text."""

    position: int
    start: int
    end: int
    surface: str
    label: str
    entity_id: str
    name: str  # the name this mention stands for, after linking ("Shin" -> "Shin Won-sik")
    method: str = "exact"  # how that name was found (see tasks/linking.py)


@dataclass(slots=True)
class Document:
    """One input as it moves through the stages; each stage fills its own fields."""

    source_uri: str
    location: str  # resolved file URI, the identity of the source
    raw: bytes = b""
    raw_hash: str = ""
    source_size: int | None = None
    source_mtime_ns: int | None = None
    fmt: str = "text"  # "html" or "text"
    encoding: str = ""
    text: str = ""  # decoded input (NFC)
    # extract
    title: str | None = None
    title_source: str | None = None
    author: str | None = None
    published: date | None = None
    sitename: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    # clean / segment
    removed: list[Removed] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    language: str = "und"
    ner_status: str = "pending"
    mentions: list[Mention] = field(default_factory=list)
    quantities: list[Any] = field(default_factory=list)  # tasks.quantities.Quantity
    # (location, its article id): validation names the article on every row it builds.
    _id_of: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def article_id(self) -> str:
        """Stable id of the source: the same file always maps to the same article."""
        known = getattr(self, "_id_of", None)  # unset in a Document pickled before it
        if known is None or known[0] != self.location:
            known = self._id_of = (self.location, article_id_for(self.location))
        return known[1]

    @property
    def body_text(self) -> str:
        """The cleaned article text, paragraphs separated by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)


@dataclass
class Transformed:
    """What the CPU stages made of a batch: documents, rejects and seconds per stage."""

    documents: list[Document] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    unchanged: int = 0
    seconds: Counter[str] = field(default_factory=Counter)
    archive: list = field(default_factory=list)  # fetched responses to keep (tasks.fetch)

    def merge(self, other: Transformed) -> None:
        self.documents += other.documents
        self.rejects += other.rejects
        self.unchanged += other.unchanged
        self.seconds.update(other.seconds)
