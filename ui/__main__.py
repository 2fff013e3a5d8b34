"""`python -m ui [--host] [--port]` is `assistant ui`: the chat UI on its own."""

import sys

from launch.cli import app

app(["ui", *sys.argv[1:]], prog_name="python -m ui")
