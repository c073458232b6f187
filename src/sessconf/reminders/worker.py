"""A forked child process whose memory and time the operating system bounds (SPEC §5).

The sandbox's operation budget and value cap are estimates: they can be fooled by what the
sandbox cannot measure (a filter whose cost grows faster than its input, a view that prints what
it does not hold). Templates from the repository are therefore rendered in a child process that
the operating system holds to:

- :data:`MEMORY_LIMIT` more bytes of address space than it was forked with (``RLIMIT_AS``): an
  allocation past it fails with ``MemoryError``, which the render reports at the template's line;
- :data:`CPU_SECONDS` of CPU time (``RLIMIT_CPU``; the sandbox's own timers stop each render, and
  all renders of a template, well before);
- :data:`WALL_SECONDS` of wall-clock time, after which the parent kills it.

The child hands back its result (or its ``SessconfError``) through a pipe. ``fork`` is used where
it is available and safe (Linux, as ``sessconf.speed.background``); elsewhere :func:`run` calls the
function in-process, bounded by the sandbox's deadlines alone.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

from sessconf.errors import SessconfError

T = TypeVar("T")

MEMORY_LIMIT = 256 * 1024 * 1024
CPU_SECONDS = 20
WALL_SECONDS = 60.0

_OUT_OF_MEMORY, _SEND_FAILED = 71, 70  # exit statuses of a child that could not hand back a result


class WorkerStopped(Exception):
    """The child was stopped by one of its limits (or crashed) before handing back a result."""


def available() -> bool:
    """Whether :func:`run` uses a bounded child process."""
    return sys.platform == "linux" and hasattr(os, "fork")


def run(fn: Callable[[], T], *, seconds: float = WALL_SECONDS) -> T:
    """``fn()`` in a bounded child process; its ``SessconfError`` is raised here, anything else
    it raises as a bug (``RuntimeError``). Raises :class:`WorkerStopped` when a limit stopped it
    (``seconds`` of wall-clock time, at most :data:`WALL_SECONDS`).
    """
    seconds = min(seconds, WALL_SECONDS)
    if not available():
        return fn()
    read, write = os.pipe()
    sys.stdout.flush()  # not to be written twice
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: it never returns
        os.close(read)
        _child(fn, write)
    os.close(write)
    payload: bytes | None = None
    try:
        payload = _receive(read, time.monotonic() + seconds)
    finally:
        if payload is None:  # out of time, or Ctrl-C: what the child would do is of no use now
            os.kill(pid, signal.SIGKILL)
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if payload is None:
        raise WorkerStopped(f"it took more than {seconds:g} s")
    if not payload:
        raise WorkerStopped(_describe(status))
    outcome, value = pickle.loads(payload)
    if outcome == "ok":
        return value  # type: ignore[no-any-return]
    if outcome == "error":
        raise value
    if outcome == "stopped":
        raise WorkerStopped(value)
    raise RuntimeError(f"the bounded worker failed:\n{value}")


def _out_of_memory() -> str:
    return f"it ran out of memory (more than {MEMORY_LIMIT // 2**20} MB)"


def _child(fn: Callable[[], object], write: int) -> None:
    status = 0
    try:
        _limit_self()
        try:
            outcome: tuple[str, object] = ("ok", fn())
        except SessconfError as exc:
            outcome = ("error", exc)
        except MemoryError:
            outcome = ("stopped", _out_of_memory())
        except BaseException:
            outcome = ("bug", traceback.format_exc())
        payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(payload)
    except MemoryError:
        status = _OUT_OF_MEMORY
    except BaseException:
        status = _SEND_FAILED
    finally:
        os._exit(status)


def _limit_self() -> None:
    import resource

    def lower(limit: int, soft: int) -> None:
        _, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(limit, (soft, hard))

    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    lower(resource.RLIMIT_CPU, CPU_SECONDS)  # SIGXCPU ends it (the CPU time of a child starts at 0)
    mapped = _address_space()
    if mapped is not None:  # what the parent had mapped is shared, and counts: on top of it
        lower(resource.RLIMIT_AS, mapped + MEMORY_LIMIT)


def _address_space() -> int | None:
    """The bytes of address space mapped now; None when ``/proc`` cannot tell (the CPU and
    wall-clock limits, and the sandbox's own bounds, then still hold)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _receive(read: int, deadline: float) -> bytes | None:
    """Everything the child writes, until it closes the pipe; None when the deadline passed."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([read], [], [], left)
        if not ready:
            continue
        chunk = os.read(read, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (signal.SIGXCPU, signal.SIGKILL):
            return f"it used more than {CPU_SECONDS} s of CPU time"
        return f"it stopped on signal {signal.Signals(number).name}"
    code = os.waitstatus_to_exitcode(status)
    if code == _OUT_OF_MEMORY:
        return _out_of_memory()
    if code == _SEND_FAILED:
        return "it could not hand back its result"
    return f"it stopped with exit status {code}"


__all__ = ["CPU_SECONDS", "MEMORY_LIMIT", "WALL_SECONDS", "WorkerStopped", "available", "run"]
