"""Errors of the actor system, each named for the condition it reports.

ActorError
├── JobNotFound      no job, or no running actor, has that id
├── ActorStopped     the actor ended before it could answer
├── QueueFull        every slot and every queue place is taken
├── ShuttingDown     the service is stopping and starts no job
└── JobConflict      the command does not fit the job's state
"""

from __future__ import annotations


class ActorError(Exception):
    """Base class of the actor system's errors; ``code`` is stable for clients."""

    code = "actor_error"


class JobNotFound(ActorError):
    code = "job_not_found"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class ActorStopped(ActorError):
    """The actor stopped before answering; the job has finished."""

    code = "actor_stopped"


class QueueFull(ActorError):
    code = "queue_full"

    def __init__(self, running: int, queued: int) -> None:
        super().__init__(
            f"the service is at capacity ({running} jobs running, {queued} queued); retry later"
        )


class ShuttingDown(ActorError):
    """The supervisor is interrupting its jobs to stop; a job started now would be cut off."""

    code = "shutting_down"

    def __init__(self) -> None:
        super().__init__("the service is shutting down and starts no job; retry shortly")


class JobConflict(ActorError):
    """The job's state does not allow the command, e.g. cancelling a finished job."""

    code = "job_conflict"
