"""Prometheus metrics of one app: requests, latency, answers by outcome, the model's sentences.

Built with prometheus-client on a registry of the app's own (not the process-wide default),
so several apps in one process (the tests) each count their own. Requests are labelled by
the route template (`/v1/ask`, never the raw path; see middleware.route_template): a client
sending random paths gets them all counted under `unmatched`, and cannot blow up the number
of series. The request log middleware, which sees each request end anyway, reports it
here (`request_done`): one wrapper and one clock per request, not two.

The answer path reports to the app's `AppMetrics`, set on the AnswerService as its observer
(``AnswerService.observer``, through logs.QuestionNoting, which notes the question for the
request's log line first): outcomes and the guard's verdicts are known only there. The
LLM's token counts are not cheaply available on every backend (llama.cpp streams text, not
usage), so the model's output is counted in sentences, by the guard's verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from assistant.answer import Answer
from assistant.server.deps import require_api_key

__all__ = ["AppMetrics", "metrics_router"]

# The guard's verdicts that keep a sentence (assistant/guard.py): every other one removes it.
ACCEPTED = frozenset({"supported", "re-cited"})
# Seconds: a health check or an abstention takes milliseconds, a local model's answer tens of seconds.
_LATENCY_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)


class AppMetrics:
    """The metrics of one app, on their own registry; also the answer service's observer."""

    def __init__(self, queue_depth: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "assistant_http_requests", "HTTP requests by route template, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "assistant_http_request_duration_seconds", "Time to the end of the response (a stream's last byte).",
            ["route", "method"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.answers = Counter(
            "assistant_answers",
            "Answers by outcome: answered, abstained, fell_back (the model was asked, the answer is quotes only), "
            "busy (refused: the line for the model was full).",
            ["outcome"], registry=self.registry,
        )
        self.sentences = Counter(
            "assistant_model_sentences",
            "Sentences the LLM wrote, by the guard's verdict (accepted or removed) and its reason.",
            ["verdict", "reason"], registry=self.registry,
        )
        self.llm_tokens = Counter(
            "assistant_llm_tokens",
            "Tokens the LLM read (prompt: instructions, passages, question) and wrote (completion), counted with the "
            "model's own tokenizer (embedded, gguf) or as words and punctuation marks (openai backend).",
            ["kind"], registry=self.registry,
        )
        queue = Gauge("assistant_queue_depth", "Requests running or waiting for the model.", registry=self.registry)
        queue.set_function(queue_depth)
        for outcome in ("answered", "abstained", "fell_back", "busy"):
            self.answers.labels(outcome)  # every outcome shows from the start, at 0

    def request_done(self, route: str, method: str, status: int, seconds: float) -> None:
        """One request, as the request log middleware saw it end (to its last byte)."""
        method = method if method in _METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # -- the answer service's observer ------------------------------------------------------
    def answered(self, answer: Answer, verdicts: Mapping[str, int], model_asked: bool) -> None:
        if answer.abstained:
            outcome = "abstained"
        elif model_asked and not any(s.origin == "model" for s in answer.sentences):
            outcome = "fell_back"
        else:
            outcome = "answered"
        self.answers.labels(outcome).inc()
        for reason, count in verdicts.items():
            if count:
                verdict = "accepted" if reason in ACCEPTED else "removed"
                self.sentences.labels(verdict, reason).inc(count)

    def refused_busy(self) -> None:
        self.answers.labels("busy").inc()

    def model_tokens(self, prompt: int, completion: int) -> None:
        self.llm_tokens.labels("prompt").inc(prompt)
        self.llm_tokens.labels("completion").inc(completion)


# Methods are bounded too: anything else a client invents is "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def metrics_router() -> APIRouter:
    """GET /metrics in Prometheus' text format, behind the API key when one is set."""
    router = APIRouter(tags=["operations"], dependencies=[Depends(require_api_key)])

    @router.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
