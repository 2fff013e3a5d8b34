"""The answer text as an OpenAI client asked for it: up to the first stop sequence, and
at most max_tokens tokens, delivered piece by piece as the answer is written.

A stop sequence may begin in one piece and end in the next, so the last characters of
the text (one fewer than the longest stop sequence) are held back until the next piece
or the end shows they are not the start of one: what has been sent is never taken back.
"""

from __future__ import annotations

from typing import Literal

from assistant.tokens import TokenCounter

__all__ = ["CompletionText"]

FinishReason = Literal["stop", "length"]


class CompletionText:
    def __init__(self, counter: TokenCounter, max_tokens: int | None = None, stop: list[str] | None = None) -> None:
        self.counter = counter
        self.max_tokens = max_tokens
        self.stop = [s for s in stop or [] if s]
        self._hold = max((len(s) for s in self.stop), default=1) - 1
        self._received = ""
        self.sent = ""
        self.cut: FinishReason | None = None  # set once the text has been cut short

    @property
    def done(self) -> bool:
        """Nothing more will be sent: the rest of the answer is not needed."""
        return self.cut is not None

    def add(self, piece: str) -> str:
        """Take the next piece of the answer; return what to send now ("" for nothing)."""
        if self.done:
            return ""
        self._received += piece
        return self._release(self._received[: len(self._received) - self._hold] if self._hold else self._received)

    def end(self) -> str:
        """The answer is complete: return what is left to send."""
        return "" if self.done else self._release(self._received)

    @property
    def finish_reason(self) -> FinishReason:
        return self.cut or "stop"

    def _release(self, visible: str) -> str:
        positions = [i for i in (self._received.find(s) for s in self.stop) if i >= 0]
        if positions:
            visible = self._received[: min(positions)]
            self.cut = "stop"
        if self.max_tokens is not None and self.counter.count(visible) > self.max_tokens:
            visible = self.counter.cut(visible, self.max_tokens)
            self.cut = "length"
        new = visible[len(self.sent) :] if visible.startswith(self.sent) else ""
        self.sent += new
        return new
