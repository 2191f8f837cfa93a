"""Commands a job actor reads from its mailbox.

Commands are imperatives. :class:`Ask` wraps a command whose sender awaits a
reply; the actor answers every ask, with :class:`ActorStopped` if it stops first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anyio.streams.memory import MemoryObjectSendStream


@dataclass(frozen=True, slots=True)
class CancelJob:
    reason: str = "cancelled on request"


@dataclass(frozen=True, slots=True)
class Subscribe:
    after: int = 0


@dataclass(frozen=True, slots=True)
class InterruptJob:
    """Sent by the supervisor when the service shuts down."""

    reason: str = "the service is shutting down"


Command = CancelJob | Subscribe | InterruptJob


@dataclass(frozen=True, slots=True)
class Ask:
    command: Command
    reply: MemoryObjectSendStream[Any]
