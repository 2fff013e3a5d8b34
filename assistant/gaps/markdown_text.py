"""User and corpus text made inert in Markdown: it reads as the same words, never as markup.

Questions are whatever readers typed, so a report must not let one become a heading, a
list, a link, raw HTML or a table's extra column. Escaped with CommonMark's own backslash
escapes (any ASCII punctuation may take one), so a renderer shows the text as typed and
turns ``\\<`` into ``&lt;``.
"""

from __future__ import annotations

import re

__all__ = ["inline"]

# Markup anywhere in a line: emphasis, code, links and images, raw HTML and autolinks,
# strikethrough, table cells, headings (a heading's closing "#"s too), the backslash, "$"
# (GitHub renders "$x^2$" as maths) and "@" (GitHub links a bare e-mail address).
_ANYWHERE = re.compile(r"([\\`*_\[\]<>|~#$@])")
# GitHub also links a bare address ("https://...", "www...."), found by its ":" or its
# "www.": escaping that ":" or "." leaves the text as typed and no link.
_BARE_LINK = re.compile(r"(?<=\w)(:)(?=//)|(?<![\w.])((?i:www))(\.)")
# An entity reference ("&amp;", "&#60;") would render as the character it names.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# What opens a block at a line's start and is not escaped above: a list item ("-", "+",
# "1." or "1)"), a setext underline.
_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def inline(text: str) -> str:
    """One line of Markdown that renders as ``text`` (its whitespace, new lines included,
    collapsed to single spaces: a new line would end a table row or a list item)."""
    flat = " ".join(text.split())
    escaped = _ENTITY.sub(r"\\&", _ANYWHERE.sub(r"\\\1", flat))
    escaped = _BARE_LINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", escaped)
    if match := _BLOCK_START.match(escaped):
        end = match.end()
        # "1. x" is a list only with its dot: escape that; other openers are escaped themselves.
        return escaped[:end] + "\\" + escaped[end:] if match.group(1)[0].isdigit() else "\\" + escaped
    return escaped
