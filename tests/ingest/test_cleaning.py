from ingest.blocks import Block, parse_text
from ingest.chunking import render
from ingest.cleaning import clean_blocks
from tests.conftest import ARTICLE

TITLE = "Career paths beyond senior software engineer"
CHROME = [
    "engineering, meditation, and other thoughts",
    "Subscribe to Emma Tang",
    "Sign up now to get access to the library of members-only issues.",
    "Jamie Larson",
    "https://staffeng.com/",
    "[0]",
]


def cleaned_article() -> str:
    raw = ARTICLE.read_text(encoding="utf-8")
    return render(clean_blocks(parse_text(raw).blocks, TITLE).blocks).text


def body_lines() -> list[str]:
    """The article's own paragraphs, as delivered: from its first sentence to its last."""
    lines = [line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("You've worked hard"))
    last = next(i for i, line in enumerate(lines) if line.startswith("This post is getting long"))
    return lines[first : last + 1]


def test_site_chrome_never_reaches_the_cleaned_text():
    text = cleaned_article()
    for chrome in CHROME:
        assert chrome not in text
    assert TITLE not in text  # the title is metadata, not body text


def test_every_body_paragraph_survives_whole():
    text = cleaned_article()
    lines = body_lines()
    assert len(lines) == 30
    for line in lines:
        assert line.replace(" [0]", "") in text


def test_footnote_marker_is_removed_but_its_sentence_kept():
    text = cleaned_article()
    assert "The staff-level engineer that only writes code is a myth" in text


def test_title_without_metadata_is_found_as_the_repeated_top_line():
    blocks = [Block("para", t) for t in ["My blog tagline", "A Title", "A Title", "Body text here."]]
    cleaned = clean_blocks(blocks)
    assert cleaned.title == "A Title"
    assert [b.text for b in cleaned.blocks] == ["Body text here."]


def test_subscription_prompt_early_in_a_page_is_dropped_without_cutting_the_rest():
    texts = ["Intro paragraph.", "Subscribe", "Second paragraph.", "Third.", "Fourth.", "Fifth."]
    cleaned = clean_blocks([Block("para", t) for t in texts])
    assert [b.text for b in cleaned.blocks] == ["Intro paragraph.", "Second paragraph.", "Third.", "Fourth.", "Fifth."]


def test_footer_prompt_drops_everything_after_it():
    texts = ["One.", "Two.", "Three.", "Share this post", "Some Author", "Comments"]
    cleaned = clean_blocks([Block("para", t) for t in texts])
    assert [b.text for b in cleaned.blocks] == ["One.", "Two.", "Three."]
