"""Refiner: live multi-pass document refinement."""
