"""Text from a request, made fit to be said back in a response.

A JSON body may hold a lone surrogate (`"\\ud800"`), which Python keeps in a str but which
no UTF-8 response can carry: encoding it would raise, and the error path would become a
500. Names the server repeats (an unknown model, an unknown parameter, a field of a
validation error) come through here: the surrogate is shown as `\\ud800`, and a long name
is cut, since no one is helped by reading 64 KB of it back.
"""

from __future__ import annotations

__all__ = ["echoed"]


def echoed(text: str, limit: int | None = None) -> str:
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return shown if limit is None or len(shown) <= limit else shown[:limit] + "..."
