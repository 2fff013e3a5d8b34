"""One router per area: health, ask, OpenAI-compatible chat, sources."""
