"""The LLM's turn: complete sentences from the model, as it writes them, within a time limit.

The chat model streams in a worker thread so that a slow or stuck backend is given up
after the timeout or on cancellation: the reader then frees the model's place in line at
once, and the worker stops at its next token. A remote backend's HTTP call is cut at the
same moment, whatever its server sends (assistant/bounded_http.py): a server that keeps the
stream alive without tokens would otherwise hold the worker and its connection for ever.

The model is streamed directly, not through ``prompt | llm | StrOutputParser()``: closing
such a sequence's stream makes LangChain read the rest of the parser's input for tracing,
which runs the model to its last token; a cancelled answer would keep the model busy.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.bounded_http import bounded_calls
from assistant.citations import split_cited_sentences
from assistant.gate import Ticket
from assistant.sentences import sentence_spans

__all__ = ["GenerationFailed", "model_sentences"]

_POLL_S = 0.05


class GenerationFailed(Exception):
    """The model failed or ran out of time; the answer falls back to quotes."""


def model_sentences(
    llm: BaseChatModel,
    messages: list[BaseMessage],
    ticket: Ticket | None,
    timeout_s: float,
    cancel: threading.Event | None = None,
    transcript: list[str] | None = None,
) -> Iterator[tuple[str, list[int]]]:
    """(sentence, [marker numbers]) for each complete sentence the model writes.

    Ends with GenerationFailed past ``timeout_s``, when the backend raises, or when
    ``cancel`` is set (the caller went away): the worker then stops at its next token.
    Every piece the model wrote is appended to ``transcript`` when one is given.
    """
    pieces: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()
    deadline = time.monotonic() + timeout_s

    def work() -> None:
        try:
            # cancel too: a reader that was abandoned mid-answer never sets stop.
            with bounded_calls(deadline, stop, cancel):
                stream = llm.stream(messages)
                try:
                    for chunk in stream:
                        if stop.is_set() or (cancel is not None and cancel.is_set()):
                            break
                        pieces.put(("text", chunk.text))
                finally:
                    stream.close()  # at once, so llama.cpp stops and the model is free
            pieces.put(("end", None))
        except Exception as error:  # any backend failure becomes a fallback to quotes
            pieces.put(("error", error))
        finally:
            if ticket is not None:
                ticket.release()

    if ticket is not None:
        ticket.handed_over = True  # from now on the worker releases it
    threading.Thread(target=work, name="llm-generation", daemon=True).start()
    buffer = ""
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise GenerationFailed("The request was cancelled.")
            left = deadline - time.monotonic()
            if left <= 0:
                raise GenerationFailed(f"The LLM did not answer within {timeout_s:g} s.")
            try:  # short slices, so a cancellation is seen at once
                kind, value = pieces.get(timeout=min(left, _POLL_S))
            except queue.Empty:
                continue
            if kind == "error":
                if (cancel is not None and cancel.is_set()) or time.monotonic() >= deadline:
                    continue  # the call was cut for that: said so at the top of the loop
                raise GenerationFailed(f"The LLM failed ({type(value).__name__}: {value}).")
            if kind == "end":
                if cancel is not None and cancel.is_set():  # the worker saw the cancel first
                    raise GenerationFailed("The request was cancelled.")
                break
            buffer += str(value)
            if transcript is not None:
                transcript.append(str(value))
            spans = sentence_spans(buffer)
            # All but the last sentence are complete; markers may still follow the last.
            if len(spans) > 1 and not buffer[spans[-1][0] :].lstrip().startswith("["):
                cut = spans[-1][0]
                yield from split_cited_sentences(buffer[:cut])
                buffer = buffer[cut:]
        yield from split_cited_sentences(buffer)
    finally:
        stop.set()
        # The line moves on when the reader is done, not when the worker is: a remote backend's
        # call takes a moment to be cut, and the local model's own lock keeps llama.cpp to one
        # prompt while a cancelled worker finishes its current token.
        if ticket is not None:
            ticket.release()
