from ingest.blocks import Block, parse_markdown, parse_text


def test_plain_text_joins_wrapped_lines_and_keeps_list_lines():
    parsed = parse_text("A wrapped\nparagraph here.\n\n- one\n- two\n")
    assert parsed.blocks == [Block("para", "A wrapped paragraph here."), Block("para", "- one\n- two")]


def test_plain_text_setext_heading():
    assert parse_text("Title\n=====\n\nBody.").blocks[0] == Block("heading", "Title", 1)


def test_markdown_code_fence_is_not_read_as_headings():
    parsed = parse_markdown("## Real\n\n```\n# not a heading\n```\n")
    assert [b.kind for b in parsed.blocks] == ["heading", "para"]
    assert "# not a heading" in parsed.blocks[1].text
