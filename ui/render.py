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
    "CSS", "asked_text", "code_spans", "escaped", "render_answer", "render_error", "render_notice", "render_partial",
    "render_question", "render_status", "shows_error",
]

_MARKER = re.compile(r"\[(\d+)\]")
# A lone surrogate: a browser can send one (JSON "\ud800"), but no page can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CODE = re.compile(r"`([^`]+)`")
# Only letters and digits count when a follow-up's reading is compared with what was typed.
_WORDS = re.compile(r"\w+")
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")

CSS = """
.answer .quote { font-style: italic; }
.answer .quote::before { content: "“"; } .answer .quote::after { content: "”"; }
.answer .model-sentence { }
.answer a.cite-marker { text-decoration: none; font-weight: 600; font-size: 0.85em; vertical-align: super; }
.answer .legend, .answer .read-as, .answer .retry-note { font-size: 0.8em; opacity: 0.8; margin: 0.4em 0; }
.answer .stopped-mark { display: inline-block; font-size: 0.8em; font-weight: 600; margin: 0.4em 0;
  padding: 0.1em 0.5em;
  border: 1px solid #b45309; border-radius: 4px; color: #b45309; }
.answer .cite-cards { display: flex; flex-direction: column; gap: 0.5em; margin-top: 0.6em; }
.answer .cite-card { border: 1px solid rgba(128,128,128,0.35); border-radius: 8px; padding: 0.5em 0.7em; min-width: 0; }
.answer .cite-card:target { outline: 2px solid #f59e0b; }
.answer .cite-head { font-weight: 600; overflow-wrap: anywhere; }
.answer .cite-num { display: inline-block; min-width: 2em; }
.answer .cite-card blockquote { margin: 0.3em 0; padding-left: 0.6em; border-left: 3px solid rgba(128,128,128,0.4);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.answer .cite-card mark { background: #fde68a; color: #111; padding: 0 0.1em; }
.answer .cite-meta, .answer .cite-source { font-size: 0.8em; opacity: 0.75; overflow-wrap: anywhere; }
.answer .cite-source summary, .answer .notes summary { cursor: pointer; }
.answer.abstained .abstain { border-left: 4px solid #f59e0b; padding: 0.4em 0.7em; background: rgba(245,158,11,0.08); }
.answer .notes { font-size: 0.8em; opacity: 0.75; }
.answer ul { margin: 0.3em 0; padding-left: 1.4em; list-style-position: outside; }
.answer.error { border-left: 4px solid #ef4444; padding: 0.4em 0.7em; }
.chat-notice { font-size: 0.85em; opacity: 0.8; font-style: italic; }
#chat .scroll-down-button-container { display: none; }
#examples { gap: 0.4em; }
#feedback-note:empty { display: none; }
#logout { text-align: right; font-size: 0.9em; }
.gap-group { border: 1px solid rgba(128,128,128,0.35); border-radius: 8px; padding: 0.5em 0.8em; margin: 0.5em 0; }
.gap-group h3 { margin: 0 0 0.3em; font-size: 1em; overflow-wrap: anywhere; }
.gap-group ul { margin: 0.2em 0; padding-left: 1.4em; }
.gap-group .gap-meta { font-size: 0.85em; opacity: 0.8; }
@media (max-width: 640px) {
  .answer .cite-card { padding: 0.3em 0.5em; }
  .answer .cite-card .context { display: none; }
  .answer .cite-head { font-size: 0.85em; }
  .answer .cite-card blockquote { margin: 0.2em 0; }
  #examples { flex-wrap: nowrap !important; flex-direction: row !important; overflow-x: auto; padding-bottom: 0.3em; }
  #examples .example-q { flex: 0 0 70vw !important; width: 70vw; min-width: 0 !important; white-space: normal;
    text-align: left; justify-content: flex-start; line-height: 1.25; }
  #chat { height: 58vh !important; max-height: 58vh; }
}
"""


def _valid(text: str) -> str:
    """The text with each lone surrogate shown as U+FFFD: Gradio's JSON encoder cannot encode
    one, and a chat update holding it would cut the page's event stream (a TypeError)."""
    return _SURROGATE.sub("\ufffd", text)


def escaped(text: object) -> str:
    """Text fit to put in the page's HTML: escaped, and valid for Gradio to send (_valid)."""
    return html.escape(_valid(str(text)), quote=True)


_e = escaped  # the short name this module's HTML builders use


def code_spans(escaped: str) -> str:
    """Escaped text with each `span` in backticks shown as code (a reason may name a command,
    e.g. "run `assistant ingest`"). Escaping comes first, so the span's text stays text."""
    return _CODE.sub(r"<code>\1</code>", escaped)


def _markers(numbers: list[int], prefix: str) -> str:
    return "".join(
        f'<a class="cite-marker" href="#{prefix}-{n}" data-cite="{n}" title="See citation {n}">[{n}]</a>' for n in numbers
    )


def _sentence(sentence: AnswerSentence, prefix: str) -> str:
    kind = "quote" if sentence.origin == "quote" else "model-sentence"
    quoted = sentence.origin == "quote"
    origin = "quoted from the article" if quoted else "written by the AI model, checked against the article"
    return (
        f'<span class="{kind}" data-origin="{sentence.origin}" title="{origin}">{_e(sentence.text)}</span>'
        f" {_markers(sentence.citations, prefix)}"
    )


def _card(citation: Citation, prefix: str, chunks: Mapping[str, tuple[str, int]]) -> str:
    """A numbered card: the section, the cited sentence highlighted in its passage (one
    sentence of context each side, hidden on a phone) and the article's title and author in
    words. The file, offsets and relevance are for the curious: in a closed details element."""
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
        f'<span class="context">{lead}{_e(passage[first:begin])}</span><mark>{_e(passage[begin:end])}</mark>'
        f'<span class="context">{_e(passage[end:last])}{tail}</span>'
    )
    title = f"“{_e(citation.title)}”" if citation.title else "the article"
    author = f" by {_e(citation.author)}" if citation.author else ""
    return (
        f'<div class="cite-card" id="{prefix}-{citation.id}" data-cite="{citation.id}">'
        f'<div class="cite-head"><span class="cite-num">[{citation.id}]</span>{_e(citation.section)}</div>'
        f"<blockquote>{body}</blockquote>"
        f'<div class="cite-meta">From {title}{author}</div>'
        f'<details class="cite-source"><summary>Source details</summary>{_e(citation.source)}, characters '
        f"{citation.start}–{citation.end}, relevance {citation.score:.2f}</details></div>"
    )


def _same_reading(asked: str, standalone: str) -> bool:
    """The standalone question says what was typed (case, spacing and punctuation aside)."""
    return _WORDS.findall(asked.casefold()) == _WORDS.findall(standalone.casefold())


MODEL_LEGEND = (
    "Sentences without quotation marks were written by the AI model and checked against the article."
)
STOPPED = "Stopped: the answer ends where you pressed Stop."
SAME_AGAIN = (
    "Asked again: the same answer, because answers are built from the article's own sentences and the "
    "same question finds the same ones. Try rephrasing the question."
)
NEW_AGAIN = "Asked again: this answer replaces the previous one."


def render_answer(
    answer: Answer,
    prefix: str,
    chunks: Mapping[str, tuple[str, int]],
    *,
    asked: str = "",
    stopped: bool = False,
    retried: bool | None = None,
) -> str:
    """The final answer: sentences told apart by origin, markers linked to numbered cards.

    prefix makes the card ids unique in a chat holding several answers; chunks maps a
    chunk id to (its text, its start offset) so a card can show the whole passage with
    the cited sentence highlighted. asked: the question as typed, so a follow-up's reading
    (the standalone question) is shown when it differs. stopped: the user pressed Stop.
    retried: None for a first answer; for a Retry, whether the answer came out the same.
    """
    read_as = (
        f'<div class="read-as" data-read-as="true">Read as: {_e(answer.standalone_question)}</div>'
        if asked and answer.standalone_question and not _same_reading(asked, answer.standalone_question)
        else ""
    )
    again = ""
    if retried is not None:
        kind, note = ("same", SAME_AGAIN) if retried else ("new", NEW_AGAIN)
        again = f'<div class="retry-note" data-retry="{kind}">{note}</div>'
    if answer.abstained:
        sections = "".join(f"<li>{_e(s)}</li>" for s in answer.closest_sections)
        closest = f"<div>Closest sections:</div><ul>{sections}</ul>" if sections else ""
        return (
            '<div class="answer abstained" data-abstained="true"><div class="abstain">'
            f"<strong>The article doesn't cover this.</strong>{closest}</div>{read_as}{again}</div>"
        )
    text = " ".join(_sentence(s, prefix) for s in answer.sentences)
    written = any(s.origin == "model" for s in answer.sentences)
    legend = f'<div class="legend">{MODEL_LEGEND}</div>' if written else ""
    mark = f'<div class="stopped-mark" data-stopped="true">{STOPPED}</div>' if stopped else ""
    cards = "".join(_card(c, prefix, chunks) for c in answer.citations)
    notes = "".join(f"<li>{_e(n)}</li>" for n in answer.notes)
    details = f'<details class="notes"><summary>What the guard did</summary><ul>{notes}</ul></details>' if notes else ""
    return (
        f'<div class="answer" data-abstained="false"><div class="answer-text">{text}</div>{mark}{read_as}{again}'
        f'{legend}<div class="cite-cards">{cards}</div>{details}</div>'
    )


def render_partial(text: str) -> str:
    """Text as it streams in, before the citations are known."""
    return f'<div class="answer streaming"><div class="answer-text">{_e(text)}</div></div>'


def render_error(message: str) -> str:
    """Our own message (it may quote a reason: escaped, its `spans` as code)."""
    return f'<div class="answer error" data-error="true">{code_spans(_e(message))}</div>'


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


def _md_code(text: str) -> str:
    """Text for Markdown with its `spans` as HTML code: each piece escaped its own way."""
    pieces = _valid(text).split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: plain text
        return _md(text)
    shown = []
    for n, piece in enumerate(pieces):
        if n % 2:
            shown.append(f"<code>{_md(piece)}</code>")  # Markdown still reads inside inline HTML
            continue
        words = _md(piece)
        lead = " " if piece[:1].isspace() and words else ""
        trail = " " if piece[-1:].isspace() and words else ""
        shown.append(f"{lead}{words}{trail}" if words else (" " if piece.strip() == "" and piece else ""))
    return "".join(shown)


def render_status(backend: str | None, passages: int = 0, last_ms: float | None = None, reason: str = "") -> str:
    """The status line, in Markdown (a gr.Markdown shows it): backend, passages indexed and
    the last answer's time; or why the assistant is not ready (backend None). The reason may
    quote a path or an error, so it is escaped like any other text; its `spans` show as code."""
    if backend is None:
        return f"**Not ready:** {_md_code(reason)}"
    parts = [f"LLM backend: <code>{_md(backend)}</code>", f"{passages} passages indexed"]
    if last_ms is not None:
        parts.append(f"last answer {last_ms / 1000:.1f} s")
    return " · ".join(parts)
