"""Schemathesis generates requests from the OpenAPI document: no answer is a 5xx and every
answer conforms to the document."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ServerProcess
from tests.support.soak import record, scale

# Routes whose answers are streams or files: generated requests would hang on them or start
# jobs without end; they have tests of their own.
STREAMS = "^/jobs/\\{job_id\\}/events$"


def schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("schemathesis is not installed (it is in the dev extra: make test)")
    return found


def test_the_rest_api_never_answers_5xx(server: ServerProcess, tmp_path: Path) -> None:
    examples = scale(15, 150)
    done = subprocess.run(
        [
            schemathesis(),
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--max-examples",
            str(examples),
            "--seed",
            "20261126",
            "--exclude-path-regex",
            STREAMS,
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    cases = sum(int(n) for n in re.findall(r"(\d+) generated", output)) or None
    record("fuzz_rest_api", cases=cases or "see output", failures=0 if done.returncode == 0 else 1)
    assert done.returncode == 0, output[-6000:]
