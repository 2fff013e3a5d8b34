"""Wrong API keys counted per client address (assistant/server/key_attempts.py)."""

from __future__ import annotations

import pytest

from assistant.server.key_attempts import WINDOW_S, KeyAttempts
from tests.assistant.server.test_ask_api import QUESTION, assert_error


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_blocked_after_the_limit_until_its_oldest_failure_is_a_minute_old():
    clock = Clock()
    attempts = KeyAttempts(per_minute=3, clock=clock)
    for _ in range(3):
        assert attempts.retry_after("10.0.0.1") == 0
        attempts.failed("10.0.0.1")
        clock.now += 1
    assert attempts.retry_after("10.0.0.1") == WINDOW_S - 3
    assert attempts.retry_after("10.0.0.2") == 0  # another address is not blocked
    clock.now += WINDOW_S - 3
    assert attempts.retry_after("10.0.0.1") == 0


def test_the_table_forgets_addresses_whose_failures_are_over_a_minute_old():
    clock = Clock()
    attempts = KeyAttempts(per_minute=3, clock=clock)
    attempts.failed("10.0.0.1")
    clock.now += WINDOW_S + 1
    attempts.retry_after("10.0.0.1")
    assert not attempts._failures


@pytest.mark.integration  # an app over the fake-embeddings index, in a real Chroma store
def test_the_api_answers_429_past_the_limit_even_for_the_right_key(make_client):
    client = make_client(api_key="s3cret-key-123", login_failures_per_minute=3)
    wrong, right = {"Authorization": "Bearer nope"}, {"Authorization": "Bearer s3cret-key-123"}
    for _ in range(3):
        assert_error(client.get("/v1/sources", headers=wrong), 401, "unauthorized", "API key")
    assert_error(client.get("/v1/sources"), 401, "unauthorized", "Bearer")  # no key: nothing to count
    blocked = client.post("/v1/ask", json={"question": QUESTION}, headers=right)
    assert_error(blocked, 429, "rate_limited", "too many wrong API keys")
    assert 0 < int(blocked.headers["retry-after"]) <= WINDOW_S
    assert client.get("/healthz").status_code == 200
