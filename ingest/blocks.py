"""Turn a file's text into a flat list of blocks: headings and paragraphs.

Every format (.txt, .md, .html) becomes the same shape here, so cleaning, structure
and chunking are written once. Plain text has no heading markup: its paragraphs come
out as ``para`` blocks and ``structure`` infers which of them are headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import yaml

__all__ = ["Block", "ParsedText", "parse_html", "parse_markdown", "parse_text"]

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QA_LINE = re.compile(r"^\s*(q|a|question|answer)\s*[:.]\s", re.I)


@dataclass(frozen=True)
class Block:
    """One paragraph or heading of a document, whitespace already normalised."""

    kind: str  # "heading" (level known from markup) or "para"
    text: str
    level: int = 0


@dataclass
class ParsedText:
    blocks: list[Block]
    metadata: dict[str, str] = field(default_factory=dict)


def _join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines: hard-wrapped prose becomes one line, lists keep their lines."""
    lines = [line.strip() for line in lines if line.strip()]
    if any(_BULLET.match(line) for line in lines):
        return "\n".join(lines)
    return " ".join(lines)


def _paragraphs(text: str) -> list[list[str]]:
    """Lines grouped by blank lines; a "Q:" or "A:" line also starts a new group."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip() and current and _QA_LINE.match(line):
            paragraphs.append(current)
            current = [line.rstrip()]
        elif line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def parse_text(text: str) -> ParsedText:
    """Plain text: paragraphs split on blank lines; setext-underlined lines are headings."""
    blocks: list[Block] = []
    for lines in _paragraphs(text):
        if len(lines) == 2 and _SETEXT.match(lines[1]) and lines[0].strip():
            level = 1 if lines[1].strip().startswith("=") else 2
            blocks.append(Block("heading", " ".join(lines[0].split()), level))
            continue
        joined = _join_lines(lines)
        if joined:
            blocks.append(Block("para", joined))
    return ParsedText(blocks)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter between --- lines, read with PyYAML (safe_load): its scalar values as
    text, keyed in lower case. Front matter that is not valid YAML, or not a mapping, gives no
    metadata; it is still cut from the body, which it is not part of."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    try:
        parsed = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        parsed = None
    metadata = {
        str(key).strip().lower(): str(value).strip()
        for key, value in (parsed.items() if isinstance(parsed, dict) else ())
        if isinstance(value, str | int | float | date) and str(key).strip()
    }
    rest = text[end + 4 :]
    return metadata, rest.split("\n", 1)[1] if "\n" in rest else ""


def parse_markdown(text: str) -> ParsedText:
    """Markdown: ATX (#) and setext headings are used directly; code fences stay whole."""
    metadata, body = _front_matter(text)
    blocks: list[Block] = []
    current: list[str] = []
    in_fence = False

    def flush() -> None:
        if current:
            for lines in _paragraphs("\n".join(current)):
                if len(lines) >= 2 and _SETEXT.match(lines[-1]) and not _BULLET.match(lines[-1]):
                    level = 1 if lines[-1].strip().startswith("=") else 2
                    if lines[:-2]:
                        blocks.append(Block("para", _join_lines(lines[:-2])))
                    blocks.append(Block("heading", " ".join(lines[-2].split()), level))
                else:
                    blocks.append(Block("para", _join_lines(lines)))
            current.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            current.append(line)
            continue
        match = None if in_fence else _ATX.match(line)
        if match:
            flush()
            blocks.append(Block("heading", match.group(2).strip(), len(match.group(1))))
        else:
            current.append(line)
    flush()
    return ParsedText([b for b in blocks if b.text], metadata)


_HTML_DROP = ["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template"]
_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dt", "dd", "td"]


def parse_html(text: str) -> ParsedText:
    """HTML: h1-h6 are headings; p, li, pre, blockquote ... are paragraphs; page chrome tags go."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.get_text(strip=True):
        metadata["title"] = soup.title.get_text(" ", strip=True)
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        metadata["author"] = str(author["content"]).strip()
    for tag in soup(_HTML_DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[Block] = []
    for element in root.find_all(_HTML_BLOCKS):
        # A <p> inside an <li> or <blockquote> is read with its parent, not twice.
        if element.find_parent(_HTML_BLOCKS):
            continue
        content = " ".join(element.get_text(" ", strip=True).split())
        if not content:
            continue
        if element.name[0] == "h" and element.name[1:].isdigit():
            blocks.append(Block("heading", content, int(element.name[1:])))
        else:
            blocks.append(Block("para", content))
    return ParsedText(blocks, metadata)
