"""The forked worker pool (``ParallelMap``): results in order, work shared, failures reported."""

from __future__ import annotations

import os
import time

import pytest

from sessconf.speed.pool import ParallelMap


def test_results_come_back_in_order_from_every_process() -> None:
    items = list(range(3000))
    done = ParallelMap(_slow_square, items, 3).results()
    assert [value for value, _ in done] == [i * i for i in items]
    assert len({pid for _, pid in done}) > 1  # the work was shared
    assert ParallelMap(_slow_square, items[:10], 3).results() == [(i * i, os.getpid()) for i in range(10)]


def _slow_square(value: int) -> tuple[int, int]:
    time.sleep(0.0001)
    return value * value, os.getpid()


def test_a_failing_worker_is_reported() -> None:
    parent = os.getpid()
    with pytest.raises(RuntimeError, match="a loader worker failed"):
        ParallelMap(lambda value: _fail_in_worker(value, parent), list(range(3000)), 2).results()


def _fail_in_worker(value: int, parent: int) -> int:
    time.sleep(0.0001)
    if os.getpid() != parent:
        raise ValueError("boom")
    return value


def test_a_failure_in_the_main_process_stops_the_workers() -> None:
    parent = os.getpid()
    mapping = ParallelMap(lambda value: _fail_in_parent(value, parent), list(range(3000)), 3)
    assert len(mapping.workers) == 2
    with pytest.raises(ValueError, match="boom"):
        mapping.results()
    for pid, _ in mapping.workers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already


def _fail_in_parent(value: int, parent: int) -> int:
    time.sleep(0.0001)
    if os.getpid() == parent:
        raise ValueError("boom")
    return value
