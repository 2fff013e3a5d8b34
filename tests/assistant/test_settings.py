from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings, bundled_embedding_model


def test_defaults():
    settings = Settings(_env_file=None)
    assert settings.chroma_url == ""
    assert settings.embedding_model_path == bundled_embedding_model()
    assert Path(settings.embedding_model_path, "modules.json").exists()


def test_environment_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".env").write_text("ASSISTANT_CHUNK_SIZE=640\nASSISTANT_CHROMA_URL=http://127.0.0.1:8001/\n")
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "64")
    settings = Settings()
    assert (settings.chunk_size, settings.chunk_overlap) == (640, 64)
    assert settings.chroma_url == "http://127.0.0.1:8001"


@pytest.mark.parametrize(
    "values", [{"chroma_url": "localhost:8000"}, {"chunk_size": 500, "chunk_overlap": 500}, {"chunk_size": 10}]
)
def test_bad_values_are_refused(values):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)


@pytest.mark.parametrize("key", ["cl\u00e9-secr\u00e8te", "key with space", "tab\tkey", "\u200bhidden"])
def test_an_api_key_no_http_client_can_send_the_same_way_is_refused_without_echoing_it(key):
    """Headers reach the server as Latin-1 bytes, the login form and this setting as Unicode:
    a non-ASCII key would lock every API client out."""
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, api_key=key)
    assert "printable ASCII" in str(raised.value)
    assert key not in str(raised.value)


def test_a_printable_ascii_api_key_is_taken():
    assert Settings(_env_file=None, api_key="Abc-123_~!x").api_key.get_secret_value() == "Abc-123_~!x"


@pytest.mark.parametrize(
    ("value", "taken"),
    [
        ("", ""),
        (" OFF ", "off"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        # The server's OpenAI-compatible base URL names the same server.
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000"),
        ("https://[::1]:8443/v1/", "https://[::1]:8443"),
        ("https://example.org/assistant/", "https://example.org/assistant"),  # behind a proxy's prefix
    ],
)
def test_a_server_url_is_taken_as_the_servers_address(value, taken):
    assert Settings(_env_file=None, server_url=value).server_url == taken


@pytest.mark.parametrize("value", ["not a url", "ftp://x", "127.0.0.1:8000", "http://", "http://h:99999", "http://h/?a=1"])
def test_a_server_url_that_names_no_http_server_is_refused_with_what_is_meant(value):
    """Else it read as "no assistant server at ..." and the CLI answered in-process, silently."""
    with pytest.raises(ValidationError, match=r"must be off, empty .* e\.g\. http://127\.0\.0\.1:8000"):
        Settings(_env_file=None, server_url=value)
