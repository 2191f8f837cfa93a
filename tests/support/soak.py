"""How hard the soak tests push, and where they record what they did.

``make test`` runs the short forms; ``make soak`` sets ``REFINER_SOAK=1`` for
the long forms and ``REFINER_SOAK_REPORT`` to a file where each test appends
one JSON line (its load, the faults injected, what was lost), from which
``bench/reliability_report.py`` writes docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

LONG = os.environ.get("REFINER_SOAK") == "1"


def scale(short: int, long: int) -> int:
    return long if LONG else short


def record(test: str, **figures: Any) -> None:
    target = os.environ.get("REFINER_SOAK_REPORT")
    if not target:
        return
    line = json.dumps({"test": test, "long": LONG, "at": time.time(), **figures})
    with Path(target).open("a", encoding="utf-8") as f:
        f.write(line + "\n")
