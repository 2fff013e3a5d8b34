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


def test_front_matter_is_read_as_yaml_and_cut_from_the_body():
    text = '---\ntitle: "Staff: the role"\nAuthor: Emma Tang\ntags: [career, staff]\ndate: 2024-05-01\n---\n# Body\n\nText.\n'
    parsed = parse_markdown(text)
    assert parsed.metadata == {"title": "Staff: the role", "author": "Emma Tang", "date": "2024-05-01"}
    assert parsed.blocks[0] == Block("heading", "Body", 1)


def test_front_matter_that_is_not_yaml_gives_no_metadata_and_stays_out_of_the_body():
    parsed = parse_markdown("---\ntitle: [unclosed\n---\nText.\n")
    assert parsed.metadata == {}
    assert [b.text for b in parsed.blocks] == ["Text."]
