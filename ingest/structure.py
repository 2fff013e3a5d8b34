"""Group a cleaned document's blocks into sections, and Q&A sections into questions.

Markdown and HTML headings are used as they are. Plain text has no markup, so headings
are inferred from the shape of a paragraph, with general rules rather than a list of
known headings:

* a heading is one short line (at most 10 words) that does not end like a sentence;
  a heading that directly follows another, empty one is its subsection;
* a run of two or more ``Term - definition`` lines is a list of sections, one per term,
  each keeping the ``Label: ...`` lines under it (``Top skills: ...``); the paragraph
  after the list goes back to the section the list stood in;
* inside a section titled like a Q&A (``Q & A``, ``FAQ``, ``Questions``), a one-sentence
  line that ends with "?" or speaks in the first person ("I want to stay an IC but ...")
  opens a question, unless it directly follows a question (then it is the answer);
  ``Q:`` / ``A:`` prefixes are honoured anywhere.

Text before the first heading is the "Introduction".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.blocks import Block

__all__ = ["INTRODUCTION", "Section", "build_sections"]

INTRODUCTION = "Introduction"

_MAX_HEADING_WORDS = 10
_MAX_QUESTION_WORDS = 30
_QA_TITLE = re.compile(
    r"(^|\s)(q\s*&\s*a|q\s*and\s*a|faqs?|frequently asked questions|questions( and answers)?)$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:;,\-–—]$")
_INNER_SENTENCE = re.compile(r"[.!?]\s+[A-Z]")
_DEFINITION = re.compile(r"^(?P<term>[A-Z][^.!?:,;()]{0,60}?)\s+[-–—]\s+(?P<definition>\S.*)$")
_LABEL = re.compile(r"^[A-Z][A-Za-z /]{0,30}:\s+\S")
_FIRST_PERSON = re.compile(r"^(i|i'm|i’m|i've|i’ve|i'd|i’d|my|should i|can i|how (do|can|should) i)\b", re.I)
_Q_PREFIX = re.compile(r"^(q|question)\s*[:.]\s*", re.I)
_A_PREFIX = re.compile(r"^(a|answer)\s*[:.]\s*", re.I)


@dataclass
class Section:
    path: tuple[str, ...]
    question: str = ""
    blocks: list[int] = field(default_factory=list)  # indexes into the document's blocks
    heading_only: bool = True  # holds nothing but its own heading so far

    @property
    def title(self) -> str:
        return self.path[-1]


def _is_one_sentence(text: str) -> bool:
    return "\n" not in text and not _INNER_SENTENCE.search(text.rstrip(".!?"))


def _looks_like_heading(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= _MAX_HEADING_WORDS
        and len(text) <= 80
        and "\n" not in text
        and (text[0].isupper() or text[0].isdigit())
        and not _SENTENCE_END.search(text)
        and not _LABEL.match(text)
        and "://" not in text
    )


def _definition_term(text: str) -> str:
    match = _DEFINITION.match(text)
    if match and len(match.group("term").split()) <= 6 and "\n" not in text:
        return match.group("term").strip()
    return ""


def _looks_like_question(text: str, after_question: bool) -> bool:
    if after_question or not _is_one_sentence(text) or len(text.split()) > _MAX_QUESTION_WORDS:
        return False
    return text.endswith("?") or bool(_FIRST_PERSON.match(text))


class _Builder:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.sections: list[Section] = []
        self.qa_path: tuple[str, ...] | None = None
        self.list_parent: tuple[str, ...] | None = None  # section a definition list stands in
        self.min_level = min((b.level for b in blocks if b.kind == "heading"), default=1)

    @property
    def current(self) -> Section | None:
        return self.sections[-1] if self.sections else None

    def open(self, path: tuple[str, ...], index: int | None, question: str = "") -> None:
        section = Section(path=path, question=question)
        if index is not None:
            section.blocks.append(index)
        else:
            section.heading_only = False
        self.sections.append(section)

    def add_body(self, index: int) -> None:
        if self.current is None:
            self.open((INTRODUCTION,), None)
        self.current.blocks.append(index)
        self.current.heading_only = False

    def heading(self, index: int, text: str, level: int | None) -> None:
        """level None: inferred from plain text, nested only under an empty heading."""
        self.list_parent = None
        current = self.current
        if level is None:
            nested = current is not None and current.heading_only and not current.question
            path = (*current.path, text) if nested else (text,)
        else:
            depth = level - self.min_level
            parents = current.path[:depth] if current and current.path != (INTRODUCTION,) else ()
            path = (*parents, text)
        if self.qa_path is not None and path[: len(self.qa_path)] != self.qa_path:
            self.qa_path = None
        if _QA_TITLE.search(text.strip()):
            self.qa_path = path
        question = text if (self.qa_path is not None and path != self.qa_path and text.endswith("?")) else ""
        self.open(path, index, question)

    def question(self, index: int, text: str) -> None:
        self.list_parent = None
        question = _Q_PREFIX.sub("", text).strip()
        current = self.current
        if self.qa_path is None:
            # A "Q:" line outside a Q&A section makes the section it stands in one.
            self.qa_path = (current.path[:-1] if current.question else current.path) if current else ()
        self.open((*self.qa_path, question), index, question)
        self.current.heading_only = False

    def definition(self, index: int, term: str) -> None:
        if self.list_parent is None:
            self.list_parent = self.current.path if self.current else (INTRODUCTION,)
        self.open((term,), index)
        self.current.heading_only = False

    def build(self) -> list[Section]:
        definitions = sum(1 for b in self.blocks if b.kind == "para" and _definition_term(b.text))
        for index, block in enumerate(self.blocks):
            text = block.text
            after_question = bool(self.current and self.current.question and len(self.current.blocks) == 1)
            if block.kind == "heading":
                self.heading(index, text, block.level)
            elif _Q_PREFIX.match(text) and not _A_PREFIX.match(text):
                self.question(index, text)
            elif self.qa_path is not None and _looks_like_question(text, after_question):
                self.question(index, text)
            elif _looks_like_heading(text):
                self.heading(index, text, None)
            elif definitions >= 2 and _definition_term(text):
                self.definition(index, _definition_term(text))
            elif self.list_parent is not None and not _LABEL.match(text):
                parent, self.list_parent = self.list_parent, None
                self.open(parent, None)
                self.current.blocks.append(index)
            else:
                self.add_body(index)
        return self.sections


def build_sections(blocks: list[Block]) -> list[Section]:
    """Sections in document order; each holds the indexes of its (consecutive) blocks."""
    return _Builder(blocks).build()
