"""``map`` over a large list in forked worker processes, while the caller does other work.

The loader maps its session-file reader over the folder's files this way; nothing here knows what
it maps.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Generic, NoReturn, TypeVar

T = TypeVar("T")
U = TypeVar("U")
_MISSING = object()
_CHUNK_MIN, _CHUNK_MAX = 32, 256


class ParallelMap(Generic[T, U]):
    """``map(fn, items)`` that forks workers as soon as it is made, for a large list.

    The caller can do other work before collecting :meth:`results` (in order). The list is cut
    into chunks, large ones first and smaller ones towards the end, and every process takes the
    next chunk as soon as it is free: whoever has less else to do (the main process reads the
    catalogues meanwhile, and unpickles what the workers send) takes more, and all finish
    together. The chunks are handed out through a pipe filled before the fork: each read of a
    pipe is atomic, so no two processes get the same chunk, and no lock is needed. Workers are
    plain ``os.fork`` children (``multiprocessing`` would cost more to import than it saves).
    """

    def __init__(self, fn: Callable[[T], U], items: list[T], jobs: int | None) -> None:
        self.fn, self.items = fn, items
        if jobs is None:
            jobs = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
        self.chunks: list[tuple[int, int]] = []
        self.tokens = -1  # the read end of the pipe that hands out chunk numbers
        self.workers: list[tuple[int, Any]] = []  # (pid, the thread draining its pipe)
        self.received: deque[bytes] = deque()
        if jobs > 1 and len(items) >= 2000 and hasattr(os, "fork"):
            self._start(jobs)

    def _start(self, jobs: int) -> None:
        import sys
        import threading

        self.chunks = chunks = _chunks(len(self.items), jobs)
        self.tokens, fill = os.pipe()
        _widen(fill)
        _write_all(fill, b"".join(index.to_bytes(_TOKEN, "little") for index in range(len(chunks))))
        os.close(fill)  # once the chunks are all handed out, reading gives end-of-file
        sys.stdout.flush()  # not to be written twice by a child
        sys.stderr.flush()
        readers = []
        for _ in range(jobs - 1):
            reader, writer = os.pipe()
            _widen(writer)
            pid = os.fork()
            if pid == 0:  # the worker: it never returns
                os.close(reader)
                _worker_main(self.fn, self.items, chunks, self.tokens, writer)
            os.close(writer)
            readers.append((pid, reader))
        # Threads drain the pipes meanwhile (started after the forks: a child is best forked from a
        # single thread), so a worker never waits on a full pipe (reading releases the GIL); the
        # main process unpickles between its own chunks.
        for pid, reader in readers:
            drain = threading.Thread(target=_drain, args=(reader, self.received), daemon=True)
            drain.start()
            self.workers.append((pid, drain))

    def results(self) -> list[U]:
        """``[fn(item) for item in items]``, computed here and by the workers."""
        fn, items = self.fn, self.items
        if not self.workers:
            return [fn(item) for item in items]
        results: list[Any] = [_MISSING] * len(items)
        filled = 0
        try:
            while (claim := _claim(self.tokens, self.chunks)) is not None:
                start, stop = claim
                results[start:stop] = [fn(item) for item in items[start:stop]]
                filled += (stop - start) + self._unpickle(results)
        except BaseException:
            import signal

            for pid, _ in self.workers:  # what they would do is of no use now
                os.kill(pid, signal.SIGKILL)
            raise
        finally:
            os.close(self.tokens)
            for pid, drain in self.workers:
                drain.join()
                os.waitpid(pid, 0)
            self.workers = []
        filled += self._unpickle(results)
        if filled != len(items):
            raise RuntimeError("a loader worker stopped before handing back all its results")
        return results

    def cancel(self) -> None:
        """End the workers whose results will not be collected (nothing when they were)."""
        if not self.workers:
            return
        import signal

        for pid, _ in self.workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.close(self.tokens)
        for pid, drain in self.workers:
            drain.join()
            os.waitpid(pid, 0)
        self.workers = []

    def _unpickle(self, results: list[Any]) -> int:
        """Put what the workers sent so far in its place; how many results that was."""
        import pickle

        received, count = self.received, 0
        while received:
            start, batch = pickle.loads(received.popleft())
            if start < 0:
                raise RuntimeError(f"a loader worker failed:\n{batch}")
            results[start : start + len(batch)] = batch
            count += len(batch)
        return count


_TOKEN = 4  # bytes of a chunk number in the pipe


def _chunks(size: int, jobs: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk: a quarter of a fair share of what is left, between
    ``_CHUNK_MIN`` and ``_CHUNK_MAX`` items (and few enough for the pipe to hold them all)."""
    least = max(_CHUNK_MIN, -(-size // 8192))
    out, start = [], 0
    while start < size:
        stop = min(size, start + max(least, min(_CHUNK_MAX, (size - start) // (4 * jobs))))
        out.append((start, stop))
        start = stop
    return out


def _claim(tokens: int, chunks: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The next chunk nobody has taken, or None when they are all taken."""
    token = os.read(tokens, _TOKEN)
    return chunks[int.from_bytes(token, "little")] if token else None


def _widen(fd: int) -> None:
    """Give a pipe 1 MiB of buffer (Linux), so that a writer seldom waits for the reader."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _send(fd: int, payload: bytes) -> None:
    _write_all(fd, len(payload).to_bytes(8, "little") + payload)


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _drain(reader: int, into: deque[bytes]) -> None:
    try:
        while True:
            header = os.read(reader, 8)
            if not header:
                break
            if len(header) < 8:
                header += _read_exactly(reader, 8 - len(header))
            into.append(_read_exactly(reader, int.from_bytes(header, "little")))
    except EOFError:  # the worker stopped mid-way: results() finds some missing
        pass
    finally:
        os.close(reader)


def _worker_main(
    fn: Callable[[Any], Any], items: list[Any], chunks: list[tuple[int, int]], tokens: int, writer: int
) -> NoReturn:
    """A forked worker: take chunks until none is left, send their results, and leave."""
    import pickle

    status = 0
    try:
        while (claim := _claim(tokens, chunks)) is not None:
            start, stop = claim
            batch = [fn(item) for item in items[start:stop]]
            _send(writer, pickle.dumps((start, batch), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # a bug: hand the traceback to the parent, which reports it
        import traceback

        status = 1
        with suppress(BaseException):  # the parent may have gone
            _send(writer, pickle.dumps((-1, traceback.format_exc())))
    finally:
        os._exit(status)  # no cleanup: the parent's buffers and exit handlers are not the child's
