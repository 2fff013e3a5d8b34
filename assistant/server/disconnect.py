"""A client that goes away cancels its answer, so an abandoned request frees the model at once.

The answer runs in a worker thread and takes a ``threading.Event``; a task on the event
loop waits for the client's ``http.disconnect`` and sets it. Written by hand because
Starlette only notices a gone client of a plain response when it writes the response,
and of a stream at its next write (ASGI 2.4), which for an answer waiting on the model
may be minutes later.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

__all__ = ["cancel_on_disconnect", "run_cancellable"]

T = TypeVar("T")


@asynccontextmanager
async def cancel_on_disconnect(request: Request, cancel: threading.Event) -> AsyncIterator[threading.Event]:
    """Set ``cancel`` when the client disconnects, for as long as the block runs."""

    async def watch() -> None:
        # The body has been read by now, so the next message is the disconnect.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        cancel.set()

    watcher = asyncio.create_task(watch())
    try:
        yield cancel
    finally:
        watcher.cancel()


async def run_cancellable(request: Request, work: Callable[[threading.Event], T]) -> T:
    """work(cancel) in the thread pool, with cancel set if the client goes away meanwhile."""
    async with cancel_on_disconnect(request, threading.Event()) as cancel:
        return await run_in_threadpool(work, cancel)
