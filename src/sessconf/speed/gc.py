"""Memory policy: the cyclic collector off while sessconf builds large acyclic structures, and no
teardown of them when the console script exits.

Imports and loading make hundreds of thousands of long-lived objects and next to no garbage; the
collector would traverse them again and again (it tripled the load time at 10,000 files), and
once more when re-enabled, unless they are first moved out of its sight (``gc.freeze``).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

_held = False
_console = False  # running as the console script, which leaves with os._exit
_kept: list[object] = []


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block; what the block made is frozen out of its sight after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def hold() -> None:
    """Keep the collector off from the start of the process, until :func:`release` (``lint``
    releases it once the repository is loaded, every other command as soon as it is known)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Turn the collector back on if :func:`hold` turned it off, once what was made meanwhile is
    out of its sight: it holds no garbage, and traversing it would be slow."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def keep_until_exit(value: object) -> None:
    """Hold on to ``value`` until the console script leaves with :func:`leave`, rather than let it
    be freed object by object when the command returns (a loaded repository of 10,000 sessions
    takes about 20 ms to free). Elsewhere (tests, the Python API) it does nothing."""
    if _console:
        _kept.append(value)


def as_console() -> None:
    """The process is the console script: it will :func:`leave`, and holds the collector."""
    global _console
    _console = True
    hold()


def leave(status: int) -> NoReturn:
    """Exit once output is flushed, without tearing down what the command built."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `sessconf lint | head`: the reader left, nothing more to say
        pass
    os._exit(status)
