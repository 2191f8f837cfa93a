"""Request bodies, validated at the edge.

What the service checks in code, past pydantic, is said in the JSON Schema
too where JSON Schema can say it, from the same definitions the checks use.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.documents.formats import TEXT_FORMATS
from service.engines.registry import KNOWN_ENGINES


def _any_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in text)


# A name whose extension format_of reads as text: a file given as text cannot be a .docx.
TEXT_FILE_NAME = (
    "^[\\s\\S]*[^/\\\\]\\.(?:" + "|".join(_any_case(ext.lstrip(".")) for ext in TEXT_FORMATS) + ")$"
)


class FileInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=255,
        description="file name; its extension sets the format (.txt, .text, .md, .markdown)",
        # Checked by format_of, which says which extensions are allowed.
        json_schema_extra={"pattern": TEXT_FILE_NAME},
    )
    text: str = Field(description="the document's text")


class RuleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disable: list[str] = Field(
        default_factory=list, max_length=500, description="rule ids or categories to switch off"
    )


MAX_DICTIONARY_WORDS = 10_000
MAX_WORD_CHARS = 64
# One word: no spaces or control characters (hyphens, apostrophes and dots are fine).
DictionaryWord = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_WORD_CHARS, pattern=r"^[^\s\x00-\x1f]+$")
]


class RefineRequest(BaseModel):
    """``POST /refine/run``: one of ``text``, ``files`` or ``file_ids`` at least."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="one document given inline")
    files: list[FileInput] | None = Field(None, max_length=100)
    file_ids: list[str] | None = Field(None, max_length=100, description="ids from POST /files")
    passes: int = Field(3, ge=1, le=10)
    strategies: Annotated[list[str], Field(min_length=1)] | Literal["auto"] | None = Field(
        None,
        description="one per pass, cycled when shorter; 'auto' or none for the default plan",
    )
    engine: str | None = Field(
        None,
        description="local (the default, or openai when configured), openai, probe; an engine "
        "this deployment does not offer is refused",
        # Checked by build_job, which says why an engine is unavailable.
        json_schema_extra={"enum": [*KNOWN_ENGINES, None]},
    )
    model: str | None = Field(None, max_length=200)
    temperature: float | None = Field(None, ge=0, le=2)
    template: str | None = Field(
        None, max_length=200, description="a style template's name, from GET /style/templates"
    )
    output_format: Literal["txt", "md", "docx"] | None = Field(
        None, description="default: the input's format; a template implies docx"
    )
    name: str | None = Field(None, max_length=200)
    rules: RuleOptions | None = None
    dictionary: list[DictionaryWord] | None = Field(
        None,
        max_length=MAX_DICTIONARY_WORDS,
        description="words the spelling strategy never corrects (names, terms, brands)",
    )
    stop_when_unchanged: bool = Field(
        True, description="end a document's passes early once a pass changes nothing"
    )
    events: int | None = Field(
        None, ge=1, le=1_000_000, description="probe engine: progress events per pass"
    )
    rate: float | None = Field(
        None, ge=0, le=100_000, description="probe engine: events per second (0: at once)"
    )
    wait_subscribers: int | None = Field(
        None, ge=1, le=100_000, description="wait for this many subscribers before starting"
    )
    wait_timeout: float = Field(
        10.0, gt=0, le=300, description="start anyway after this many seconds of waiting"
    )
