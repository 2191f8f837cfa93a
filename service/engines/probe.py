"""The ``probe`` engine: synthetic progress at a set rate, and no change to the text.

It checks that a deployment's streaming path (proxies, buffering) delivers
events one by one, and it is the load generator of the benchmarks, so that
transports and not an engine are measured. Events follow a fixed schedule
from the pass's start, so a slow consumer shows up as lag, not as drift.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import anyio
import anyio.lowlevel

from service.engines.base import (
    PassOptions,
    PassOutcome,
    ProgressCallback,
    StrategyInfo,
    UnsupportedOption,
)

# Unpaced probes yield to the event loop this often, so that transports run.
_YIELD_EVERY = 64

STRATEGY = StrategyInfo(
    "probe",
    "Publishes `events` synthetic pass_progress events at `rate` per second and changes "
    "nothing: a check that events arrive one by one through a deployment's proxies.",
    ("diagnostics",),
)


class ProbeEngine:
    name = "probe"

    def strategies(self) -> Mapping[str, StrategyInfo]:
        return {STRATEGY.name: STRATEGY}

    def default_plan(self) -> tuple[str, ...]:
        return (STRATEGY.name,)

    def validate(self, strategies: tuple[str, ...], options: PassOptions) -> None:
        if any(s != STRATEGY.name for s in strategies):
            raise UnsupportedOption("the probe engine runs only the 'probe' strategy")
        if options.disabled_rules:
            raise UnsupportedOption("the probe engine has no rules to disable")

    async def run_pass(
        self, text: str, strategy: str, options: PassOptions, progress: ProgressCallback
    ) -> PassOutcome:
        total = options.probe_events
        interval = 1.0 / options.probe_rate if options.probe_rate > 0 else 0.0
        start = anyio.current_time()
        if options.started_at is not None:
            # Count from pass_started's timestamp, not from after it was stored.
            start -= max(0.0, time.time() - options.started_at)
        for done in range(1, total + 1):
            if interval:
                await anyio.sleep_until(start + done * interval)
            elif done % _YIELD_EVERY == 0:
                await anyio.lowlevel.checkpoint()
            progress(done, total, None)
        return PassOutcome(text)
