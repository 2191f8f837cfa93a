"""Schemathesis generates requests from the OpenAPI document and runs every one of its checks:
no answer is a 5xx, every status, content type, header and body is the one documented, data
the schema allows is accepted and data it forbids refused, the API key is enforced, and a
405 names the methods its path has."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.soak import record, scale
from tests.support.texts import SAMPLE

KEY = "fuzz-key-0123456789"

# Routes whose answers are streams: generated requests would hang on them; they have tests
# of their own.
STREAMS = "^/jobs/\\{job_id\\}/events$"

# Every check runs everywhere. What is narrowed is said here, with the reason, operation by
# operation: the service refuses, with a 4xx whose detail says why, requests that the
# document cannot describe as wrong, since JSON Schema cannot compare two parameters,
# look things up, or see a file's name in a multipart part. Those 4xx are documented.
CONFIG = """
[auth.openapi.ApiKey]
api_key = "{key}"

# A finished job of the service, so that downloads, versions and diffs are fetched for real
# (their content types checked) as well as for ids that do not exist.
[dictionaries]
jobs = {{ values = ["{job_id}"] }}
documents = {{ values = ["{file_id}"] }}

[[operations]]
include-name = [
    "GET /jobs/{{job_id}}",
    "GET /jobs/{{job_id}}/status",
    "GET /jobs/{{job_id}}/output",
    "POST /jobs/{{job_id}}/cancel",
    "POST /jobs/{{job_id}}/resume",
]
parameters = {{ "path.job_id" = {{ dictionary = "jobs", probability = 0.5 }} }}

[[operations]]
include-name = [
    "GET /files/{{file_id}}/versions",
    "GET /files/{{file_id}}/versions/{{pass_number}}",
]
parameters = {{ "path.file_id" = {{ dictionary = "documents", probability = 0.5 }} }}

# Each of the diff's parameters has two spellings (fileId or file_id, ...): one of the two
# document ids must be given, and two given must agree, which JSON Schema cannot say.
[[operations]]
include-name = "GET /refine/diff"
parameters."query.fileId" = {{ dictionary = "documents", probability = 0.5 }}
parameters."query.file_id" = {{ dictionary = "documents", probability = 0.5 }}
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A cursor is well formed by the document's pattern, yet only one this service gave out
# names a place in the list.
[[operations]]
include-name = "GET /jobs"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "422"]

# since must come before until: two parameters compared, which JSON Schema cannot say.
[[operations]]
include-name = "GET /analytics/summary"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "422"]

# The file's type comes from its name's extension (415), and it must hold readable text
# (422): a multipart part's file name and contents are not in the document's schema.
[[operations]]
include-name = "POST /files"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "413", "415", "422"]

# A run names engines, strategies, templates and uploads that must exist here, and its
# documents must hold text; files attached are read as for POST /files.
[[operations]]
include-name = "POST /refine/run"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "401", "404", "413", "415", "422", "503",
]

# A rating names a strategy, engine, job, file and pass that must exist and match.
[[operations]]
include-name = "POST /strategy/feedback"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "422"]

# A job with several documents needs file_id: known only from the job.
[[operations]]
include-name = "GET /jobs/{{job_id}}/output"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]
"""


def schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("schemathesis is not installed (it is in the dev extra: make test)")
    return found


def finished_job(url: str) -> tuple[str, str]:
    """A job run to its end, and its document's id."""
    headers = {"X-API-Key": KEY}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        started = client.post("/refine/run", json={"text": SAMPLE, "passes": 2})
        job_id: str = started.json()["job_id"]
        deadline = time.monotonic() + 60
        while client.get(f"/jobs/{job_id}/status").json()["finished_at"] is None:
            assert time.monotonic() < deadline, "the seed job did not finish"
            time.sleep(0.1)
        file_id: str = client.get(f"/jobs/{job_id}").json()["files"][0]["file_id"]
    return job_id, file_id


# Some 1,000 requests with 10 examples an operation: under a minute on two busy cores.
@pytest.mark.timeout(scale(300, 1800))
def test_the_rest_api_keeps_to_its_document(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(BACKEND_API_KEY=KEY)
    job_id, file_id = finished_job(server.url)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(key=KEY, job_id=job_id, file_id=file_id))
    examples = scale(10, 150)
    done = subprocess.run(
        [
            schemathesis(),
            "--config-file",
            str(config),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"X-API-Key: {KEY}",
            "--checks",
            "all",
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
            "--generation-database",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    cases = sum(int(n) for n in re.findall(r"(\d+) generated", output)) or None
    record("fuzz_rest_api", cases=cases or "see output", failures=0 if done.returncode == 0 else 1)
    assert done.returncode == 0, output[-8000:]
