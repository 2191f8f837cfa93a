"""Local engine speed: MB of prose per second, per strategy, on one core.

The prose is the corpus of ``bench/quality.py`` (Debian documentation
packages), read up to ``--megabytes``; without it, the plain-text files under
``/usr/share/doc``. Each strategy refines every document ``--repeat`` times;
the median is kept. ``spelling`` reads its word lists before the clock
starts (a server reads them once) and forgets the corrections it worked out
before each run, so every run is as slow as a first one. Prints one JSON
object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from service.engines.local import STRATEGIES, refine
from service.engines.local._correct import correction
from service.engines.local._lexicon import lexicon


def corpus(limit_bytes: int) -> tuple[str, list[str]]:
    """Documents up to ``limit_bytes`` of UTF-8, and where they came from."""
    docs: list[str] = []
    try:
        from bench.quality import load_corpus

        found = [doc.text for docs in load_corpus().values() for doc in docs]
        source = "bench/quality.py corpus"
    except (ImportError, OSError):
        found = []
    if not found:
        source = "/usr/share/doc/**/README*"
        for path in sorted(Path("/usr/share/doc").glob("*/README*")):
            if path.is_file() and path.suffix in ("", ".md", ".txt", ".gz"):
                data = path.read_bytes()
                if path.suffix == ".gz":
                    data = gzip.decompress(data)
                found.append(data.decode("utf-8", errors="replace"))
    size = 0
    for text in found:
        if size >= limit_bytes:
            break
        docs.append(text)
        size += len(text.encode())
    return source, docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source, docs = corpus(int(args.megabytes * 1e6))
    size = sum(len(text.encode()) for text in docs)
    speeds: dict[str, dict[str, float]] = {}
    lexicon()
    for strategy in STRATEGIES:
        runs = []
        for _ in range(args.repeat):
            correction.cache_clear()
            began = time.process_time()
            for text in docs:
                refine(text, strategy)
            runs.append(size / 1e6 / (time.process_time() - began))
        speeds[strategy] = {
            "median": round(statistics.median(runs), 2),
            "min": round(min(runs), 2),
            "max": round(max(runs), 2),
        }
    result = {"source": source, "documents": len(docs), "megabytes": round(size / 1e6, 2)}
    sys.stdout.write(json.dumps({**result, "mb_per_second": speeds}) + "\n")


if __name__ == "__main__":
    main()
