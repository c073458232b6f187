"""``sessconf.background``: a function run in a forked child, its outcome handed back."""

from __future__ import annotations

import os
import time

import pytest

from sessconf.errors import StoreError
from sessconf.speed.background import Background


def test_the_value_comes_back_from_another_process() -> None:
    def work() -> tuple[int, list[int]]:
        return os.getpid(), list(range(100_000))

    with Background(work) as job:
        pid, items = job.result()
    assert items[-1] == 99_999
    assert pid != os.getpid()


def test_a_sessconf_error_keeps_its_message_and_hint() -> None:
    def fail() -> None:
        raise StoreError("the store is busy", "try again")

    with Background(fail) as job, pytest.raises(StoreError) as caught:
        job.result()
    assert (caught.value.message, caught.value.hint) == ("the store is busy", "try again")


def test_a_bug_in_the_child_is_reported_with_its_traceback() -> None:
    def bug() -> None:
        raise ZeroDivisionError("boom")

    with Background(bug) as job, pytest.raises(RuntimeError, match="ZeroDivisionError: boom"):
        job.result()


def test_leaving_the_block_without_asking_ends_the_child() -> None:
    with Background(lambda: time.sleep(60)) as job:
        pid = job.pid
    assert pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
