"""The UI's API, browser-free, through gradio_client."""

import pytest

pytestmark = pytest.mark.integration


def test_ask_through_gradio_client(live_server):
    from gradio_client import Client

    base, _ = live_server
    client = Client(f"{base}/ui/", verbose=False)
    answer = client.predict("Do staff engineers only write code?", api_name="/ask")
    assert answer["abstained"] is False
    assert answer["citations"] and "myth" in answer["answer"]
    out = client.predict("How do I make banana bread?", api_name="/ask")
    assert out["abstained"] is True
