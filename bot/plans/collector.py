"""Pauses Python's cyclic garbage collector around bulk work on a plan.

A national plan is millions of small objects without reference cycles (YAML nodes, validated items, rows),
allocated in one go: the collector would walk them again and again, for up to half of the time of a check or
an import. Reference counting still frees them as usual; the collector runs again afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
