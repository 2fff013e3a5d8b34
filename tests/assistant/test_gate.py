import threading

import pytest

from assistant.gate import Busy, GenerationGate, QueueTimeout


def test_one_turn_at_a_time_a_bounded_line_and_a_time_limit():
    gate = GenerationGate(max_waiting=1, wait_timeout_s=0.2, retry_after_s=3)
    running = gate.enter()
    waiting = gate.admit()
    with pytest.raises(Busy) as busy:
        gate.admit()
    assert busy.value.retry_after_s == 3
    with pytest.raises(QueueTimeout):
        waiting.wait()
    assert gate.admitted == 1  # the one that gave up left the line
    gate.wait_timeout_s = None  # from here on, waiting must end only by the running turn's release
    later = gate.admit()
    threading.Thread(target=running.release).start()
    later.wait()  # gets the turn once the running one is done, however late that is
    later.release()
    later.release()  # idempotent
    assert gate.admitted == 0


def test_without_limits_everyone_waits_their_turn():
    """No bound on the line and no time limit: five callers lined up behind a running turn
    all get theirs once it ends. (One turn at a time: the first test's QueueTimeout.)"""
    gate = GenerationGate()
    running = gate.enter()
    tickets = [gate.admit() for _ in range(5)]  # never Busy, however long the line
    assert gate.admitted == 6
    got: list[bool] = []

    def work(ticket):
        got.append(ticket.wait())
        ticket.release()

    threads = [threading.Thread(target=work, args=(ticket,)) for ticket in tickets]
    for t in threads:
        t.start()
    running.release()
    for t in threads:
        t.join()
    assert got == [True] * 5 and gate.admitted == 0


def test_a_waiter_whose_caller_went_away_leaves_the_line_at_once():
    gate = GenerationGate(max_waiting=1)
    running = gate.enter()
    waiting = gate.admit()
    cancel = threading.Event()
    cancel.set()
    assert waiting.wait(cancel) is False  # no turn, and no waiting for the running one
    assert gate.admitted == 1
    running.release()
    assert gate.wait_idle(timeout=10)
