"""POST /v1/feedback in-process: rating answers from /v1/ask, its stream and chat completions,
what is stored, and every error a client can cause; DELETE /v1/feedback/{id}: a rating taken back."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.assistant.server.test_ask_api import assert_error, parse_sse

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
OFF_TOPIC = "What is the best recipe for sourdough bread?"


@pytest.fixture
def feedback_client(make_client, tmp_path):
    def build(**settings):
        return make_client(feedback_db=tmp_path / "feedback.sqlite3", **settings)

    return build


def rows(tmp_path) -> list[dict]:
    """What is on disk, read as another process would."""
    db = sqlite3.connect(tmp_path / "feedback.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return [
            dict(row)
            for row in db.execute(
                "SELECT a.*, f.rating, f.comment FROM answers AS a LEFT JOIN feedback AS f ON f.answer_id = a.id"
            )
        ]
    finally:
        db.close()


def rate(client, answer_id: str, rating=1, **extra):
    return client.post("/v1/feedback", json={"answer_id": answer_id, "rating": rating, **extra})


def test_a_rated_answer_is_stored_with_its_question_answer_citations_and_index_version(feedback_client, tmp_path):
    client = feedback_client()
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert len(answer["id"]) == 32 and answer["index_version"]

    response = rate(client, answer["id"], -1, comment="It missed the point <b>")
    assert response.status_code == 201, response.text
    assert response.json() == {"answer_id": answer["id"], "rating": -1, "stored": True}

    [row] = rows(tmp_path)
    assert row["id"] == answer["id"] and row["question"] == QUESTION
    assert row["standalone_question"] == answer["standalone_question"] and row["answer"] == answer["answer"]
    assert json.loads(row["citations"]) == answer["citations"] and row["citations"] != "[]"
    assert row["index_version"] == answer["index_version"] and row["backend"] == answer["backend"]
    assert (row["abstained"], row["rating"], row["comment"]) == (0, -1, "It missed the point <b>")


def test_a_second_rating_replaces_the_first_and_up_and_down_are_words_for_it(feedback_client, tmp_path):
    client = feedback_client()
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["id"]
    assert rate(client, answer_id, "up").json()["rating"] == 1
    assert rate(client, answer_id, "down", comment="changed my mind").status_code == 201
    assert [(r["rating"], r["comment"]) for r in rows(tmp_path)] == [(-1, "changed my mind")]


def test_the_streamed_answer_and_the_abstention_carry_ids_that_can_be_rated(feedback_client, tmp_path):
    client = feedback_client()
    events = parse_sse(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
    done = events[-1][1]
    abstained = client.post("/v1/ask", json={"question": OFF_TOPIC}).json()
    assert abstained["abstained"] and abstained["id"] != done["id"]
    for answer in (done, abstained):
        assert rate(client, answer["id"], -1).status_code == 201
    assert {(r["id"], r["abstained"], r["index_version"]) for r in rows(tmp_path)} == {
        (done["id"], 0, done["index_version"]),
        (abstained["id"], 1, abstained["index_version"]),
    }


def test_a_chat_completion_is_rated_by_its_id(feedback_client, tmp_path):
    client = feedback_client()
    messages = [{"role": "user", "content": QUESTION}]
    whole = client.post("/v1/chat/completions", json={"messages": messages}).json()
    assert whole["id"].startswith("chatcmpl-")
    chunks = [
        json.loads(line.removeprefix("data: "))
        for line in client.post("/v1/chat/completions", json={"messages": messages, "stream": True}).text.splitlines()
        if line.startswith("data: {")
    ]
    streamed = {chunk["id"] for chunk in chunks}
    assert len(streamed) == 1  # every chunk, the first too, carries the answer's id
    for completion_id in (whole["id"], *streamed):
        response = rate(client, completion_id, 1)
        assert response.status_code == 201 and response.json()["answer_id"] == completion_id.removeprefix("chatcmpl-")
    assert {r["id"] for r in rows(tmp_path)} == {whole["id"].removeprefix("chatcmpl-"), *(s[9:] for s in streamed)}


def test_an_unknown_id_is_a_404_that_says_when_feedback_is_possible(feedback_client, tmp_path):
    client = feedback_client()
    assert_error(rate(client, "0" * 32), 404, "not_found", "while the server that gave it runs")
    assert not (tmp_path / "feedback.sqlite3").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 2}, "rating"),
        ({"rating": "sideways"}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": 1.0}, "rating"),
        ({"rating": -1.0}, "rating"),
        ({"rating": 10**30}, "rating"),
        ({"rating": "1"}, "rating"),
        ({"rating": "UP"}, "rating"),
        ({"rating": [1]}, "rating"),
        ({"rating": None}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"comment": "bad \ud800"}, "comment"),
        ({"answer_id": ""}, "answer_id"),
        ({"answer_id": "../../etc/passwd"}, "answer_id"),
        ({"answer_id": "a" * 65}, "answer_id"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_bad_fields_are_a_422_naming_them(feedback_client, payload, field):
    client = feedback_client()
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["id"]
    body = json.dumps({"answer_id": answer_id, "rating": 1, **payload})  # a lone surrogate as a JSON escape
    response = client.post("/v1/feedback", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid_request", field)


def test_a_body_that_is_not_json_is_refused(feedback_client):
    client = feedback_client()
    response = client.post("/v1/feedback", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request", "not valid JSON")
    assert_error(
        client.post("/v1/feedback", content=b"x", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
        "JSON",
    )


def test_the_api_key_guards_it(feedback_client):
    client = feedback_client(api_key="s3cret-key-123")
    key = {"Authorization": "Bearer s3cret-key-123"}
    answer_id = client.post("/v1/ask", json={"question": QUESTION}, headers=key).json()["id"]
    assert_error(rate(client, answer_id), 401, "unauthorized", "Bearer")
    response = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": 1}, headers=key)
    assert response.status_code == 201


def test_with_logged_questions_every_answer_is_on_disk_unrated(feedback_client, tmp_path):
    client = feedback_client(log_questions=True)
    answer = client.post("/v1/ask", json={"question": OFF_TOPIC}).json()
    assert [(r["id"], r["abstained"], r["rating"]) for r in rows(tmp_path)] == [(answer["id"], 1, None)]


def test_without_logged_questions_nothing_is_written_until_a_rating(feedback_client, tmp_path):
    client = feedback_client()
    client.post("/v1/ask", json={"question": QUESTION})
    client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
    assert not (tmp_path / "feedback.sqlite3").exists()


@pytest.mark.parametrize("rating", [True, 1.0, -1.0, 10**30, "1", "UP", 0])
def test_a_rating_other_than_the_four_gets_one_clear_message(feedback_client, rating):
    client = feedback_client()
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["id"]
    response = rate(client, answer_id, rating)
    message = 'rating must be 1, -1, "up" or "down"'
    assert_error(response, 422, "invalid_request", message)
    assert response.json()["error"]["details"] == [{"field": "rating", "message": message}]


def test_delete_withdraws_a_rating_and_the_unlogged_question_with_it(feedback_client, tmp_path):
    client = feedback_client()
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["id"]
    assert rate(client, answer_id, -1, comment="wrong").status_code == 201

    response = client.delete(f"/v1/feedback/chatcmpl-{answer_id}")
    assert response.status_code == 204 and response.content == b""
    assert rows(tmp_path) == []
    assert rate(client, answer_id, 1).status_code == 201  # still rateable: the server remembers it
    assert [r["rating"] for r in rows(tmp_path)] == [1]


def test_delete_with_logged_questions_keeps_the_question_unrated(feedback_client, tmp_path):
    client = feedback_client(log_questions=True)
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["id"]
    rate(client, answer_id, -1, comment="wrong")
    assert client.delete(f"/v1/feedback/{answer_id}").status_code == 204
    assert [(r["id"], r["rating"], r["comment"]) for r in rows(tmp_path)] == [(answer_id, None, None)]


def test_delete_of_an_unknown_or_malformed_id_is_refused(feedback_client, tmp_path):
    client = feedback_client()
    assert_error(client.delete(f"/v1/feedback/{'0' * 32}"), 404, "not_found", "no answer with this id")
    assert_error(client.delete(f"/v1/feedback/{'a' * 65}"), 422, "invalid_request", "answer_id")
    assert not (tmp_path / "feedback.sqlite3").exists()


def test_the_api_key_guards_delete(feedback_client, tmp_path):
    client = feedback_client(api_key="s3cret-key-123")
    key = {"Authorization": "Bearer s3cret-key-123"}
    answer_id = client.post("/v1/ask", json={"question": QUESTION}, headers=key).json()["id"]
    client.post("/v1/feedback", json={"answer_id": answer_id, "rating": -1}, headers=key)
    assert_error(client.delete(f"/v1/feedback/{answer_id}"), 401, "unauthorized", "Bearer")
    assert [r["rating"] for r in rows(tmp_path)] == [-1]
    assert client.delete(f"/v1/feedback/{answer_id}", headers=key).status_code == 204
