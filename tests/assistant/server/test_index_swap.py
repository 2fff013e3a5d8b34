"""Servers that stay true to the index while articles are edited, added and deleted under them:
the real `assistant ingest` in another process, the real `assistant serve` (one on an embedded
store, two replicas sharing a real `chroma run` server), questions asked all the while; and
replicas that say so when their Chroma server comes back without the index."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.conftest import ARTICLE, DATA, LIVE_API_KEY, article_corpus, serving
from tests.processes import chroma_server, free_port, tool, wait_for

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
IN_SCOPE = "Will I lose my engineering chops if I move to product?"
# What the edit adds to the article, and a question only the edited article answers.
SABBATICAL = "\n\nTake a sabbatical every five years: a sabbatical keeps a senior engineer from burning out.\n"
SABBATICAL_QUESTION = "How often should a senior engineer take a sabbatical to avoid burning out?"
# What the added article (remote-work-notes.txt) answers.
ONE_ON_ONES = "How often should I hold one-on-ones with new reports?"


def ingest(settings: Settings, env: dict[str, str]) -> str:
    """`assistant ingest --json` in its own process; returns the index version it wrote."""
    result = subprocess.run(
        [tool("assistant"), "ingest", "--json"],
        env={"ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)["index_version"]


def serves(base: str, version: str) -> bool:
    ready = httpx.get(f"{base}/readyz", timeout=10)
    return ready.status_code == 200 and ready.json()["index_version"] == version


def readiness(base: str) -> dict:
    ready = httpx.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text  # degraded is still 200: a load balancer keeps the replica
    return ready.json()


def ready_with(base: str, version: str) -> bool:
    """Ready, with no problem, serving this index version."""
    ready = readiness(base)
    return (ready["status"], ready["problem"], ready["index_version"]) == ("ready", "", version)


def says_lost(base: str) -> bool:
    """Degraded because the store holds no collection (not, say, because it is still down)."""
    ready = readiness(base)
    return ready["status"] == "degraded" and "holds no collection" in ready["problem"]


def ask(base: str, question: str) -> dict:
    response = httpx.post(f"{base}/v1/ask", json={"question": question}, headers=AUTH, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def cites(answer: dict, source: str, words: str = "") -> bool:
    return any(c["source"] == source and words in c["quote"] for c in answer["citations"])


@contextmanager
def asking_all_the_while(bases: list[str]) -> Iterator[Counter]:
    """Ask an in-scope question of every server, over and over, until the block ends; yields the
    count of (status, abstained) seen, filled in as answers come back."""
    seen: Counter = Counter()
    stop = threading.Event()

    def keep_asking(base: str) -> None:
        with httpx.Client(base_url=base, headers=AUTH, timeout=120) as client:
            while not stop.is_set():
                try:
                    response = client.post("/v1/ask", json={"question": IN_SCOPE})
                except httpx.HTTPError as error:
                    seen[("transport error", type(error).__name__)] += 1
                    continue
                body = response.json() if response.status_code == 200 else {}
                seen[(response.status_code, bool(body.get("abstained")))] += 1

    threads = [threading.Thread(target=keep_asking, args=(base,), daemon=True) for base in bases]
    for thread in threads:
        thread.start()
    try:
        yield seen
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=180)


def edit_article(corpus: Path) -> None:
    """A new paragraph in the body (what follows the article is site chrome, cleaned away)."""
    article = corpus / ARTICLE.name
    text = article.read_text(encoding="utf-8")
    anchor = "ask for a raise!"
    assert anchor in text
    article.write_text(text.replace(anchor, anchor + SABBATICAL, 1), encoding="utf-8")


def test_a_server_started_before_the_first_ingest_serves_it_and_follows_later_ones(tmp_path):
    corpus = tmp_path / "corpus"
    article_corpus(corpus)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus)
    with serving(settings, tmp_path, "extractive", wait_ready=False, ASSISTANT_INDEX_CHECK_S="0.5") as (base, _log):
        assert "no index" in httpx.get(f"{base}/readyz", timeout=10).json()["error"]["message"]

        first = ingest(settings, {})
        wait_for(lambda: serves(base, first), "the server to load the first index", limit_s=180)
        assert not ask(base, IN_SCOPE)["abstained"]
        assert not cites(ask(base, SABBATICAL_QUESTION), ARTICLE.name, "sabbatical")

        edit_article(corpus)
        with asking_all_the_while([base]) as seen:  # an ingest while the server answers
            edited = ingest(settings, {})
            wait_for(lambda: serves(base, edited), "the server to swap in the edited index", limit_s=180)
        assert edited != first
        assert cites(ask(base, SABBATICAL_QUESTION), ARTICLE.name, "sabbatical")
        assert set(seen) == {(200, False)}, seen  # nothing failed, nothing abstained wrongly


def two_replicas(tmp_path, corpus, chroma_url: str) -> list[Settings]:
    """Each replica with its own data folder, as on two hosts: the Chroma server is all they share."""
    return [
        Settings(_env_file=None, data_dir=tmp_path / f"replica-{n}", corpus_dir=corpus, chroma_url=chroma_url)
        for n in (1, 2)
    ]


def test_two_replicas_on_one_chroma_server_follow_edits_additions_and_deletions(tmp_path):
    corpus = tmp_path / "corpus"
    article_corpus(corpus)
    with chroma_server(tmp_path / "chroma", tmp_path) as chroma_url:
        replicas = two_replicas(tmp_path, corpus, chroma_url)
        env = {"ASSISTANT_CHROMA_URL": chroma_url}
        version = ingest(replicas[0], env)
        with (
            serving(replicas[0], tmp_path, "extractive", ASSISTANT_INDEX_CHECK_S="0.5", **env) as (one, _),
            serving(replicas[1], tmp_path, "extractive", ASSISTANT_INDEX_CHECK_S="0.5", **env) as (two, _),
        ):
            bases = [one, two]
            assert all(serves(base, version) for base in bases)
            for base in bases:
                assert not cites(ask(base, SABBATICAL_QUESTION), ARTICLE.name, "sabbatical")
                assert not cites(ask(base, ONE_ON_ONES), "remote-work-notes.txt")

            steps = [
                ("an edited article", lambda: edit_article(corpus)),
                ("an added article", lambda: shutil.copy(DATA / "remote-work-notes.txt", corpus)),
                ("a deleted article", lambda: (corpus / "remote-work-notes.txt").unlink()),
            ]
            for what, change in steps:
                change()
                with asking_all_the_while(bases) as seen:
                    new = ingest(replicas[0], env)  # from one host; both replicas must follow
                    assert new != version, what
                    for base in bases:
                        wait_for(lambda b=base: serves(b, new), f"{base} to serve {what}", limit_s=180)
                version = new
                assert set(seen) == {(200, False)}, (what, seen)
                for base in bases:
                    assert cites(ask(base, SABBATICAL_QUESTION), ARTICLE.name, "sabbatical"), (what, base)
                    added = cites(ask(base, ONE_ON_ONES), "remote-work-notes.txt")
                    assert added == (what == "an added article"), (what, base)


def test_replicas_say_degraded_while_their_chroma_server_lost_the_index_and_ready_once_it_is_ingested_again(tmp_path):
    """Issue 24, item 7: Chroma restarted on its port with an empty folder. The replicas answer on
    from the snapshot they hold, /readyz says why, and an ingest into the new store mends them."""
    corpus = tmp_path / "corpus"
    article_corpus(corpus)
    port = free_port()
    with ExitStack() as first_chroma:
        chroma_url = first_chroma.enter_context(chroma_server(tmp_path / "chroma-a", tmp_path, port))
        replicas = two_replicas(tmp_path, corpus, chroma_url)
        env = {"ASSISTANT_CHROMA_URL": chroma_url}
        version = ingest(replicas[0], env)
        with (
            serving(replicas[0], tmp_path, "extractive", ASSISTANT_INDEX_CHECK_S="0.5", **env) as (one, _),
            serving(replicas[1], tmp_path, "extractive", ASSISTANT_INDEX_CHECK_S="0.5", **env) as (two, _),
        ):
            bases = [one, two]
            assert all(ready_with(base, version) for base in bases)

            first_chroma.close()  # Chroma stops, and comes back on its port over an empty folder
            with chroma_server(tmp_path / "chroma-b", tmp_path, port):
                for base in bases:
                    wait_for(lambda b=base: says_lost(b), f"{base} to say its store lost the index", limit_s=180)
                    ready = readiness(base)
                    assert ready["problem"] == (
                        f"the store at {chroma_url} holds no collection 'career-articles' (its data was lost or "
                        "reset; `assistant ingest` rebuilds it): answering from the index loaded before "
                        f"(version {version})"
                    )
                    assert ready["index_version"] == version
                    answer = ask(base, IN_SCOPE)  # from the snapshot the replica holds
                    assert not answer["abstained"] and cites(answer, ARTICLE.name)

                edit_article(corpus)  # a new version, so the replicas must load it, not only stop worrying
                new = ingest(replicas[0], env)
                assert new != version
                for base in bases:
                    wait_for(lambda b=base: ready_with(b, new), f"{base} to serve the new store's index", limit_s=180)
                    assert cites(ask(base, SABBATICAL_QUESTION), ARTICLE.name, "sabbatical")
