"""The web UI in a real Chromium (Debian's), driven by Playwright, against `assistant serve`."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import LIVE_API_KEY
from tests.ui.conftest import PAYLOAD, PAYLOAD_QUESTION

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing in CI: .ci/run must `apt-get install chromium`", pytrace=False)
    pytest.skip("browser tests need Chromium: apt-get install chromium", allow_module_level=True)

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWER_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def opened(page) -> None:
    """Wait until the chat is live: the page's load event has put the service's status in (the
    page is built before the service is ready). Not "network idle": the page keeps a heartbeat
    request open, Gradio's sign that the tab still holds its server-side conversation."""
    page.locator("#status", has_text="LLM backend").wait_for(timeout=ANSWER_TIMEOUT_MS)


def log_in(page, base: str, key: str = LIVE_API_KEY) -> None:
    """Open the UI as a visitor does: sent to the login page, then back to the chat."""
    page.goto(f"{base}/ui/")
    page.wait_for_url(f"{base}/ui/login")
    page.locator("#key").fill(key)
    page.locator("#login").click()
    page.wait_for_url(f"{base}/ui/")
    opened(page)


def no_dialogs(page) -> list[str]:
    """Every alert/confirm/prompt the page opens (a script that ran), dismissed and kept."""
    opened: list[str] = []

    def record(dialog) -> None:
        opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    return opened


@pytest.fixture
def page(browser, live_server, tmp_path):
    yield from _logged_in_page(browser, live_server[0], tmp_path)


@pytest.fixture
def held_page(browser, held_server, tmp_path):
    """A page logged in to held_server (its LLM writes until Stop when the test says so)."""
    yield from _logged_in_page(browser, held_server[0], tmp_path)


def _logged_in_page(browser, base: str, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base)
    shots: list[Path] = []

    def shot(name: str) -> Path:
        path = tmp_path / f"{len(shots):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)
        return path

    page.shot = shot
    yield page
    context.close()


def test_example_question_streams_an_answer_with_cards_tied_to_markers(page, index_settings, embeddings):
    from assistant.composition import build_store
    from ui.app import example_questions

    page.shot("opened")
    assert "LLM backend" in page.locator("#status").inner_text()
    expected = example_questions(build_store(index_settings, embeddings).documents())
    assert page.locator(".example-q").all_inner_texts() == expected  # the article's own Q&A, in order
    page.locator(".example-q", has_text="engineering chops").click()
    try:
        page.locator(".answer .answer-text").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.locator(".cite-card").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    except Exception as error:
        pytest.fail(f"no answer with citation cards appeared ({error}); screenshot: {page.shot('no-answer')}")
    shot = page.shot("answered")
    marker = page.locator("a.cite-marker").first
    target = marker.get_attribute("href").lstrip("#")
    card = page.locator(f"[id='{target}']")
    assert card.count() == 1, f"marker {target} has no card; screenshot: {shot}"
    assert card.locator("mark").inner_text().strip(), f"the card highlights no sentence; screenshot: {shot}"
    assert page.locator("[data-origin='quote']").count() >= 1, f"no quoted sentence shown; screenshot: {shot}"
    assert "last answer" in page.locator("#status").inner_text()


def test_out_of_scope_question_shows_an_abstention(page):
    page.locator("#question textarea").fill("How do I make banana bread?")
    page.locator("#ask").click()
    try:
        page.locator("[data-abstained='true']").wait_for(timeout=60_000)
    except Exception as error:
        pytest.fail(f"no abstention appeared ({error}); screenshot: {page.shot('no-abstention')}")
    shot = page.shot("abstained")
    assert "doesn't cover this" in page.locator("[data-abstained='true']").inner_text(), shot
    page.locator("#clear").click()
    page.locator("[data-abstained='true']").wait_for(state="detached", timeout=10_000)


def test_a_wrong_key_stays_on_the_login_page(browser, live_server):
    base, _ = live_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/ui/")
    page.wait_for_url(f"{base}/ui/login")
    page.locator("#key").fill("not-the-key")
    page.locator("#login").click()
    page.locator("[role=alert]", has_text="That is not the key.").wait_for(timeout=10_000)
    assert page.locator("#chat").count() == 0
    context.close()


def test_a_typed_script_is_shown_as_text_and_never_runs(page):
    dialogs = no_dialogs(page)
    page.locator("#question textarea").fill(PAYLOAD_QUESTION)
    page.locator("#ask").click()
    try:  # the turn is over when the streaming placeholder has become the final answer
        page.locator("#chat .answer:not(.streaming)").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    except Exception as error:
        pytest.fail(f"no answer appeared ({error}); screenshot: {page.shot('no-answer')}")
    shot = page.shot("typed-payload")
    assert dialogs == [], f"a script ran: {dialogs}; screenshot: {shot}"
    assert page.locator("#chat img, #chat svg[onload]").count() == 0, shot
    assert PAYLOAD in page.locator("#chat").inner_text(), shot  # the user sees what they typed


def test_an_example_question_from_the_corpus_is_shown_as_text_and_never_runs(browser, keyless_server, tmp_path):
    """Stored: a corpus file's Q&A question holding a script becomes an example button."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs = no_dialogs(page)
    page.goto(f"{keyless_server}/ui/")
    opened(page)
    example = page.locator(".example-q", has_text="Should I become a manager?")
    assert example.inner_text().strip() == PAYLOAD_QUESTION
    assert page.locator("#examples img, #examples svg[onload]").count() == 0
    assert page.locator("#logout-link").count() == 0  # no key, nothing to log out of
    example.click()
    page.locator("#chat .answer:not(.streaming)").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    shot = tmp_path / "example-payload.png"
    page.screenshot(path=str(shot), full_page=True)
    assert dialogs == [], f"a script ran: {dialogs}; screenshot: {shot}"
    assert page.locator("#chat img, #chat svg[onload]").count() == 0, shot
    assert PAYLOAD in page.locator("#chat").inner_text(), shot
    context.close()


def in_line_settles_at_zero(base: str, deadline_s: float = 30.0) -> int:
    """The server's own count of requests on or waiting for the LLM, polled until it is 0
    or the deadline passes; returns the last count seen."""
    end = time.monotonic() + deadline_s
    while True:
        in_line = httpx.get(f"{base}/readyz", timeout=10).json().get("in_line", -1)
        if in_line == 0 or time.monotonic() > end:
            return in_line
        time.sleep(0.1)  # a poll's pace, not a wait for something to happen


def asked_and_answered(page):
    """The chat's bubbles, in the order the page shows them: (role, text, top edge)."""
    bubbles = page.locator("#chat [data-testid='user'], #chat [data-testid='bot']")
    return [
        (b.get_attribute("data-testid"), b.inner_text().strip(), b.bounding_box()["y"]) for b in bubbles.all()
    ]


# True when the chat's last question is inside the chat's visible area, not scrolled away.
QUESTION_SHOWN = """() => {
    const log = document.querySelector("#chat [role=log]").getBoundingClientRect();
    const asked = [...document.querySelectorAll("#chat [data-testid=user]")].pop().getBoundingClientRect();
    return asked.top >= log.top - 1 && asked.bottom <= log.bottom + 1;
}"""


def test_stop_ends_a_streaming_answer_with_its_quotes_and_frees_the_model(held_page, held_server):
    page = held_page
    base, _, llm = held_server
    llm.hold_next()  # written until Stop: the click below always lands mid-answer
    example = page.locator(".example-q", has_text="engineering chops")
    question = example.inner_text().strip()
    example.click()
    streaming = page.locator("#chat .answer.streaming .answer-text").filter(has_text=re.compile(r"[A-Za-z]"))
    try:  # the lead quote is streamed first; the model writes after it, for seconds
        streaming.wait_for(timeout=ANSWER_TIMEOUT_MS)
    except Exception as error:
        pytest.fail(f"no lead quote streamed ({error}); screenshot: {page.shot('no-lead')}")
    shot = page.shot("streaming")
    (user, asked, user_top), (bot, _, bot_top) = asked_and_answered(page)
    assert (user, asked, bot) == ("user", question, "bot") and user_top < bot_top, shot  # the question above it
    page.locator("#stop").click()
    try:
        page.locator("#chat .answer:not(.streaming) .cite-card").first.wait_for(timeout=60_000)
    except Exception as error:
        pytest.fail(f"the stopped answer did not end with its cards ({error}); screenshot: {page.shot('no-end')}")
    page.wait_for_function(QUESTION_SHOWN, timeout=10_000)  # scrolled to once the frame is drawn
    shot = page.shot("stopped")
    assert in_line_settles_at_zero(base) == 0, f"the model is still busy after Stop; screenshot: {shot}"
    assert [role for role, _, _ in asked_and_answered(page)] == ["user", "bot"], shot


def test_retry_asks_the_same_question_again_and_its_answer_replaces_the_old(page):
    page.locator("#question textarea").fill("How do I make banana bread?")
    page.locator("#ask").click()
    old = page.locator("#chat [data-abstained='true']")
    old.wait_for(timeout=60_000)
    old.evaluate("answer => answer.setAttribute('data-old', '')")  # gone once the answer is drawn again
    page.locator("#chat button[aria-label='Retry']").click()
    try:
        page.locator("#chat [data-abstained='true']:not([data-old])").wait_for(timeout=60_000)
    except Exception as error:
        pytest.fail(f"no new answer replaced the old one ({error}); screenshot: {page.shot('no-retry')}")
    page.wait_for_function(QUESTION_SHOWN, timeout=10_000)
    shot = page.shot("retried")
    bubbles = asked_and_answered(page)
    assert [(role, text) for role, text, _ in bubbles][:1] == [("user", "How do I make banana bread?")], shot
    assert [role for role, _, _ in bubbles] == ["user", "bot"] and bubbles[0][2] < bubbles[1][2], shot
    assert page.locator("#chat [data-old]").count() == 0, shot


def test_undo_takes_the_last_question_and_answer_away_and_puts_the_question_back(page):
    page.locator("#question textarea").fill("How do I make banana bread?")
    page.locator("#ask").click()
    page.locator("#chat [data-abstained='true']").wait_for(timeout=60_000)
    page.locator("#question textarea").fill("What about sourdough?")
    page.locator("#ask").click()
    page.locator("#chat [data-abstained='true']").nth(1).wait_for(timeout=60_000)
    page.locator("#chat button[aria-label='Undo']").click()
    try:
        page.locator("#chat [data-testid='bot']").nth(1).wait_for(state="detached", timeout=10_000)
    except Exception as error:
        pytest.fail(f"Undo left the last answer ({error}); screenshot: {page.shot('no-undo')}")
    shot = page.shot("undone")
    assert [(role, text) for role, text, _ in asked_and_answered(page)][0] == ("user", "How do I make banana bread?")
    assert [role for role, _, _ in asked_and_answered(page)] == ["user", "bot"], shot
    assert page.locator("#question textarea").input_value() == "What about sourdough?", shot


# The question asked is the chat's last, and the turn has ended: its answer is drawn in full
# (an answer, an abstention or an error; no "…" still streaming).
TURN_ENDED = """(asked) => {
    const questions = [...document.querySelectorAll("#chat [data-testid=user]")];
    const answers = [...document.querySelectorAll("#chat .answer")];
    return questions.length > 0 && questions.pop().innerText.trim() === asked
        && answers.length > 0 && !answers.pop().classList.contains("streaming");
}"""
LONG_CHAT = [
    "Do staff engineers only write code?",
    "Will I lose my engineering chops if I move to product?",
    "What's the career path that gets me to the exec level the fastest?",
    "How do I know if I'm making the right choice?",
    "Should I become an engineering manager?",
]


def test_a_long_conversation_answers_every_question_and_says_when_old_turns_go(
    browser, live_extractive_server, tmp_path
):
    """30 turns. The page once sent the whole rendered chat with each question; past the
    server's 64 KB body limit (turn 24 or so) the turn failed with a bare "Error" and the
    question was lost. Now the server keeps the conversation: the page sends the question."""
    from ui.conversation import KEPT_TURNS

    base, _ = live_extractive_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sent: list[int] = []  # the body of each queue/join, in bytes
    page.on("request", lambda r: sent.append(len(r.post_data_buffer or b"")) if "/queue/join" in r.url else None)
    log_in(page, base)
    turns = 30
    asked = [f"{LONG_CHAT[n % len(LONG_CHAT)]} (turn {n})" for n in range(1, turns + 1)]
    for turn, question in enumerate(asked, start=1):
        page.locator("#question textarea").fill(question)
        page.locator("#ask").click()
        try:
            page.wait_for_function(TURN_ENDED, arg=question, timeout=30_000)
        except Exception as error:
            pytest.fail(f"turn {turn} was not answered ({error}); screenshot: {shot_of(page, tmp_path, 'lost')}")
        answer = page.locator("#chat .answer").last
        assert answer.get_attribute("data-abstained") is not None, f"turn {turn}: {answer.inner_text()}"
    shot = shot_of(page, tmp_path, "long-chat")
    assert page.locator("#chat [data-error='true']").count() == 0, shot
    shown = [text.strip() for text in page.locator("#chat [data-testid=user]").all_inner_texts()]
    assert shown == asked[-KEPT_TURNS:], shot  # the latest turns, in order, each with its answer
    assert page.locator("#chat .answer[data-abstained]").count() == KEPT_TURNS, shot
    notice = page.locator("#chat [data-notice='trimmed']")
    assert notice.count() == 1 and f"keeps the last {KEPT_TURNS}" in notice.inner_text(), shot
    assert "Error" not in page.locator("body").inner_text(), shot  # Gradio's own bare "Error"
    assert len(sent) > turns and max(sent) < 1024, sent  # small, however long the chat
    context.close()


def shot_of(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path



# --- Issue 27: the chat at a desktop's and a phone's width -------------------------------

WIDTHS = [pytest.param((1280, 900), id="desktop-1280"), pytest.param((390, 844), id="phone-390")]
WAIT_TEXT = "An answer is still being written"


def shots_folder(tmp_path: Path) -> Path:
    """Where the screenshots go: UI_SCREENSHOTS when set (to look at them), else tmp_path."""
    folder = Path(os.environ.get("UI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def is_red(colour: str) -> bool:
    red, green, blue = (int(n) for n in re.findall(r"\d+", colour)[:3])
    return red > 180 and green < 120 and blue < 120


# Block elements of the answers that stick out of their answer's box, the answers that stick
# out of the chat, and list bullets left of their box (a bullet sits about 1em left of its item).
OVERFLOWING = """() => {
  const bad = [];
  const log = document.querySelector("#chat [role=log]").getBoundingClientRect();
  for (const answer of document.querySelectorAll("#chat .answer")) {
    const box = answer.getBoundingClientRect();
    if (box.left < log.left - 1 || box.right > log.right + 1) bad.push("an answer outside the chat");
    const blocks = answer.querySelectorAll(
      ".answer-text, .cite-card, blockquote, .cite-meta, details, ul, li, .stopped-mark, .read-as, .legend, "
      + ".retry-note");
    for (const el of blocks) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) bad.push(`${el.tagName}.${el.className}`);
    }
    for (const li of answer.querySelectorAll("li")) {
      const r = li.getBoundingClientRect();
      if (r.width && r.left - 10 < box.left) bad.push(`a bullet outside its box: ${li.textContent.slice(0, 30)}`);
    }
  }
  return bad;
}"""
STOP_GREY = """() => {
  const stop = document.querySelector("#stop");
  const [r, g, b] = getComputedStyle(stop).backgroundColor.match(/\\d+/g).map(Number);
  return stop.disabled && stop.classList.contains("secondary") && !(r > 180 && g < 150 && b < 150);
}"""
CONTEXT_SHOWN = "() => [...document.querySelectorAll('#chat .cite-card .context')].some(e => e.offsetWidth > 0)"
OPEN_NOTES = "() => document.querySelectorAll('#chat details.notes').forEach(d => { d.open = true; })"


def check_login_page(page, base: str, width: int, shoot) -> None:
    """The login page: styled like the app, in an end user's words, fitting a phone."""
    page.goto(f"{base}/ui/")
    page.wait_for_url(f"{base}/ui/login")
    shot = shoot("login")
    body = page.locator("body").inner_text()
    assert "access key you were given" in body and "ASSISTANT_API_KEY" not in body, shot
    button = page.locator("#login")
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour not in ("rgb(239, 239, 239)", "rgba(0, 0, 0, 0)"), f"an unstyled button ({colour}); {shot}"
    field = page.locator("#key").bounding_box()
    assert field["x"] >= 0 and field["x"] + field["width"] <= width, shot
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, shot


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_chat_one_answer_at_a_time_with_stop_follow_up_and_retry_at_each_width(
    browser, held_server, tmp_path, viewport
):
    """Issue 27 at 1280 and 390 px: the login page; examples above the chat without scrolling;
    no floating label; Stop inactive until an answer is written; text typed meanwhile kept, a
    second question refused visibly; a stopped answer marked; compact cards with their jargon
    folded away; nothing out of its box; a follow-up's reading; Retry saying what it did."""
    base, _, llm = held_server
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 600)
    page = context.new_page()
    folder = shots_folder(tmp_path)

    def shoot(name: str) -> Path:
        path = folder / f"{width}-{name}.png"
        page.screenshot(path=str(path), animations="disabled")  # transitions finished: the state as it settles
        return path

    check_login_page(page, base, width, shoot)
    page.locator("#key").fill(LIVE_API_KEY)
    page.locator("#login").click()
    page.wait_for_url(f"{base}/ui/")
    opened(page)
    shot = shoot("opened")
    assert page.locator("#logout-link").is_visible(), shot  # behind a key: a way out
    first = page.locator(".example-q").first.bounding_box()
    assert first["y"] + first["height"] <= height, f"the examples are below the fold; {shot}"
    assert first["y"] < page.locator("#chat").bounding_box()["y"], shot  # above the chat
    assert page.locator("#chat [data-testid='block-label']").filter(has_text="Chat").count() == 0, shot
    stop = page.locator("#stop")
    assert stop.is_disabled() and not is_red(stop.evaluate("b => getComputedStyle(b).backgroundColor")), shot

    llm.hold_next()  # written until Stop: Stop and the second question always come mid-answer
    page.locator(".example-q", has_text="engineering chops").click()
    streaming = page.locator("#chat .answer.streaming .answer-text").filter(has_text=re.compile(r"[A-Za-z]"))
    streaming.wait_for(timeout=ANSWER_TIMEOUT_MS)
    shot = shoot("streaming")
    assert page.locator("#ask").is_disabled() and stop.is_enabled(), shot
    assert is_red(stop.evaluate("b => getComputedStyle(b).backgroundColor")), shot
    typed = page.locator("#question textarea")
    typed.fill("What about managers?")
    typed.press("Enter")  # a second question while the first is written: not lost, not silent
    page.get_by_test_id("toast-body").filter(has_text=WAIT_TEXT).wait_for(timeout=30_000)
    stop.click()
    page.locator("#chat [data-stopped]").wait_for(timeout=60_000)
    page.locator("#ask:not([disabled])").wait_for(timeout=30_000)
    page.wait_for_function(STOP_GREY, timeout=10_000)  # inactive and grey again (after its colour's transition)
    page.evaluate(OPEN_NOTES)
    shot = shoot("stopped")
    assert typed.input_value() == "What about managers?", shot  # kept when the answer ended
    assert page.locator("#chat .answer").count() == 1 and stop.is_disabled(), shot
    assert "Stopped" in page.locator("#chat [data-stopped]").inner_text(), shot
    assert page.evaluate(OVERFLOWING) == [], shot
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, shot
    card = page.locator("#chat .cite-card").first
    shown = card.inner_text()
    assert "From “" in shown and ".txt" not in shown and "relevance" not in shown, shot  # folded away
    assert card.locator("mark").is_visible(), shot
    assert page.evaluate(CONTEXT_SHOWN) == (width > 640), shot  # a phone shows the cited sentence alone
    model_written = page.locator("#chat [data-origin='model']").count() > 0
    assert (page.locator("#chat .legend").count() > 0) == model_written, shot
    assert "written by embedded" not in page.locator("#chat").inner_text(), shot
    assert not page.locator("#chat .scroll-down-button-container").is_visible(), shot
    page.get_by_test_id("toast-close").first.click()  # the warning read

    page.locator("#ask").click()
    page.wait_for_function(
        "() => document.querySelector('#question textarea').value === '' "
        "&& document.querySelectorAll('#chat [data-testid=user]').length === 2", timeout=60_000
    )  # cleared as it was sent
    page.wait_for_function(
        "() => document.querySelectorAll('#chat .answer:not(.streaming)').length === 2", timeout=ANSWER_TIMEOUT_MS
    )
    page.locator("#ask:not([disabled])").wait_for(timeout=30_000)
    page.wait_for_function(STOP_GREY, timeout=10_000)
    shot = shoot("follow-up")
    read_as = page.locator("#chat .answer").last.locator("[data-read-as]")
    assert read_as.is_visible() and read_as.inner_text().startswith("Read as: "), shot

    page.locator("#chat button[aria-label='Retry']").click()
    page.locator("#chat [data-retry]").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator("#ask:not([disabled])").wait_for(timeout=30_000)
    page.wait_for_function(STOP_GREY, timeout=10_000)
    shot = shoot("retried")
    note = page.locator("#chat [data-retry]")
    if note.get_attribute("data-retry") == "same":
        assert "rephras" in note.inner_text(), shot
    assert page.get_by_test_id("toast-body").filter(has_text=WAIT_TEXT).count() == 0, shot
    assert page.evaluate(OVERFLOWING) == [], shot
    context.close()


def test_thumbs_a_comment_the_gaps_tab_and_logging_out(browser, feedback_server, tmp_path):
    """A thumb down and a comment are stored (read back from the store); the abstained questions
    show in "What readers miss"; the Log out link ends the session."""
    from assistant.feedback import FeedbackStore
    from ui.feedback_panel import ASK_WHY

    base, db = feedback_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    folder = shots_folder(tmp_path)

    def shoot(name: str) -> Path:
        path = folder / f"1280-{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    log_in(page, base)
    asked = ["How do I bake banana bread?", "How do I bake rye bread?", "What is the best sourdough starter?"]
    for n, question in enumerate(asked, start=1):
        page.locator("#question textarea").fill(question)
        page.locator("#ask").click()
        page.wait_for_function(TURN_ENDED, arg=question, timeout=60_000)
        assert page.locator("#chat [data-abstained='true']").count() == n
    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.locator("#feedback-note", has_text="Thanks: your feedback was saved").wait_for(timeout=30_000)
    box = page.locator("#feedback-text")  # the comment box (its group repeats its elem_id)
    box.wait_for(state="visible", timeout=10_000)  # drawn in the frame after the note, maybe
    assert ASK_WHY in box.inner_text()
    page.locator("#feedback-text textarea").fill("Please add a <b>baking</b> section.")
    page.locator("#feedback-send").click()
    page.locator("#feedback-note", has_text="Thanks: your comment was saved").wait_for(timeout=30_000)
    box.wait_for(state="hidden", timeout=10_000)
    shot = shoot("feedback")
    store = FeedbackStore(db)
    try:
        rated = [s for s in store.all() if s.rating is not None]
    finally:
        store.close()
    assert [(s.record.question, s.rating, s.comment) for s in rated] == [
        ("What is the best sourdough starter?", -1, "Please add a <b>baking</b> section.")
    ], shot

    page.get_by_role("tab", name="What readers miss").click()
    page.locator("#gaps-refresh").click()
    report = page.locator("#gaps-report .gap-report")
    report.wait_for(timeout=60_000)
    shot = shoot("gaps")
    text = report.inner_text()
    assert int(report.get_attribute("data-groups")) >= 1, shot
    assert all(question in text for question in asked) and "not covered" in text, shot
    assert page.locator("#gaps-report b").count() == 0, shot

    page.locator("#logout-link").click()
    page.wait_for_url(f"{base}/ui/login")
    page.goto(f"{base}/ui/")
    page.wait_for_url(f"{base}/ui/login")  # the session ended
    context.close()
