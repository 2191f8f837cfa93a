"""Turning a ``POST /refine/run`` body into a job the supervisor can run, or a 4xx."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio.to_thread

from service.api.schemas import RefineRequest
from service.documents.formats import UnsupportedDocument, clean_name, format_of
from service.documents.metrics import text_metrics
from service.documents.reading import ReadDocument
from service.documents.template_files import UnknownTemplate, template_path
from service.engines.base import Engine, PassOptions, UnsupportedOption
from service.engines.registry import (
    KNOWN_ENGINES,
    default_engine,
    missing_strategy,
    unavailable_reason,
)
from service.errors import ApiError, invalid
from service.feedback import FeedbackScores
from service.settings import Settings
from service.store import NewDocument, NewJob, Store

# The strategy an automatic plan always starts with, where the engine has it.
FIRST = "spelling"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def auto_plan(engine: Engine, scores: FeedbackScores | None) -> tuple[str, ...]:
    """The engine's built-in plan ranked by feedback, with ``FIRST`` kept first."""
    base = engine.default_plan()
    if scores is not None:
        base = scores.rank(engine.name, base)
    if FIRST in base:
        base = (FIRST, *(s for s in base if s != FIRST))
    return base


def plan_strategies(
    requested: list[str] | str | None,
    engine: Engine,
    passes: int,
    scores: FeedbackScores | None = None,
) -> tuple[str, ...]:
    """One strategy per pass, cycling the requested list or the automatic plan.

    The automatic plan (``"auto"``, or nothing asked) is the engine's built-in
    order, re-ranked by the strategies' feedback scores; ``spelling`` stays
    first whatever its score, since every other strategy reads words better
    spelt right.
    """
    if requested is None or requested == "auto":
        base = auto_plan(engine, scores)
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
    attachments: Sequence[Attachment] = (),
) -> NewJob:
    """``attachments`` are files sent with the request (multipart), already read."""
    engine_name = body.engine or default_engine(engines)
    engine = engines.get(engine_name)
    if engine is None:
        known = engine_name in KNOWN_ENGINES
        code = "engine_unavailable" if known else "unknown_engine"
        raise invalid(unavailable_reason(engine_name), code=code)
    strategies = plan_strategies(body.strategies, engine, body.passes, scores)
    for strategy in dict.fromkeys(strategies):
        reason = missing_strategy(engine_name, strategy, engines)
        if reason is not None:
            raise invalid(reason, code="strategy_unavailable")
    disabled = tuple(body.rules.disable) if body.rules else ()
    try:
        engine.validate(strategies, PassOptions(disabled_rules=frozenset(disabled)))
    except UnsupportedOption as exc:
        raise invalid(str(exc), code="unsupported_option") from None
    output_format, template = _output(body, settings)
    probing = engine_name == "probe"
    if not probing and (body.events is not None or body.rate is not None):
        raise invalid("events and rate are options of the probe engine (engine: 'probe')")

    documents = await _documents(body, attachments, store, settings, placeholder=probing)
    options: dict[str, object] = {"stop_when_unchanged": body.stop_when_unchanged}
    if body.strategies is None or body.strategies == "auto":
        options["automatic_plan"] = True
    if disabled:
        options["disabled_rules"] = list(disabled)
    if body.dictionary:
        options["dictionary"] = list(dict.fromkeys(body.dictionary))
    if body.temperature is not None:
        options["temperature"] = body.temperature
    if template is not None:
        options["template"] = template
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
        # The model the job will run with, as it will run: the server's default
        # is written down too, so a resumed job keeps it if the default changes.
        model=body.model or (settings.model if engine_name == "openai" else None),
        passes=body.passes,
        strategies=strategies,
        options=options,
        output_format=output_format,
        idempotency_key=idempotency_key,
        created_at=time.time(),
        documents=tuple(documents),
    )


def _output(body: RefineRequest, settings: Settings) -> tuple[str | None, str | None]:
    """The output format and template name; a template means .docx output."""
    if body.template is None:
        return body.output_format, None
    if body.output_format not in (None, "docx"):
        raise invalid(
            f"a template applies to .docx output, not {body.output_format!r}; "
            "ask for output_format 'docx' or leave the template out"
        )
    try:
        return "docx", template_path(settings.templates_dir, body.template).stem
    except UnknownTemplate as exc:
        raise invalid(str(exc), code="unknown_template") from None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the request."""

    name: str
    document: ReadDocument


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    format: str
    text: str
    upload_id: str | None = None
    source: bytes | None = None


async def _documents(
    body: RefineRequest,
    attachments: Sequence[Attachment],
    store: Store,
    settings: Settings,
    *,
    placeholder: bool,
) -> list[NewDocument]:
    sources: list[_Source] = []
    if body.text is not None:
        name = clean_name(body.name or "document.txt")
        try:
            fmt = format_of(name)
        except UnsupportedDocument:
            fmt = "txt"
        sources.append(_Source(name, "txt" if fmt == "docx" else fmt, body.text))
    for i, item in enumerate(body.files or ()):
        try:
            fmt = format_of(item.name)
        except UnsupportedDocument as exc:
            raise invalid(f"files[{i}] ({item.name!r}): {exc}", code="unsupported_file") from None
        if fmt == "docx":
            raise invalid(
                f"files[{i}] ({item.name!r}): send .docx documents as files, with POST /files "
                "or a multipart request, not as text",
                code="unsupported_file",
            )
        sources.append(_Source(clean_name(item.name), fmt, item.text))
    for upload_id in body.file_ids or ():
        found = await store.get_upload(upload_id)
        if found is None:
            raise ApiError(404, "file_not_found", f"no uploaded file with id {upload_id!r}")
        upload, text = found
        source = await store.upload_source(upload_id) if upload.format == "docx" else None
        sources.append(_Source(upload.name, upload.format, text, upload.id, source))
    for attached in attachments:
        doc = attached.document
        sources.append(_Source(attached.name, doc.format, doc.text, None, doc.source))
    if not sources and placeholder:
        sources.append(_Source("probe.txt", "txt", "A probe changes nothing."))
    if not sources:
        raise invalid("nothing to refine: give text, files, file_ids or attached files")

    total = 0
    for src in sources:
        if not src.text.strip():
            raise invalid(f"document {src.name!r} is empty; give it some text", code="empty_text")
        total += len(src.text)
    if total > settings.max_text_chars:
        raise ApiError(
            413,
            "too_large",
            f"the documents hold {total} characters; at most {settings.max_text_chars} per job",
        )
    metrics = await anyio.to_thread.run_sync(
        lambda: [text_metrics(src.text).to_dict() for src in sources]
    )
    return [
        NewDocument(
            id=new_id("file"),
            name=src.name,
            format=src.format,
            text=src.text,
            metrics=m,
            upload_id=src.upload_id,
            source=src.source,
        )
        for src, m in zip(sources, metrics, strict=True)
    ]
