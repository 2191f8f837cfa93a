"""Baseline servers that publish the same envelopes on the same schedule as Refiner's probe.

Each is run as ``python -m bench.baselines.NAME --port P --jobs J --subscribers S
--events E --rate R``: job ``i`` (id :func:`bench.envelopes.job_id`) starts once
``S`` subscribers are attached, as a probe job with ``wait_subscribers`` does.
"""
