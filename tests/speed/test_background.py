"""``sessconf.background``: a function run in a forked child, its outcome handed back."""

from __future__ import annotations

import os
import sys
import time

import pytest

from sessconf.errors import StoreError
from sessconf.speed.background import Background, Staged


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


def test_a_first_answer_comes_back_before_the_whole_one() -> None:
    with Staged(lambda: "probe", lambda: time.sleep(60)) as job:
        assert job.first_result() == "probe"  # while the child still works on the rest
        pid = job.pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_both_answers_come_back_in_order() -> None:
    with Staged(lambda: os.getpid(), lambda: list(range(100_000))) as job:
        assert job.first_result() != os.getpid()
        assert job.result()[-1] == 99_999


def test_the_whole_answer_comes_without_asking_for_the_first() -> None:
    with Staged(lambda: 1, lambda: 2) as job:
        assert job.result() == 2


def test_a_failing_first_answer_is_raised_and_the_rest_still_comes() -> None:
    def fail() -> None:
        raise StoreError("the store is busy")

    with Staged(fail, lambda: 2) as job:
        with pytest.raises(StoreError):
            job.first_result()
        assert job.result() == 2


def test_without_fork_both_run_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    calls: list[str] = []
    with Staged(lambda: calls.append("first"), lambda: calls.append("rest")) as job:
        assert calls == []
        job.first_result()
        job.result()
    assert calls == ["first", "rest"]
