"""A process that rates answers in a loop through the real FeedbackStore and prints each
rating's answer id once the store has acknowledged it (flushed at once): the test that kills
it knows exactly which ratings it was told were stored.

    python -m tests.assistant.feedback.rating_writer FILE
"""

from __future__ import annotations

import sys
import time
from itertools import count
from pathlib import Path

from assistant.feedback import AnswerRecord, FeedbackStore
from tests.assistant.feedback.answers import an_answer


def main(path: Path) -> None:
    store = FeedbackStore(path)
    for n in count():
        record = AnswerRecord.of(an_answer(f"question {n}", abstained=n % 3 == 0), time.time())
        store.rate(record.id, -1 if n % 2 else 1, f"comment {n}", record)
        print(record.id, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
