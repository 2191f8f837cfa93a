"""Measurements of Refiner: quality of the local engine, speed, and streaming under load.

``make bench`` runs :mod:`bench.run`, which writes ``docs/benchmarks.md``.
"""
