"""Everything the UI shows: the user's questions, answers (marked sentences, citation
cards, abstentions) and errors as HTML; the status line as Markdown.

Pure functions, so they are tested without a browser. Every piece of text that comes
from the article, the model or the user is escaped here, and nothing reaches the page
any other way: the chat renders with Gradio's HTML sanitising off, because it would
strip the ids and classes that tie markers to cards.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from assistant.answer import Answer, AnswerSentence, Citation
from assistant.sentences import sentence_spans

__all__ = [
    "CSS", "asked_text", "render_answer", "render_error", "render_notice", "render_partial", "render_question",
    "render_status", "shows_error",
]

_MARKER = re.compile(r"\[(\d+)\]")
# A lone surrogate: a browser can send one (JSON "\ud800"), but no page can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")

CSS = """
.answer .quote { font-style: italic; }
.answer .quote::before { content: "“"; } .answer .quote::after { content: "”"; }
.answer .model-sentence { }
.answer a.cite-marker { text-decoration: none; font-weight: 600; font-size: 0.85em; vertical-align: super; }
.answer .legend { font-size: 0.8em; opacity: 0.75; margin: 0.4em 0; }
.answer .cite-cards { display: flex; flex-direction: column; gap: 0.5em; margin-top: 0.6em; }
.answer .cite-card { border: 1px solid rgba(128,128,128,0.35); border-radius: 8px; padding: 0.5em 0.7em; }
.answer .cite-card:target { outline: 2px solid #f59e0b; }
.answer .cite-head { font-weight: 600; }
.answer .cite-num { display: inline-block; min-width: 2em; }
.answer .cite-card blockquote { margin: 0.3em 0; padding-left: 0.6em; border-left: 3px solid rgba(128,128,128,0.4);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.answer .cite-card mark { background: #fde68a; color: #111; padding: 0 0.1em; }
.answer .cite-meta { font-size: 0.8em; opacity: 0.75; overflow-wrap: anywhere; }
.answer.abstained .abstain { border-left: 4px solid #f59e0b; padding: 0.4em 0.7em; background: rgba(245,158,11,0.08); }
.answer .notes { font-size: 0.8em; opacity: 0.75; }
.answer.error { border-left: 4px solid #ef4444; padding: 0.4em 0.7em; }
.chat-notice { font-size: 0.85em; opacity: 0.8; font-style: italic; }
"""


def _valid(text: str) -> str:
    """The text with each lone surrogate shown as U+FFFD: Gradio's JSON encoder cannot encode
    one, and a chat update holding it would cut the page's event stream (a TypeError)."""
    return _SURROGATE.sub("\ufffd", text)


def _e(text: str) -> str:
    return html.escape(_valid(text), quote=True)


def _markers(numbers: list[int], prefix: str) -> str:
    return "".join(
        f'<a class="cite-marker" href="#{prefix}-{n}" data-cite="{n}" title="See citation {n}">[{n}]</a>' for n in numbers
    )


def _sentence(sentence: AnswerSentence, prefix: str) -> str:
    kind = "quote" if sentence.origin == "quote" else "model-sentence"
    origin = "quoted from the article" if sentence.origin == "quote" else "written by the model, checked against its citation"
    return (
        f'<span class="{kind}" data-origin="{sentence.origin}" title="{origin}">{_e(sentence.text)}</span>'
        f" {_markers(sentence.citations, prefix)}"
    )


def _card(citation: Citation, prefix: str, chunks: Mapping[str, tuple[str, int]]) -> str:
    passage, passage_start = chunks.get(citation.chunk_id, (citation.quote, citation.start))
    begin = citation.start - passage_start
    end = citation.end - passage_start
    if passage[begin:end] != citation.quote:  # not in this chunk's text: show the quote alone
        passage, begin, end = citation.quote, 0, len(citation.quote)
    # The cited sentence with one sentence of context on each side keeps cards short.
    spans = sentence_spans(passage)
    before = [a for a, b in spans if b <= begin]
    after = [b for a, b in spans if a >= end]
    first = before[-1] if before else 0
    last = after[0] if after else len(passage)
    lead = "… " if first > 0 else ""
    tail = " …" if last < len(passage) else ""
    body = (
        f"{lead}{_e(passage[first:begin])}<mark>{_e(passage[begin:end])}</mark>{_e(passage[end:last])}{tail}"
    )
    author = f" · {_e(citation.author)}" if citation.author else ""
    return (
        f'<div class="cite-card" id="{prefix}-{citation.id}" data-cite="{citation.id}">'
        f'<div class="cite-head"><span class="cite-num">[{citation.id}]</span>{_e(citation.section)}</div>'
        f"<blockquote>{body}</blockquote>"
        f'<div class="cite-meta">{_e(citation.title)}{author} · {_e(citation.source)} '
        f"{citation.start}–{citation.end} · relevance {citation.score:.2f}</div></div>"
    )


def render_answer(answer: Answer, prefix: str, chunks: Mapping[str, tuple[str, int]]) -> str:
    """The final answer: sentences told apart by origin, markers linked to numbered cards.

    prefix makes the card ids unique in a chat holding several answers; chunks maps a
    chunk id to (its text, its start offset) so a card can show the whole passage with
    the cited sentence highlighted.
    """
    if answer.abstained:
        sections = "".join(f"<li>{_e(s)}</li>" for s in answer.closest_sections)
        closest = f"<div>Closest sections:</div><ul>{sections}</ul>" if sections else ""
        return (
            '<div class="answer abstained" data-abstained="true"><div class="abstain">'
            f"<strong>The article doesn't cover this.</strong>{closest}</div></div>"
        )
    text = " ".join(_sentence(s, prefix) for s in answer.sentences)
    legend = (
        '<div class="legend"><span class="quote">quoted</span>: the article\'s own words · plain: written by '
        f"{_e(answer.backend)} and checked against the cited passage</div>"
    )
    cards = "".join(_card(c, prefix, chunks) for c in answer.citations)
    notes = "".join(f"<li>{_e(n)}</li>" for n in answer.notes)
    details = f'<details class="notes"><summary>What the guard did</summary><ul>{notes}</ul></details>' if notes else ""
    return (
        f'<div class="answer" data-abstained="false"><div class="answer-text">{text}</div>{legend}'
        f'<div class="cite-cards">{cards}</div>{details}</div>'
    )


def render_partial(text: str) -> str:
    """Text as it streams in, before the citations are known."""
    return f'<div class="answer streaming"><div class="answer-text">{_e(text)}</div></div>'


def render_error(message: str) -> str:
    return f'<div class="answer error" data-error="true">{_e(message)}</div>'


def shows_error(content: str | list | dict) -> bool:
    """The message is one render_error wrote: its turn was not answered."""
    return 'data-error="true"' in str(content)


def render_notice(kept: int) -> str:
    """The chat's own note at its top, once its oldest turns have been let go."""
    return (
        '<div class="chat-notice" data-notice="trimmed">Earlier questions and answers were removed from this '
        f"chat: it keeps the last {kept}, and follow-up questions can refer only to those.</div>"
    )


def render_question(text: str) -> str:
    """The user's own message, as text: the chat would run any HTML in it."""
    return _e(text)


def asked_text(content: str | list | dict) -> str:
    """The question a user message holds (render_question undone), for the follow-up history.

    Gradio 6 hands a chat message back as content parts ([{"type": "text", "text": ...}]),
    not the string it was given, so both shapes are read."""
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return html.unescape(str(content))


def _md(text: str) -> str:
    """Text for Markdown: every ASCII punctuation mark backslash-escaped (CommonMark allows it
    for all of them), so neither HTML nor Markdown (links, images, emphasis) can form."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(_valid(text).split()))


def render_status(backend: str | None, passages: int = 0, last_ms: float | None = None, reason: str = "") -> str:
    """The status line, in Markdown (a gr.Markdown shows it): backend, passages indexed and
    the last answer's time; or why the assistant is not ready (backend None). The reason may
    quote a path or an error, so it is escaped like any other text."""
    if backend is None:
        return f"**Not ready:** {_md(reason)}"
    parts = [f"LLM backend: <code>{_md(backend)}</code>", f"{passages} passages indexed"]
    if last_ms is not None:
        parts.append(f"last answer {last_ms / 1000:.1f} s")
    return " · ".join(parts)
