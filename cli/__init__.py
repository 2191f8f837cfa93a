"""``refiner``: the command line of a Refiner server (refine, jobs, status, diff, templates)."""
