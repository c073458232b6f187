"""The forked worker pool (``ParallelMap``): results in order, work shared, failures reported.

No test sleeps to make its work last long enough to be shared: processes wait for each other
through a :class:`Gate`, a pipe made before the fork, so the chunks each test needs taken by a
worker, or by the main process, are taken whatever the machine's load.
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

import pytest

from sessconf.speed.pool import ParallelMap

ITEMS = list(range(3000))  # enough for ParallelMap to fork (2000 or more)


class Gate:
    """Opened by one process (a byte in a pipe, never read back), waited for by the others."""

    def __init__(self) -> None:
        self.parent = os.getpid()
        self.read, self.write = os.pipe()

    def open(self) -> None:
        os.write(self.write, b".")  # one byte an item at most: the pipe never fills

    def wait(self) -> None:
        ready, _, _ = select.select([self.read], [], [], 60)
        assert ready, "the gate was not opened in 60 s"

    def in_worker(self) -> bool:
        return os.getpid() != self.parent


@pytest.fixture
def gate() -> Iterator[Gate]:
    made = Gate()
    yield made
    os.close(made.read)
    os.close(made.write)


def test_results_come_back_in_order_from_every_process(gate: Gate) -> None:
    def square(value: int) -> tuple[int, int]:
        gate.open() if gate.in_worker() else gate.wait()  # the main process waits for a worker
        return value * value, os.getpid()

    done = ParallelMap(square, ITEMS, 3).results()
    assert [value for value, _ in done] == [i * i for i in ITEMS]
    assert {pid for _, pid in done} - {os.getpid()}  # the work was shared: a worker did some
    assert ParallelMap(square, ITEMS[:10], 3).results() == [(i * i, os.getpid()) for i in range(10)]


def test_a_failing_worker_is_reported(gate: Gate) -> None:
    def fail_in_worker(value: int) -> int:
        if gate.in_worker():
            gate.open()
            raise ValueError("boom")
        gate.wait()
        return value

    with pytest.raises(RuntimeError, match="a loader worker failed"):
        ParallelMap(fail_in_worker, ITEMS, 2).results()


def test_a_failure_in_the_main_process_stops_the_workers(gate: Gate) -> None:
    def fail_in_parent(value: int) -> int:
        if gate.in_worker():
            gate.wait()  # each worker holds its first chunk until the main process took one
            return value
        gate.open()
        raise ValueError("boom")

    mapping = ParallelMap(fail_in_parent, ITEMS, 3)
    assert len(mapping.workers) == 2
    with pytest.raises(ValueError, match="boom"):
        mapping.results()
    for pid, _ in mapping.workers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already
