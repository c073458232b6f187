"""Run one function in a forked child while the caller goes on, and collect its result.

``sessconf diff`` and ``apply`` read the store this way while the repository is loaded: the
child pays for importing the database library and querying; the parent receives plain values.
Where ``fork`` is not available (or not wise: not Linux) the function simply runs when the result
is asked for.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

from sessconf.errors import SessconfError

T = TypeVar("T")


class Background(Generic[T]):
    """``with Background(fn) as job: ...; value = job.result()``; leaving the block ends the child."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.pid = 0
        self.fd = -1
        if sys.platform == "linux" and hasattr(os, "fork"):
            self._fork()

    def _fork(self) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: compute, hand the outcome over, leave without cleanup
            os.close(read)
            status = 0
            try:
                try:
                    payload = pickle.dumps((True, self.fn()), protocol=pickle.HIGHEST_PROTOCOL)
                except SessconfError as exc:
                    payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:
                    payload = pickle.dumps((None, traceback.format_exc()), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self.pid, self.fd = pid, read

    def result(self) -> T:
        """The function's value; its SessconfError is raised here, anything else as a bug."""
        if not self.pid:
            return self.fn()
        with os.fdopen(self.fd, "rb") as source:
            payload = source.read()
        self.fd = -1
        os.waitpid(self.pid, 0)
        self.pid = 0
        if not payload:
            raise RuntimeError("the background process ended without an answer")
        ok, value = pickle.loads(payload)
        if ok:
            return value  # type: ignore[no-any-return]
        if ok is False:
            raise value
        raise RuntimeError(f"the background process failed:\n{value}")

    def cancel(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cancel()
