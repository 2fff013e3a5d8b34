"""GET /v1/gaps in-process: the questions stored from /v1/ask and /v1/feedback come back
grouped, behind the API key. The app here is the fake-embeddings one (the grouping itself is
tested with the real model in tests/assistant/test_gaps.py)."""

from __future__ import annotations

import pytest

from assistant.gaps import GapReport
from assistant.server.routers import gaps

pytestmark = pytest.mark.integration
KEY = "gaps-key-123"
AUTH = {"Authorization": f"Bearer {KEY}"}
OFF_TOPIC = ["How do I make banana bread?", "What is the capital of France?"]
IN_SCOPE = "Will I lose my engineering chops if I move to product?"


@pytest.fixture
def gaps_client(make_client, tmp_path):
    def build(**settings):
        client = make_client(feedback_db=tmp_path / "feedback.sqlite3", api_key=KEY, **settings)
        if not any(getattr(route, "path", "") == "/v1/gaps" for route in client.app.routes):
            client.app.include_router(gaps.router)  # until app.py registers it
        return client

    return build


def test_gaps_are_empty_until_questions_are_stored(gaps_client):
    client = gaps_client()
    response = client.get("/v1/gaps", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"total": 0, "groups": [], "left_out": 0}


def test_abstained_and_down_voted_questions_come_back_grouped(gaps_client):
    client = gaps_client(log_questions=True)  # every abstention stored, as ASSISTANT_LOG_QUESTIONS=true
    for question in OFF_TOPIC:
        assert client.post("/v1/ask", json={"question": question}, headers=AUTH).json()["abstained"]
    answered = client.post("/v1/ask", json={"question": IN_SCOPE}, headers=AUTH).json()
    assert not answered["abstained"]
    rated = client.post("/v1/feedback", json={"answer_id": answered["id"], "rating": -1}, headers=AUTH)
    assert rated.status_code == 201, rated.text

    response = client.get("/v1/gaps", headers=AUTH)
    assert response.status_code == 200, response.text
    report = GapReport.model_validate(response.json())
    assert report.total == 3 == sum(g.count for g in report.groups)
    assert report.reasons() == {"abstained": 2, "down-voted": 1}
    shown = {q for g in report.groups for q in g.examples}
    assert set(OFF_TOPIC) <= shown and answered["standalone_question"] in shown
    assert all(g.closest_sections for g in report.groups)


def test_gaps_need_the_api_key(gaps_client):
    client = gaps_client()
    response = client.get("/v1/gaps")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("missing or wrong API key")
