"""The Gradio chat: it displays what the answer service says and nothing more.

The same Blocks is mounted by `assistant serve` at /ui (one set of loaded models) or
launched on its own by `assistant ui`. Each browser session's conversation stays on the
server (ui/conversation.py): the page sends only the new question.
"""

from __future__ import annotations

import html
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

# Gradio's telemetry would try the network (there is none here) and send usage away.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from langchain_core.documents import Document  # noqa: E402

from assistant.errors import Busy, QuestionError, QueueTimeout
from assistant.feedback import FeedbackService
from assistant.gaps import GapReport
from assistant.questions import MAX_QUESTION_CHARS
from assistant.server.errors import stack_without_messages
from assistant.service import AnswerService
from ui import conversation
from ui.feedback_panel import feedback_events, feedback_panel
from ui.gaps_tab import gaps_tab
from ui.gradio_logs import log_gradio_tracebacks
from ui.render import CSS, asked_text, render_answer, render_error, render_partial, render_status

__all__ = [
    "CSS", "DEFAULT_EXAMPLES", "ServiceProvider", "build_ui", "example_questions", "respond", "retry_turn",
    "stop_answer", "undo_turn",
]

log = logging.getLogger("ui")

# Returns the loaded service, or None and the reason it is not there yet.
ServiceProvider = Callable[[], tuple[AnswerService | None, str]]
_EXAMPLES = 5
_answer_ids = itertools.count(1)
T = TypeVar("T")


# Chat users read an answer from its question down, so after each update (a streamed token
# too) the latest question is put at the top of the chat. Gradio's autoscroll keeps the bottom
# in view instead, and an answer with its cards pushed the question out of sight. Run after
# the frame is drawn, when the new messages are in the page.
QUESTION_ON_TOP = """() => { requestAnimationFrame(() => {
  const log = document.querySelector("#chat [role=log]");
  const asked = document.querySelectorAll("#chat [data-testid=user]");
  if (!log || !asked.length) return;
  const last = asked[asked.length - 1];
  const row = last.closest(".message-row") || last;
  const room = 8;  // a little air above the question
  log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - room;
}); }"""

DEFAULT_EXAMPLES = [
    "Will I lose my engineering chops if I move to product?",
    "Do staff engineers only write code?",
]


def example_questions(documents: list[Document]) -> list[str]:
    """The articles' own Q&A questions, in reading order (chunk metadata holds them)."""
    chunks = sorted(documents, key=lambda d: (d.metadata.get("source", ""), d.metadata.get("ordinal", 0)))
    questions = [str(d.metadata.get("question") or "") for d in chunks]
    return list(dict.fromkeys(q for q in questions if q))[:_EXAMPLES] or DEFAULT_EXAMPLES


def _status(service: AnswerService | None, reason: str, last_ms: float | None = None) -> str:
    if service is None:
        return render_status(None, reason=reason)
    return render_status(service.backend, service.chunk_count, last_ms)


def respond(
    provider: ServiceProvider,
    question: str,
    messages: list[dict],
    cancel: threading.Event | None = None,
    *,
    retried: str | None = None,
) -> Iterator[tuple[list[dict], str]]:
    """One chat turn: (messages, status) as the answer streams in.

    messages is the session's conversation (ui/conversation.py): the turn adds the question
    and its answer, and lets the oldest turns go past KEPT_TURNS. Any failure ends as a
    friendly message in the chat, never a traceback. Setting cancel (the Stop button) ends
    the model's turn at once; the answer ends with quotes and says it was stopped.
    retried: for a Retry, what the replaced answer said, so the new one says whether it
    came out the same. The textbox is not the turn's: it was cleared when the question was
    sent, and may hold the next question by now."""
    messages = list(messages or [])
    service, reason = provider()
    asked = " ".join((question or "").split())
    if not asked:
        yield messages, _status(service, reason)
        return
    history = conversation.history(messages)
    messages = conversation.asking(messages, asked)
    if service is None:
        messages.append({"role": "assistant", "content": render_error(f"The assistant is not ready yet: {reason}")})
        yield messages, _status(service, reason)
        return
    messages.append({"role": "assistant", "content": render_partial("…")})
    yield messages, _status(service, reason)
    prefix = f"cite-{next(_answer_ids)}"
    streamed = ""
    try:
        for event in service.stream(asked, history, cancel=cancel):
            if event.event == "token":
                streamed += event.text
                messages[-1] = {"role": "assistant", "content": render_partial(streamed)}
                yield messages, _status(service, reason)
            elif event.answer is not None:
                answer = event.answer
                chunks = {
                    c.chunk_id: (d.page_content, int(d.metadata["start"]))
                    for c in answer.citations
                    if (d := service.document(c.chunk_id)) is not None
                }
                said = _said(answer)
                shown = render_answer(
                    answer, prefix, chunks, asked=asked,
                    stopped=cancel is not None and cancel.is_set() and not answer.abstained,
                    retried=None if retried is None else said == retried,
                )
                messages[-1] = {
                    "role": "assistant", "content": shown,
                    conversation.ANSWER_ID: getattr(answer, "id", ""), conversation.ANSWER_SAID: said,
                }
                yield messages, _status(service, reason, answer.timings_ms.total)
    except Busy as error:
        messages[-1] = {"role": "assistant", "content": render_error(f"The assistant is busy: {error}.")}
        yield messages, _status(service, reason)
    except (QueueTimeout, QuestionError) as error:
        messages[-1] = {"role": "assistant", "content": render_error(f"Sorry: {error}.")}
        yield messages, _status(service, reason)
    except Exception as error:  # a backend that is down: say so in the chat, not a red traceback
        message = f"Sorry, something went wrong while answering ({type(error).__name__}). Please try again."
        messages[-1] = {"role": "assistant", "content": render_error(message)}
        yield messages, _status(service, reason)


def _said(answer: object) -> str:
    """What an answer said, to compare a retried answer with the one it replaces."""
    return f"{getattr(answer, 'abstained', False)}|{getattr(answer, 'answer', '')}"


def retry_turn(
    provider: ServiceProvider, messages: list[dict], index: object, cancel: threading.Event | None = None
) -> Iterator[tuple[list[dict], str]]:
    """Retry: the question at index asked again, a new answer streaming in place of the old
    one; (messages, status). The textbox is not touched: it may hold the next question."""
    messages = list(messages or [])
    at = conversation.question_at(messages, index)
    if at is None:
        yield messages, _status(*provider())
        return
    question = asked_text(messages[at]["content"])
    old = messages[at + 1] if at + 1 < len(messages) else {}
    yield from respond(provider, question, messages[:at], cancel, retried=old.get(conversation.ANSWER_SAID, ""))


def undo_turn(provider: ServiceProvider, messages: list[dict], index: object) -> tuple[list[dict], str, str]:
    """Undo: the question at index and its answer leave the chat; the question goes back
    into the textbox to be edited. (messages, textbox, status)."""
    messages = list(messages or [])
    at = conversation.question_at(messages, index)
    if at is None:
        return messages, "", _status(*provider())
    return messages[:at], asked_text(messages[at]["content"]), _status(*provider())


# The cancel of the answer each browser session is writing: the Stop button sets it. Kept
# here, not in gr.State, because Gradio copies State values and an Event must be shared.
_writing: dict[str, threading.Event] = {}


def _cancellably(request: gr.Request | None, turn: Callable[[threading.Event], Iterator[T]]) -> Iterator[T]:
    """A turn the session's Stop button can end: its cancel is registered while it runs."""
    cancel = threading.Event()
    session = getattr(request, "session_hash", None) or ""
    _writing[session] = cancel
    try:
        yield from turn(cancel)
    finally:
        cancel.set()  # closed early (Stop, or the page went away): the model is freed
        if _writing.get(session) is cancel:
            del _writing[session]


def _respond_cancellably(
    provider: ServiceProvider, question: str, messages: list[dict], request: gr.Request | None
) -> Iterator[tuple[list[dict], str]]:
    yield from _cancellably(request, lambda cancel: respond(provider, question, messages, cancel))


def _writing_now(request: gr.Request | None) -> bool:
    """The session has an answer being written (its Ask is disabled meanwhile)."""
    return (getattr(request, "session_hash", None) or "") in _writing


def stop_answer(request: gr.Request | None = None) -> None:
    """The Stop button: the session's answer stops using the model now."""
    cancel = _writing.pop(getattr(request, "session_hash", None) or "", None)
    if cancel is not None:
        cancel.set()


# What a chat handler yields to Gradio: the conversation twice (the Chatbot shows it, without
# the server-side keys; the session's gr.State keeps it whole), then its other outputs.
Outputs = tuple


def _to_chat_and_state(turns: Iterator[tuple]) -> Iterator[Outputs]:
    for messages, *rest in turns:
        yield (conversation.shown(messages), messages, *rest)


FAILED = "Sorry, something went wrong in the chat. Please try again."


def _failsafe(turns: Iterator[Outputs], before: list[dict], others: int) -> Iterator[Outputs]:
    """The last line of every chat handler: a failure nobody foresaw ends as a message in the
    chat and one record in the server's log (stack, no message: a message may quote the user).
    It never reaches Gradio, which would print it to stderr, the user's text included.
    before: the conversation the turn started from; others: the handler's outputs after the
    two conversation ones, left as they are."""
    kept = list(before or [])
    try:
        for outputs in turns:
            kept = outputs[1]
            yield outputs
    except Exception as error:
        log.error("a chat turn failed (%s)\n%s", type(error).__name__, stack_without_messages(error))
        messages = [*kept, {"role": "assistant", "content": render_error(FAILED)}]
        yield (conversation.shown(messages), messages, *[gr.skip()] * others)


def _event_index(event: gr.EventData | None) -> object:
    """The message index of a Retry or Undo, or None. gr.EventData rather than RetryData or
    UndoData: those read the browser's event data in their constructor, before the handler
    runs, and fail there (printed by Gradio) on a request that lacks it."""
    try:
        return event.index if event is not None else None
    except (AttributeError, TypeError):  # no event data, or not an object
        return None


WAIT = "An answer is still being written: wait for it to end, or press Stop."


class _Controls:
    """What the page lets a user do while an answer is written, and after: one answer at a
    time, as chat apps do. While it streams, Ask and the example questions are disabled and
    Stop is active (red); when it ends, the reverse. The textbox stays editable: the next
    question can be typed meanwhile (Enter then does nothing and keeps the text)."""

    def __init__(self, examples: int) -> None:
        self.count = 2 + examples  # Ask, Stop, then the example buttons

    def writing(self) -> list:
        return [gr.update(interactive=False), gr.update(interactive=True, variant="stop"),
                *[gr.update(interactive=False)] * (self.count - 2)]

    def idle(self) -> list:
        return [gr.update(interactive=True), gr.update(interactive=False, variant="secondary"),
                *[gr.update(interactive=True)] * (self.count - 2)]

    def skip(self) -> list:
        return [gr.skip()] * self.count


def _turn_with_controls(
    turns: Callable[[], Iterator[Outputs]], controls: _Controls, request: gr.Request | None, *, textbox: bool
) -> Iterator[Outputs]:
    """A chat handler's outputs: (chat, state, [textbox,] status, *controls). The textbox is
    cleared once, as the question is sent; never when the answer ends. A turn asked while
    the session's answer is still written (an example clicked from another tab of the page)
    is refused with a visible warning, not dropped silently."""
    cleared = [""] if textbox else []
    kept = [gr.skip()] if textbox else []
    if _writing_now(request):
        gr.Warning(WAIT)
        yield (gr.skip(), gr.skip(), *kept, gr.skip(), *controls.skip())
        return
    yield (gr.skip(), gr.skip(), *cleared, gr.skip(), *controls.writing())
    last = (gr.skip(), gr.skip(), gr.skip())
    for last in turns():
        chat, state, status = last
        yield (chat, state, *kept, status, *controls.skip())
    # The chat once more with the controls: an event's last output is what a script reads.
    chat, state, status = last
    yield (chat, state, *kept, status, *controls.idle())


def _asking(provider: ServiceProvider, text: str | None = None, controls: _Controls | None = None) -> Callable:
    """A chat handler: for the textbox (question from the input) or an example button (its
    own question). A generator, so the answer streams."""
    controls = controls or _Controls(0)

    def turn(question: str, messages: list[dict], request: gr.Request | None) -> Iterator[Outputs]:
        def answered() -> Iterator[Outputs]:
            answering = _respond_cancellably(provider, question, messages, request)
            return _failsafe(_to_chat_and_state(answering), messages, others=1)

        yield from _turn_with_controls(answered, controls, request, textbox=text is None)

    if text is None:

        def ask_typed(question: str, messages: list[dict], request: gr.Request) -> Iterator[Outputs]:
            yield from turn(question, messages, request)

        return ask_typed

    def ask_example(messages: list[dict], request: gr.Request) -> Iterator[Outputs]:
        yield from turn(text, messages, request)

    return ask_example


def _retrying(provider: ServiceProvider, controls: _Controls | None = None) -> Callable:
    """The chat's Retry button (under the last answer): a generator, so the new answer streams."""
    controls = controls or _Controls(0)

    def retry_last(messages: list[dict], retry: gr.EventData, request: gr.Request) -> Iterator[Outputs]:
        index = _event_index(retry)

        def answered() -> Iterator[Outputs]:
            retried = _cancellably(request, lambda cancel: retry_turn(provider, messages, index, cancel))
            return _failsafe(_to_chat_and_state(retried), messages, others=1)

        yield from _turn_with_controls(answered, controls, request, textbox=False)

    return retry_last


def _undoing(provider: ServiceProvider) -> Callable:
    """The chat's Undo button (under the last answer)."""

    def undo_last(messages: list[dict], undo: gr.EventData) -> Iterator[Outputs]:
        undone = (undo_turn(provider, messages, _event_index(undo)) for _ in range(1))  # run inside _failsafe
        yield from _failsafe(_to_chat_and_state(undone), messages, others=2)

    return undo_last


def build_ui(
    provider: ServiceProvider,
    examples: list[str],
    *,
    feedback: FeedbackService | None = None,
    gaps: Callable[[], GapReport] | None = None,
    logout: str | None = None,
) -> gr.Blocks:
    """The page. feedback: thumbs under each answer and a comment box (None: no thumbs).
    gaps: the "What readers miss" tab's report (None: no tab). logout: the log-out link's
    address, set only when the UI is behind a key."""
    log_gradio_tracebacks()

    def ask_api(question: str) -> dict:
        """One question, the whole answer object (for gradio_client and scripts). A refusal is
        the caller's to read, not a failure of the server: Gradio does not print it."""
        service, reason = provider()
        if service is None:
            raise gr.Error(f"The assistant is not ready yet: {reason}", print_exception=False)
        try:
            return service.ask(question).model_dump()
        except (QuestionError, Busy, QueueTimeout) as error:
            raise gr.Error(str(error), print_exception=False) from None

    # No analytics: this machine reaches no network, and users' questions stay here.
    with gr.Blocks(title="Career Q&A assistant", fill_width=False, analytics_enabled=False) as blocks:
        if logout:
            gr.HTML(f'<a href="{html.escape(logout)}" id="logout-link">Log out</a>', elem_id="logout")
        gr.Markdown(
            "## Career Q&A assistant\nAsk about career paths beyond senior software engineer. Every sentence of an "
            "answer cites the article; when the article does not cover a question, the assistant says so."
        )
        if gaps is None:
            status = _chat(provider, examples, feedback)
        else:
            with gr.Tabs():
                with gr.Tab("Chat", id="chat-tab"):
                    status = _chat(provider, examples, feedback)
                with gr.Tab("What readers miss", id="gaps-tab", elem_id="gaps-tab"):
                    gaps_tab(gaps)
        blocks.load(lambda: _status(*provider()), None, status, api_name=False)
        gr.api(ask_api, api_name="ask")
    return blocks


def _chat(provider: ServiceProvider, examples: list[str], feedback: FeedbackService | None) -> gr.Markdown:
    """The chat's components and events, inside the current Blocks (or tab); returns its status line."""
    gr.Markdown("**Questions from the article:**", elem_id="examples-label")
    with gr.Row(elem_id="examples"):
        # A button shows its label as text, so a corpus question is not escaped here (it
        # would show "&lt;"); asked, it goes through respond like a typed one. Above the
        # chat, in one row that scrolls sideways on a phone: reachable without scrolling
        # past a long answer.
        example_buttons = [gr.Button(q, size="sm", elem_classes=["example-q"]) for q in examples]
    # The session's conversation, kept on the server (ui/conversation.py): the browser
    # sends only the new question, however long the chat. The Chatbot is an output only.
    talk = gr.State([])
    chatbot = gr.Chatbot(
        label="Chat",
        show_label=False,  # a floating label sat over the messages when scrolled
        elem_id="chat",
        height=520,
        sanitize_html=False,  # ui/render.py escapes every text it puts in the HTML, the user's too
        render_markdown=False,
        buttons=["copy"],
        autoscroll=False,  # QUESTION_ON_TOP scrolls instead
        feedback_options=("Like", "Dislike") if feedback is not None else None,
    )
    # Right under the thumbs it answers; its events are wired last, so the chat's own come first.
    panel = feedback_panel() if feedback is not None else None
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            placeholder="Ask a career question, e.g. Should I become a manager?",
            show_label=False,
            elem_id="question",
            scale=5,
            max_lines=4,
            max_length=MAX_QUESTION_CHARS,  # the browser takes no more than the assistant reads
        )
        send = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
    with gr.Row():
        # Inactive until an answer is being written (_Controls).
        stop = gr.Button("Stop", elem_id="stop", size="sm", variant="secondary", interactive=False)
        clear = gr.Button("Clear chat", elem_id="clear", size="sm")
    status = gr.Markdown(_status(*provider()), elem_id="status")
    controls = _Controls(len(example_buttons))
    control_outputs = [send, stop, *example_buttons]

    # Enter and Ask are one event: while it runs, a second Enter is ignored by the page and
    # the text stays in the box (Ask is disabled meanwhile).
    gr.on(
        [question.submit, send.click], _asking(provider, controls=controls), [question, talk],
        [chatbot, talk, question, status, *control_outputs], api_name=False,
    )
    for button, text in zip(example_buttons, examples, strict=True):
        button.click(
            _asking(provider, text, controls), [talk], [chatbot, talk, status, *control_outputs], api_name=False
        )
    # Retry and Undo are the Chatbot's own buttons under the last answer (greyed out while
    # an answer streams); a retried answer streams like any other.
    chatbot.retry(_retrying(provider, controls), [talk], [chatbot, talk, status, *control_outputs], api_name=False)
    chatbot.undo(_undoing(provider), [talk], [chatbot, talk, question, status], api_name=False)
    # Stop only sets the turn's cancel: the turn then ends itself, with the article's own
    # sentences and their cards. Gradio's `cancels=` would kill the event instead, leaving
    # the half-written text on screen with no cards (tests/ui/test_browser.py saw it).
    stop.click(stop_answer, None, None, api_name=False)
    chatbot.change(None, None, None, js=QUESTION_ON_TOP, queue=False, api_name=False)
    clear.click(lambda: ([], [], "", _status(*provider())), None, [chatbot, talk, question, status], api_name=False)
    # The Chatbot's own trash button empties only what the browser shows: the conversation
    # the server keeps goes too, or the next answer would bring it back.
    chatbot.clear(lambda: [], None, talk, api_name=False)
    if feedback is not None and panel is not None:
        feedback_events(feedback, chatbot, talk, panel)
    return status
