"""The UI's API, browser-free, through gradio_client, with the server's API key."""

import pytest

from tests.conftest import LIVE_API_KEY

pytestmark = pytest.mark.integration


def test_ask_through_gradio_client(live_server):
    from gradio_client import Client

    base, _ = live_server
    client = Client(f"{base}/ui/", verbose=False, headers={"Authorization": f"Bearer {LIVE_API_KEY}"})
    answer = client.predict("Do staff engineers only write code?", api_name="/ask")
    assert answer["abstained"] is False
    assert answer["citations"] and "myth" in answer["answer"]
    out = client.predict("How do I make banana bread?", api_name="/ask")
    assert out["abstained"] is True


def test_gradio_client_without_the_key_is_refused(live_server):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    base, _ = live_server
    with pytest.raises(AuthenticationError):
        Client(f"{base}/ui/", verbose=False)
    with pytest.raises(AuthenticationError):
        Client(f"{base}/ui/", verbose=False, headers={"Authorization": "Bearer wrong"})
