"""How the C allocator behaves in the long-running service.

glibc gives threads that allocate at the same time arenas of their own, up to eight per core, and
memory freed in one arena is reused only by the threads that use it. The service runs its handlers,
database work and deliveries in thread pools, so a sweep or a digest left each arena holding its own
high-water mark: about 10 MiB of resident memory that nothing used again (docs/PERFORMANCE.md,
memory). Two arenas, as glibc's documentation and most Python service images advise
(`MALLOC_ARENA_MAX=2`), keep that memory in use. An operator's own `MALLOC_ARENA_MAX` wins, and
on a C library without `mallopt` (musl, macOS) nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's <malloc.h>
ARENAS = 2


def cap_arenas(env: Mapping[str, str], arenas: int = ARENAS) -> bool:
    """Limit glibc's malloc arenas for the threads started from now on; True when it was done here."""
    if env.get("MALLOC_ARENA_MAX", "").strip():
        return False  # set by the operator; glibc read it when the process started
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    done = bool(mallopt(M_ARENA_MAX, arenas))
    log.debug("malloc arenas capped at %d: %s", arenas, done)
    return done
