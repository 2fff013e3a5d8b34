"""Whether `assistant serve` (or `assistant ui`) would be open to the network without a key."""

from __future__ import annotations

import ipaddress

__all__ = ["exposure_warning"]


def exposure_warning(host: str, has_api_key: bool) -> str:
    """The loud warning for a server reachable from the network with no key, or ''.

    With a key nothing but the health checks and the API docs answers without it: the /v1
    API checks it, and the web UI at /ui sits behind the same key (ui/auth.py), so the key
    alone decides; tests/ui/test_auth.py holds every route of the app to that."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback or has_api_key:
        return ""
    return (
        f"WARNING: binding {host} exposes the assistant (its API and web UI) to the network WITHOUT an API key. "
        "Anyone who can reach this machine can use it. Set ASSISTANT_API_KEY, or bind 127.0.0.1."
    )
