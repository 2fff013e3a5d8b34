from pathlib import Path

from ingest.blocks import parse_html, parse_markdown, parse_text
from ingest.cleaning import clean_blocks
from ingest.structure import build_sections
from tests.conftest import ARTICLE, DATA


def outline(parsed, title: str = "") -> list[tuple[tuple[str, ...], str]]:
    cleaned = clean_blocks(parsed.blocks, title or parsed.metadata.get("title", ""))
    return [(s.path, s.question) for s in build_sections(cleaned.blocks) if not s.heading_only]


def test_article_sections_and_questions_are_inferred_from_plain_text():
    parsed = parse_text(ARTICLE.read_text(encoding="utf-8"))
    assert outline(parsed, "Career paths beyond senior software engineer") == [
        (("Introduction",), ""),
        (("Staff engineer",), ""),
        (("Engineering manager",), ""),
        (("Product Management / Business etc",), ""),
        (("Introduction",), ""),
        (("Q & A", "Myths about staff-level engineers"), ""),
        (
            ("Q & A", "I want to stay an IC but it seems like engineering management has a better promotion path."),
            "I want to stay an IC but it seems like engineering management has a better promotion path.",
        ),
        (
            ("Q & A", "I'm interested in Product but I'm worried about losing my engineering chops."),
            "I'm interested in Product but I'm worried about losing my engineering chops.",
        ),
        (
            ("Q & A", "What's the career path that gets me to the exec level the fastest?"),
            "What's the career path that gets me to the exec level the fastest?",
        ),
        (
            ("Q & A", "How do I know if I'm making the right choice?"),
            "How do I know if I'm making the right choice?",
        ),
    ]


def test_a_second_plain_text_article_in_another_shape():
    """Setext and ALL-CAPS headings, Q:/A: pairs, no metadata, its own footer chrome."""
    parsed = parse_text((DATA / "remote-work-notes.txt").read_text(encoding="utf-8"))
    assert clean_blocks(parsed.blocks).title == "Remote work notes for new team leads"
    assert outline(parsed) == [
        (("Introduction",), ""),
        (("WRITING THINGS DOWN",), ""),
        (("Time zones",), ""),
        (("Common questions", "How often should I hold one-on-ones?"), "How often should I hold one-on-ones?"),
        (
            ("Common questions", "What if my team spans twelve time zones?"),
            "What if my team spans twelve time zones?",
        ),
    ]


def test_markdown_headings_are_used_directly():
    parsed = parse_markdown((DATA / "interview-prep.md").read_text(encoding="utf-8"))
    assert parsed.metadata == {"title": "Preparing for a staff interview", "author": "Sam Rivera"}
    assert outline(parsed) == [
        (("Introduction",), ""),
        (("The system design round",), ""),
        (("The behavioural round", "Telling stories"), ""),
        (("FAQ", "How long should I prepare?"), "How long should I prepare?"),
    ]


def test_html_headings_are_used_and_page_chrome_dropped():
    parsed = parse_html((DATA / "mentoring.html").read_text(encoding="utf-8"))
    assert parsed.metadata == {"title": "Mentoring junior engineers", "author": "Ada Okafor"}
    texts = " ".join(b.text for b in parsed.blocks)
    assert "Home" not in texts and "tracking" not in texts and "Subscribe" not in texts
    assert outline(parsed) == [
        (("Introduction",), ""),
        (("Pairing sessions",), ""),
        (("Code review",), ""),
    ]


def test_a_sentence_after_a_question_is_its_answer_not_another_question(tmp_path: Path):
    text = "Q & A\n\nHow do I choose?\n\nI think you should try both.\n\nI want more money but I fear change.\n\nAsk.\n"
    parsed = parse_text(text)
    assert [q for _, q in outline(parsed)] == ["How do I choose?", "I want more money but I fear change."]
