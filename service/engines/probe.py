"""The ``probe`` engine: synthetic progress at a set rate, and no change to the text.

It checks that a deployment's streaming path (proxies, buffering) delivers
events one by one, and it is the load generator of the benchmarks, so that
transports and not an engine are measured. Events follow a fixed schedule
from the pass's start, so a slow consumer shows up as lag, not as drift.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Mapping

import anyio
import anyio.lowlevel

from service.engines.base import (
    PassOptions,
    PassOutcome,
    ProgressCallback,
    StrategyInfo,
    UnsupportedOption,
)

# Unpaced probes publish this many events at a time, then let transports run.
UNPACED_BURST = 8

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
        start = anyio.current_time()
        if options.started_at is not None:
            # Count from pass_started's timestamp, not from after it was stored.
            start -= max(0.0, time.time() - options.started_at)
        async for counts in schedule(total, options.probe_rate, start):
            for done in counts:
                progress(done, total, None)
        return PassOutcome(text)


async def schedule(total: int, rate: float, start: float) -> AsyncGenerator[range]:
    """The progress counts 1..total as they come due, a range at a time.

    Paced, count ``k`` is due at ``start + k / rate``; a late wake-up yields
    every count that has come due at once, so a busy server delivers them in
    one frame and catches up instead of falling further behind. Unpaced,
    ``UNPACED_BURST`` counts come at a time with a checkpoint in between, so
    that the transports get to run while a burst is published.
    """
    done = 0
    while done < total:
        if rate > 0:
            await anyio.sleep_until(start + (done + 1) / rate)
            due = max(done + 1, int((anyio.current_time() - start) * rate))
        else:
            if done:
                await anyio.lowlevel.checkpoint()
            due = done + UNPACED_BURST
        due = min(due, total)
        yield range(done + 1, due + 1)
        done = due
