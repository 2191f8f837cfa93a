"""The benchmark's load client against the real server: correctness only, never timing."""

from __future__ import annotations

import pytest

from bench.load_client import LoadConfig, LoadResult, Transport, run_load
from tests.support.server import ServerProcess


@pytest.mark.parametrize(("transport", "rate"), [("ws", 0.0), ("ws", 200.0), ("sse", 200.0)])
async def test_every_subscriber_gets_every_durable_event_in_order(
    server: ServerProcess, transport: Transport, rate: float
) -> None:
    config = LoadConfig(
        base_url=server.url,
        transport=transport,
        jobs=2,
        subscribers=3,
        events=30,
        rate=rate,
        max_seconds=30,
        wait_timeout=20,
    )
    result = await run_load(config)
    assert result.errors == []
    assert (result.subscriptions, result.failures, result.capped) == (6, 0, False)
    assert result.completed == result.durable_complete == result.in_order == 6
    assert result.lagged == 0
    # Far below the subscriber buffer, so no progress event may be dropped either.
    assert result.progress_deliveries == result.progress_expected == 6 * 30
    assert result.latency_ms.count == 6 * 30
    if rate:
        assert result.lag_ms.count == 6 * 30
    assert LoadResult.from_json(result.to_json()) == result
