"""Run one function in a forked child while the caller goes on, and collect its result.

``sessconf diff`` and ``apply`` read the store this way while the repository is loaded: the
child pays for importing the database library and querying; the parent receives plain values.
The child may hand over a cheap first answer (``first``) before the whole one: the parent can
then decide it needs no more, and leaving the block ends the child. Where ``fork`` is not
available (or not wise: not Linux) the functions simply run when their result is asked for.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, BinaryIO, Generic, Self, TypeVar, cast

from sessconf.errors import SessconfError

T = TypeVar("T")
F = TypeVar("F")

_LENGTH = struct.Struct("<Q")  # each answer is its length, then its pickle


def _nothing() -> None:
    return None


class Background(Generic[T]):
    """``with Background(fn) as job: ...; value = job.result()``; leaving the block ends the child."""

    def __init__(self, fn: Callable[[], T], first: Callable[[], object] = _nothing) -> None:
        self.fn = fn
        self.first = first
        self.pid = 0
        self.fd = -1
        self._source: BinaryIO | None = None
        self._first: tuple[bool | None, Any] | None = None
        if sys.platform == "linux" and hasattr(os, "fork"):
            self._fork()

    def _fork(self) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: compute, hand the outcomes over, leave without cleanup
            os.close(read)
            status = 0
            try:
                with os.fdopen(write, "wb") as out:
                    for fn in (self.first, self.fn):
                        payload = _outcome(fn)
                        out.write(_LENGTH.pack(len(payload)) + payload)
                        out.flush()
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self.pid, self.fd = pid, read
        self._source = os.fdopen(read, "rb")

    def _first_value(self) -> object:
        if not self.pid:
            return self.first()
        if self._first is None:
            self._first = self._receive()
        return _unwrap(self._first)

    def result(self) -> T:
        """The function's value; its SessconfError is raised here, anything else as a bug."""
        if not self.pid:
            return self.fn()
        if self._first is None:
            self._first = self._receive()
        outcome = self._receive()
        self._close()
        os.waitpid(self.pid, 0)
        self.pid = 0
        return cast(T, _unwrap(outcome))

    def _receive(self) -> tuple[bool | None, Any]:
        assert self._source is not None
        head = self._source.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise RuntimeError("the background process ended without an answer")
        (size,) = _LENGTH.unpack(head)
        payload = self._source.read(size)
        if len(payload) < size:
            raise RuntimeError("the background process ended without an answer")
        outcome: tuple[bool | None, Any] = pickle.loads(payload)
        return outcome

    def _close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None
        self.fd = -1

    def cancel(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cancel()


class Staged(Background[T], Generic[F, T]):
    """``Background(fn)`` whose child first computes ``first()`` and hands it over
    (:meth:`first_result`), then computes ``fn()``: the caller may need no more than the first."""

    def __init__(self, first: Callable[[], F], fn: Callable[[], T]) -> None:
        super().__init__(fn, first)

    def first_result(self) -> F:
        """``first()``'s value; its SessconfError is raised here, anything else as a bug."""
        return cast(F, self._first_value())


def _outcome(fn: Callable[[], object]) -> bytes:
    try:
        return pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except SessconfError as exc:
        return pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        return pickle.dumps((None, traceback.format_exc()), protocol=pickle.HIGHEST_PROTOCOL)


def _unwrap(outcome: tuple[bool | None, Any]) -> object:
    ok, value = outcome
    if ok:
        return value
    if ok is False:
        raise value
    raise RuntimeError(f"the background process failed:\n{value}")
