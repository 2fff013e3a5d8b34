"""The allocator set-up of long-running servers (launch.memory), seen in glibc's own figures."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from launch import cli

# A child process that starts THREADS threads, each allocating while all are alive, and
# prints glibc's malloc_stats (one "Arena n:" line per arena) while they are; then frees a
# 8 MiB block and prints how many blocks a 2 MiB allocation after it mapped on their own.
THREADS = 8
PROBE = f"""
import ctypes, sys, threading
if sys.argv[1] == "bound":
    from launch.memory import bound_allocator
    assert bound_allocator()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()
class MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2: all size_t
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS]
libc.mallinfo2.restype = MallInfo2
all_alive = threading.Barrier({THREADS} + 1)
counted = threading.Barrier({THREADS} + 1)
def work():
    libc.free(libc.malloc(1000))  # a thread's first allocation picks its arena
    all_alive.wait()
    counted.wait()
threads = [threading.Thread(target=work) for _ in range({THREADS})]
for thread in threads:
    thread.start()
all_alive.wait()
libc.malloc_stats()  # to the C stderr
counted.wait()
for thread in threads:
    thread.join()
libc.free(libc.malloc(8 << 20))  # glibc's default raises its mmap threshold past a mapped block freed
before = libc.mallinfo2().hblks
block = libc.malloc(2 << 20)
print(libc.mallinfo2().hblks - before)
"""


def _glibc_figures(mode: str) -> tuple[int, int]:
    """(arenas while THREADS threads allocate, blocks a 2 MiB allocation mapped on its own)."""
    # In a child: the settings are per process, and this one's threads have started.
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    arenas = sum(line.startswith("Arena ") for line in done.stderr.splitlines())
    return arenas, int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_stats and mallinfo2")
def test_a_bounded_process_keeps_two_arenas_and_maps_large_blocks_on_their_own():
    # Without the call, glibc gives each thread an arena of its own and keeps a 2 MiB block
    # on an arena once a larger block was freed: what launch.memory is there to stop.
    arenas, mapped = _glibc_figures("default")
    assert arenas > 2 and mapped == 0
    assert _glibc_figures("bound") == (2, 1)


@pytest.mark.parametrize("command", ["serve", "ui"])
def test_both_serving_commands_bound_the_allocator_before_anything_else(command, monkeypatch):
    """Before the settings are read, and so before the server, the model or any thread."""
    import launch.memory

    calls: list[tuple[str, int]] = []

    class Stop(Exception):
        pass

    def bound_allocator() -> bool:
        calls.append(("bound_allocator", threading.active_count()))
        return True

    def load_settings():
        calls.append(("load_settings", threading.active_count()))
        raise Stop

    monkeypatch.setattr(launch.memory, "bound_allocator", bound_allocator)
    monkeypatch.setattr(cli, "load_settings", load_settings)
    threads = threading.active_count()
    result = CliRunner().invoke(cli.app, [command])
    assert isinstance(result.exception, Stop), result.output
    assert calls == [("bound_allocator", threads), ("load_settings", threads)]
