"""Remove site chrome from a document's blocks, keeping every sentence of the body.

Blog exports carry a site tagline and the title (often twice) above the article, and
subscription prompts, author cards and footnote links below it. The rules here are
general ones for that shape of page, not a list of one article's lines:

* everything up to the last copy of the title near the top is header chrome;
* the first subscription / sharing prompt in the last part of the page starts the
  footer, and it and everything after it are dropped;
* footnote definitions (``[0] https://...``) are dropped and their ``[0]`` markers
  removed from the text, since ``[n]`` is how the assistant marks its own citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.blocks import Block

__all__ = ["CleanedBlocks", "clean_blocks"]

_HEAD_WINDOW = 6  # the title is looked for among the first few blocks only
_FOOTER_START = 0.5  # a footer prompt counts only in the second half of the page

_CHROME = re.compile(
    r"^(subscribe\b.*|sign (up|in)\b.*|.*\bmembers[- ]only\b.*|share (this|on)\b.*|"
    r"(leave a |\d+ )?comments?|powered by\b.*|related (posts|articles)|read more|"
    r"follow (me|us)\b.*|you might also like\b.*|newer post|older post)$",
    re.IGNORECASE,
)
_FOOTNOTE_DEF = re.compile(r"^\[(\d{1,3})\]\s+(\S.*)$")


@dataclass
class CleanedBlocks:
    blocks: list[Block]
    title: str
    footnotes: dict[str, str] = field(default_factory=dict)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _find_title(blocks: list[Block], title: str) -> tuple[str, int]:
    """Return the title and the index of the last block of the title run near the top (-1: none)."""
    head = blocks[:_HEAD_WINDOW]
    if not title:
        # No metadata: a line repeated at the top, else a leading level-1 heading, is the title.
        seen: dict[str, str] = {}
        for block in head:
            if _norm(block.text) in seen:
                title = seen[_norm(block.text)]
                break
            seen[_norm(block.text)] = block.text
        else:
            if head and head[0].kind == "heading" and head[0].level == 1:
                title = head[0].text
    if not title:
        return "", -1
    wanted = _norm(title)
    last = -1
    for index, block in enumerate(head):
        if _norm(block.text) == wanted:
            last = index
        elif last >= 0:
            break
    return title, last


def clean_blocks(blocks: list[Block], title: str = "") -> CleanedBlocks:
    blocks = [b for b in blocks if b.text.strip()]
    title, title_end = _find_title(blocks, title)
    body = blocks[title_end + 1 :]

    footer_from = int(len(body) * _FOOTER_START)
    for index in range(footer_from, len(body)):
        if _CHROME.match(body[index].text.strip()):
            body = body[:index]
            break
    body = [b for b in body if not _CHROME.match(b.text.strip())]

    footnotes: dict[str, str] = {}
    kept: list[Block] = []
    for block in body:
        match = _FOOTNOTE_DEF.match(block.text)
        if match and block.kind == "para" and len(block.text) < 300:
            footnotes[match.group(1)] = match.group(2).strip()
        else:
            kept.append(block)
    if footnotes:
        marker = re.compile(r"\s?\[(" + "|".join(map(re.escape, footnotes)) + r")\]")
        kept = [Block(b.kind, marker.sub("", b.text), b.level) for b in kept]
    return CleanedBlocks(blocks=[b for b in kept if b.text.strip()], title=title, footnotes=footnotes)
