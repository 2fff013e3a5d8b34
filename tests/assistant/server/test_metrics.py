"""GET /metrics: Prometheus' text format, read back with prometheus-client's own parser, and
the counters moving as answers end (answered, abstained, fell back, refused busy)."""

from __future__ import annotations

import threading

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant.gate import GenerationGate
from assistant.service import AnswerService
from tests.conftest import LIVE_API_KEY
from tests.fakes import scripted

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
OFF_TOPIC = "How do I make banana bread?"
KEY = "metrics-key-123"
AUTH = {"Authorization": f"Bearer {KEY}"}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition, keyed by (sample name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, headers=AUTH) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def outcome(metrics: dict, name: str) -> float:
    return value(metrics, "assistant_answers_total", outcome=name)


def test_metrics_sit_behind_the_key_and_parse(make_client):
    client = make_client(api_key=KEY)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    metrics = scrape(client)
    for name in ("answered", "abstained", "fell_back", "busy"):  # every outcome shows, at 0
        assert outcome(metrics, name) == 0
    assert value(metrics, "assistant_queue_depth") == 0
    # The 401s above were counted by route template and status.
    assert value(metrics, "assistant_http_requests_total", route="/metrics", method="GET", status="401") == 2


def test_requests_are_counted_by_route_template_not_raw_path(make_client):
    client = make_client()
    for n in range(5):
        client.get(f"/v1/no-such-thing-{n}/%0Aforged")
    client.get("/healthz")
    client.get("/v1/ask")  # 405: the route matched, the method did not
    metrics = scrape(client)
    routes = {dict(labels).get("route") for (name, labels) in metrics if name == "assistant_http_requests_total"}
    assert routes == {"unmatched", "/healthz", "/v1/ask"}
    assert value(metrics, "assistant_http_requests_total", route="unmatched", method="GET", status="404") == 5
    assert value(metrics, "assistant_http_requests_total", route="/v1/ask", method="GET", status="405") == 1
    assert value(metrics, "assistant_http_request_duration_seconds_count", route="/healthz", method="GET") == 1
    assert value(metrics, "assistant_http_request_duration_seconds_bucket", route="/healthz", method="GET", le="+Inf") == 1


def test_an_answer_and_an_abstention_are_counted(make_client):
    client = make_client()  # extractive: the answer is the article's sentences by design
    assert not client.post("/v1/ask", json={"question": QUESTION}).json()["abstained"]
    assert client.post("/v1/ask/stream", json={"question": OFF_TOPIC}).status_code == 200
    metrics = scrape(client)
    assert outcome(metrics, "answered") == 1
    assert outcome(metrics, "abstained") == 1
    assert outcome(metrics, "fell_back") == 0
    assert value(metrics, "assistant_http_requests_total", route="/v1/ask/stream", method="POST", status="200") == 1


def test_model_sentences_are_counted_by_the_guards_verdict(make_client):
    # One sentence that states nothing (removed), then one the article says and the answer
    # does not quote (kept, which ends the model's turn: it is asked for one sentence).
    llm = scripted(
        "The answer to this question is: [1]. "
        "As an engineer, you'll bring invaluable insight to product roles that will help you differentiate "
        "yourself in your career [2]."
    )
    client = make_client(llm)
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    metrics = scrape(client)
    counted = {
        (dict(labels)["verdict"], dict(labels)["reason"]): count
        for (name, labels), count in metrics.items()
        if name == "assistant_model_sentences_total"
    }
    assert [s["origin"] for s in answer["sentences"]] == ["quote", "model", "quote"]
    # Kept (re-cited to the passage that says it, with the fake embeddings) and removed.
    assert counted == {("accepted", "re-cited"): 1, ("removed", "fragment"): 1}
    assert outcome(metrics, "answered") == 1 and outcome(metrics, "fell_back") == 0
    # The fake model has no tokenizer: words and punctuation marks, of its whole reply and of its prompt.
    from assistant.tokens import WordTokens

    assert value(metrics, "assistant_llm_tokens_total", kind="completion") == WordTokens().count(llm.reply)
    prompt = "\n".join(str(m.content) for m in llm.prompts[0])
    assert value(metrics, "assistant_llm_tokens_total", kind="prompt") == WordTokens().count(prompt) > 100


def test_a_failing_model_is_counted_as_fell_back(make_client):
    client = make_client(scripted(error="the model's server is down"))
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert all(s["origin"] == "quote" for s in answer["sentences"]) and answer["sentences"]
    metrics = scrape(client)
    assert outcome(metrics, "fell_back") == 1
    assert outcome(metrics, "answered") == 0


def test_a_busy_refusal_and_the_queue_depth_are_counted(make_client, retriever):
    llm = scripted("You will probably lose your brand as an engineer [1].", gated=True)
    service = AnswerService(retriever, llm, backend="fake", llm_timeout_s=120, gate=GenerationGate(max_waiting=0))
    client = make_client(service=service)
    first = threading.Thread(target=client.post, args=("/v1/ask",), kwargs={"json": {"question": QUESTION}})
    first.start()
    try:
        assert llm.started.wait(60), "the first request never reached the model"
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 503
        metrics = scrape(client)
        assert outcome(metrics, "busy") == 1
        assert value(metrics, "assistant_queue_depth") == 1  # the held request
    finally:
        llm.release.set()
        first.join()
    metrics = scrape(client)
    assert value(metrics, "assistant_queue_depth") == 0
    assert outcome(metrics, "busy") == 1
    assert outcome(metrics, "answered") + outcome(metrics, "fell_back") == 1


def test_two_apps_in_one_process_count_apart(make_client):
    first, second = make_client(), make_client()
    first.get("/healthz")
    assert value(scrape(first), "assistant_http_requests_total", route="/healthz", method="GET", status="200") == 1
    assert value(scrape(second), "assistant_http_requests_total", route="/healthz", method="GET", status="200") == 0


def test_metrics_of_the_real_server(live_extractive_server):
    base, _ = live_extractive_server
    auth = {"Authorization": f"Bearer {LIVE_API_KEY}"}
    assert httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=auth, timeout=120).status_code == 200
    assert httpx.get(f"{base}/metrics", timeout=30).status_code == 401
    response = httpx.get(f"{base}/metrics", headers=auth, timeout=30)
    assert response.status_code == 200
    metrics = samples(response.text)
    assert value(metrics, "assistant_http_requests_total", route="/v1/ask", method="POST", status="200") >= 1
    assert outcome(metrics, "answered") >= 1
