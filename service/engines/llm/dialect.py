"""How each model's API wants a request put, learned from what it refuses.

OpenAI's reasoning models refuse ``max_tokens`` (they take
``max_completion_tokens``) and any temperature but their own, while most
OpenAI-compatible servers know only ``max_tokens``. Rather than a list of
model names that goes stale, the engine sends the common form and, the first
time a model's API refuses one of these parameters, asks again in the form
it takes and keeps to it for the rest of the process.
"""

from __future__ import annotations

from dataclasses import dataclass

# Each parameter whose refusal the engine can adapt to, and the Dialect flag
# that stops sending it.
_ADAPTATIONS = {"max_tokens": "completion_tokens", "temperature": "own_temperature"}
ADAPTABLE = frozenset(_ADAPTATIONS)


@dataclass(slots=True)
class Dialect:
    completion_tokens: bool = False  # the answer's limit goes in max_completion_tokens
    own_temperature: bool = False  # no temperature is sent: the model keeps its own


class Dialects:
    """Every model's dialect, as learned so far; shared by all of an engine's passes."""

    def __init__(self) -> None:
        self._by_model: dict[str, Dialect] = {}

    def of(self, model: str) -> Dialect:
        return self._by_model.get(model, Dialect())

    def learn(self, model: str, refused: str) -> bool:
        """Stop sending ``refused`` to ``model``; whether requests can do without it.

        Chunks asked at the same time may all be refused; each asks again in
        the new form, which cannot be refused for the same parameter.
        """
        flag = _ADAPTATIONS.get(refused)
        if flag is None:
            return False
        setattr(self._by_model.setdefault(model, Dialect()), flag, True)
        return True
