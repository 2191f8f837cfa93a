"""How many connections the process can hold and still open its own files.

Every connection is a file descriptor. Past the soft ``RLIMIT_NOFILE`` the
server can accept nothing, and the app cannot open its database, uploads or
outputs: a thousand silent sockets under the common limit of 1,024 make every
real request fail. So the soft limit is raised to the hard one, and a share
of it is kept back for the app's own files.
"""

from __future__ import annotations

import functools
import resource

# Descriptors kept for the app itself: SQLite and its WAL, uploads, outputs,
# templates, worker threads, the event loop.
MIN_RESERVED = 64
RESERVED_SHARE = 8  # one eighth of the limit, when that is more
# What an unlimited soft limit counts as.
UNLIMITED = 1 << 20


def raise_soft_limit() -> int:
    """Raise the soft open-files limit to the hard one; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return UNLIMITED
    target = soft if hard == resource.RLIM_INFINITY else hard
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
    return target


@functools.cache
def connection_bound() -> int:
    """The most connections to hold at once; raises the soft limit the first time."""
    limit = raise_soft_limit()
    return max(1, limit - max(MIN_RESERVED, limit // RESERVED_SHARE))
