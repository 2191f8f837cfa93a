"""What a job actor reports as it goes, for whoever keeps metrics (never HTTP itself)."""

from __future__ import annotations

from typing import Protocol


class JobObserver(Protocol):
    def pass_completed(self, strategy: str, engine: str, seconds: float) -> None: ...

    def job_finished(self, status: str, engine: str, seconds: float | None) -> None: ...


class NullObserver:
    """Observes nothing; the default."""

    def pass_completed(self, strategy: str, engine: str, seconds: float) -> None:
        pass

    def job_finished(self, status: str, engine: str, seconds: float | None) -> None:
        pass
