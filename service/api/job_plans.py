"""Turning a ``POST /refine/run`` body into a job the supervisor can run, or a 4xx."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping

import anyio.to_thread

from service.api.schemas import RefineRequest
from service.documents.formats import UnsupportedDocument, clean_name, format_of
from service.documents.metrics import text_metrics
from service.engines.base import Engine, PassOptions, UnsupportedOption
from service.engines.registry import DEFAULT_ENGINE, unavailable_reason
from service.errors import ApiError, invalid
from service.feedback import FeedbackScores
from service.settings import Settings
from service.store import NewDocument, NewJob, Store


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def plan_strategies(
    requested: list[str] | str | None,
    engine: Engine,
    passes: int,
    scores: FeedbackScores | None = None,
) -> tuple[str, ...]:
    """One strategy per pass, cycling the requested list or the automatic plan.

    The automatic plan (``"auto"``, or nothing asked) is the engine's built-in
    order, re-ranked by the strategies' feedback scores.
    """
    if requested is None or requested == "auto":
        base = engine.default_plan()
        if scores is not None:
            base = scores.rank(engine.name, base)
    elif isinstance(requested, list):
        if not requested:
            raise invalid("strategies is empty; give at least one, or 'auto'")
        base = tuple(requested)
    else:
        raise invalid("strategies must be a list of names or 'auto'")
    return tuple(itertools.islice(itertools.cycle(base), passes))


async def build_job(
    body: RefineRequest,
    *,
    idempotency_key: str | None,
    engines: Mapping[str, Engine],
    store: Store,
    settings: Settings,
    scores: FeedbackScores | None = None,
) -> NewJob:
    engine_name = body.engine or DEFAULT_ENGINE
    engine = engines.get(engine_name)
    if engine is None:
        raise invalid(unavailable_reason(engine_name), code="unknown_engine")
    strategies = plan_strategies(body.strategies, engine, body.passes, scores)
    disabled = tuple(body.rules.disable) if body.rules else ()
    try:
        engine.validate(strategies, PassOptions(disabled_rules=frozenset(disabled)))
    except UnsupportedOption as exc:
        raise invalid(str(exc), code="unsupported_option") from None
    if body.template is not None:
        raise invalid("templates apply to .docx output, which is not available yet")
    probing = engine_name == "probe"
    if not probing and (body.events is not None or body.rate is not None):
        raise invalid("events and rate are options of the probe engine (engine: 'probe')")

    documents = await _documents(body, store, settings, placeholder=probing)
    options: dict[str, object] = {"stop_when_unchanged": body.stop_when_unchanged}
    if disabled:
        options["disabled_rules"] = list(disabled)
    if body.temperature is not None:
        options["temperature"] = body.temperature
    if probing:
        options["probe_events"] = body.events if body.events is not None else 100
        options["probe_rate"] = body.rate if body.rate is not None else 20.0
    if body.wait_subscribers is not None:
        options["wait_subscribers"] = body.wait_subscribers
        options["wait_timeout"] = body.wait_timeout
    return NewJob(
        id=new_id("job"),
        name=body.name,
        engine=engine_name,
        model=body.model,
        passes=body.passes,
        strategies=strategies,
        options=options,
        output_format=body.output_format,
        idempotency_key=idempotency_key,
        created_at=time.time(),
        documents=tuple(documents),
    )


async def _documents(
    body: RefineRequest, store: Store, settings: Settings, *, placeholder: bool
) -> list[NewDocument]:
    sources: list[tuple[str, str, str, str | None]] = []  # name, format, text, upload id
    if body.text is not None:
        name = clean_name(body.name or "document.txt")
        try:
            fmt = format_of(name)
        except UnsupportedDocument:
            fmt = "txt"
        sources.append((name, fmt, body.text, None))
    for i, item in enumerate(body.files or ()):
        try:
            fmt = format_of(item.name)
        except UnsupportedDocument as exc:
            raise invalid(f"files[{i}] ({item.name!r}): {exc}", code="unsupported_file") from None
        sources.append((clean_name(item.name), fmt, item.text, None))
    for upload_id in body.file_ids or ():
        found = await store.get_upload(upload_id)
        if found is None:
            raise ApiError(404, "file_not_found", f"no uploaded file with id {upload_id!r}")
        upload, text = found
        sources.append((upload.name, upload.format, text, upload.id))
    if not sources and placeholder:
        sources.append(("probe.txt", "txt", "A probe changes nothing.", None))
    if not sources:
        raise invalid("nothing to refine: give text, files or file_ids")

    total = 0
    for name, _, text, _ in sources:
        if not text.strip():
            raise invalid(f"document {name!r} is empty; give it some text", code="empty_text")
        total += len(text)
    if total > settings.max_text_chars:
        raise ApiError(
            413,
            "too_large",
            f"the documents hold {total} characters; at most {settings.max_text_chars} per job",
        )
    metrics = await anyio.to_thread.run_sync(
        lambda: [text_metrics(text).to_dict() for _, _, text, _ in sources]
    )
    return [
        NewDocument(id=new_id("file"), name=name, format=fmt, text=text, metrics=m, upload_id=up)
        for (name, fmt, text, up), m in zip(sources, metrics, strict=True)
    ]
