"""Pydantic's validation errors as sentences a person reads: the field, the rule, the value.

Every place that refuses a value pydantic rejected (REST bodies and
parameters, ``/ws`` ops, settings from the environment) says it through
:func:`explain`: ``passes: must be a whole number from 1 to 10 (got "x")``.
Pydantic's own messages name its types (``Input should be a valid
dictionary or instance of RuleOptions``) and a union's members appear in an
error's location (``strategies.list[str]``); neither reaches a client.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

Loc = tuple[str | int, ...]
FieldLookup = Callable[[Loc], FieldInfo | None]

# How much of a value a detail quotes: enough to recognise it, never all of a long one.
QUOTED_CHARS = 40

# A union member's tag in a location: "list[str]", "literal['auto']", "constrained-int".
_UNION_TAG = re.compile(r"[a-z]+(-[a-z]+)*(\[.*\])?", re.DOTALL)
_SCALAR_TAGS = frozenset({"int", "float", "str", "bool", "bytes", "none", "list", "dict"})
_TAG_PREFIXES = ("constrained-", "function-", "lax-", "strict-", "json-or-python", "tagged-union")


def quoted(value: Any, *, repr_: bool = True) -> str:
    """``value`` as a detail shows it: its first characters, and how many more there were."""
    text = repr(value) if repr_ else str(value)
    if len(text) <= QUOTED_CHARS:
        return text
    return f"{text[:QUOTED_CHARS]}\u2026 ({len(text)} characters)"


def dotted(loc: Loc) -> str:
    """``files[0].text``: a location as a client writes it."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{quoted(part, repr_=False)}" if out else quoted(part, repr_=False)
    return out


def explain(
    errors: Iterable[Mapping[str, Any]],
    *,
    field: FieldLookup | None = None,
    name: Callable[[Loc], str] = dotted,
) -> list[str]:
    """One sentence per faulty value, in the order pydantic found them.

    ``field`` finds the declaration of a location, for the bounds a type error
    should mention; ``name`` says how a location is written (a variable's
    name, for settings). The alternatives of a union are said as one.
    """
    rules: dict[Loc, list[str]] = {}
    got: dict[Loc, str] = {}
    for error in errors:
        loc = _place(error)
        rule = _rule(error, _Bounds.of(field(loc) if field is not None and loc else None))
        if rule not in rules.setdefault(loc, []):
            rules[loc].append(rule)
        if error.get("type") not in ("missing", "extra_forbidden", "json_invalid"):
            got.setdefault(loc, _shown(error.get("input")))
    problems = []
    for loc, said in rules.items():
        rule = said[0] + "".join(f" or {_alternative(said[0], r)}" for r in said[1:])
        shown = f" (got {got[loc]})" if loc in got else ""
        problems.append(f"{name(loc)}: {rule}{shown}" if loc else f"{rule}{shown}")
    return problems


def listed(
    errors: Iterable[Mapping[str, Any]], *, field: FieldLookup | None = None
) -> list[dict[str, Any]]:
    """Each error as data, ``{loc, msg, type}``: its rule in the same words, its place
    without union members, and pydantic's ``type`` as the stable code it is."""
    out = []
    for error in errors:
        loc = _place(error)
        info = field(loc) if field is not None and loc else None
        out.append({"loc": list(loc), "msg": _rule(error, _Bounds.of(info)), "type": error["type"]})
    return out


def _place(error: Mapping[str, Any]) -> Loc:
    return tuple(p for p in error.get("loc", ()) if not _is_union_tag(p))


def model_fields(model: type[BaseModel]) -> FieldLookup:
    """A lookup of ``model``'s fields by location, through nested models and lists."""

    def lookup(loc: Loc) -> FieldInfo | None:
        current: Any = model
        found: FieldInfo | None = None
        for part in loc:
            if isinstance(part, int):
                continue  # an item of a list: its field is the list's
            if not (isinstance(current, type) and issubclass(current, BaseModel)):
                return None
            found = next(
                (
                    info
                    for key, info in current.model_fields.items()
                    if part in (key, info.alias, *_choices(info.validation_alias))
                ),
                None,
            )
            if found is None:
                return None
            current = _model_in(found.annotation)
        return found

    return lookup


@dataclass(frozen=True, slots=True)
class _Bounds:
    kind: str | None = None  # "whole number" or "number", when the field says
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False

    @classmethod
    def of(cls, info: FieldInfo | None) -> _Bounds:
        if info is None:
            return cls()
        metadata = list(info.metadata)
        kinds = set()
        for member in _members(info.annotation):
            if typing.get_origin(member) is typing.Annotated:
                base, *extra = typing.get_args(member)
                metadata += [m for e in extra for m in getattr(e, "metadata", [e])]
                member = base
            if member is int:
                kinds.add("whole number")
            elif member is float:
                kinds.add("number")
        values: dict[str, Any] = {}
        for item in metadata:
            if isinstance(item, annotated_types.Ge):
                values.update(low=item.ge, low_open=False)
            elif isinstance(item, annotated_types.Gt):
                values.update(low=item.gt, low_open=True)
            elif isinstance(item, annotated_types.Le):
                values.update(high=item.le, high_open=False)
            elif isinstance(item, annotated_types.Lt):
                values.update(high=item.lt, high_open=True)
        kind = kinds.pop() if len(kinds) == 1 else None
        return cls(kind=kind, **values)

    @classmethod
    def from_ctx(cls, kind: str | None, ctx: Mapping[str, Any]) -> _Bounds:
        """The one bound a range error names, when the field's are not known."""
        return cls(
            kind=kind,
            low=ctx.get("ge", ctx.get("gt")),
            low_open="gt" in ctx,
            high=ctx.get("le", ctx.get("lt")),
            high_open="lt" in ctx,
        )

    def sentence(self, kind: str | None) -> str:
        """``a whole number from 1 to 10``: the kind, then the range if there is one."""
        what = kind or self.kind
        low, high = _number(self.low), _number(self.high)
        above = f"greater than {low}" if self.low_open else f"at least {low}"
        below = f"less than {high}" if self.high_open else f"at most {high}"
        if self.low is not None and self.high is not None:
            closed = not self.low_open and not self.high_open
            span = f"from {low} to {high}" if closed else f"{above} and {below}"
        elif self.low is not None:
            span = above
        elif self.high is not None:
            span = below
        else:
            return f"a {what}" if what else "a number"
        if not what:
            return span
        return f"a {what} of {span}" if span.startswith("at ") else f"a {what} {span}"


_WHOLE_NUMBER = frozenset(
    {"int_type", "int_parsing", "int_from_float", "int_parsing_size", "int_overflow"}
)
_NUMBER = frozenset({"float_type", "float_parsing", "decimal_type", "decimal_parsing"})
_RANGE = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _rule(error: Mapping[str, Any], bounds: _Bounds) -> str:
    """The rule a value broke, as the rest of a sentence that starts with its field."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _WHOLE_NUMBER:
        return f"must be {bounds.sentence('whole number')}"
    if kind in _NUMBER:
        return f"must be {bounds.sentence('number')}"
    if kind in _RANGE:
        if bounds.low is None and bounds.high is None:
            bounds = _Bounds.from_ctx(bounds.kind, ctx)
        return f"must be {bounds.sentence(None)}"
    if kind in ("finite_number",):
        return "must be a finite number"
    if kind in ("string_too_short", "string_too_long", "too_short", "too_long", "bytes_too_long"):
        limit = int(ctx.get("min_length", ctx.get("max_length", 0)))
        unit = "character" if kind.startswith(("string", "bytes")) else "item"
        least = "at least" if kind.endswith("short") else "at most"
        return f"must have {least} {limit} {unit}{'' if limit == 1 else 's'}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {quoted(ctx.get('pattern'), repr_=False)}"
    if kind in ("literal_error", "enum"):
        return f"must be {ctx.get('expected', 'one of the allowed values')}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("discriminator", "its kind")
        return f"must name {tag} as one of {ctx.get('expected_tags', '?')}"
    message = _TYPES.get(kind)
    if message is not None:
        return message
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "json_invalid":
        return f"is not valid JSON: {ctx.get('error', 'cannot be parsed')}"
    return _reworded(str(error.get("msg", "is not valid")))


_TYPES = {
    "missing": "required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dataclass_type": "must be an object",
    "none_required": "must be null",
    "bytes_type": "must be text",
    "url_type": "must be a URL",
    "url_parsing": "must be a URL",
    "url_scheme": "must be a URL",
    "uuid_type": "must be a UUID",
    "uuid_parsing": "must be a UUID",
}


def _reworded(message: str) -> str:
    """A message of a kind not listed above, said as the others are."""
    for prefix, words in (
        ("Value error, ", ""),
        ("Input should be", "must be"),
        ("Input should have", "must have"),
        ("Input should", "must"),
    ):
        if message.startswith(prefix):
            return words + message[len(prefix) :]
    return message


def _alternative(first: str, rule: str) -> str:
    """``rule`` said after ``first`` and "or": "must be a list or 'auto'"."""
    for lead in ("must be ", "must "):
        if first.startswith(lead) and rule.startswith(lead):
            return rule[len(lead) :]
    return rule[len("must ") :] if rule.startswith("must ") else rule


def _shown(value: Any) -> str:
    """A value as JSON writes it, cut short before it is written; containers by kind alone."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        count = len(value)
        return "an empty list" if not count else f"a list of {count} item{'s' * (count > 1)}"
    if isinstance(value, str):
        shown = json.dumps(value[:QUOTED_CHARS], ensure_ascii=False)
        if len(value) <= QUOTED_CHARS:
            return shown
        return f'{shown[:-1]}\u2026" ({len(value)} characters)'
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a whole number of {value.bit_length()} bits"
    try:
        return quoted(json.dumps(value), repr_=False)
    except (TypeError, ValueError):
        return quoted(type(value).__name__, repr_=False)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_union_tag(part: str | int) -> bool:
    """A union member's tag, as pydantic names its schemas; a key such as "my-model" is not."""
    if not isinstance(part, str) or not _UNION_TAG.fullmatch(part):
        return False
    return "[" in part or part in _SCALAR_TAGS or part.startswith(_TAG_PREFIXES)


def _choices(alias: Any) -> tuple[Any, ...]:
    """The names an ``AliasChoices`` (or a plain alias) reads a field under."""
    return tuple(getattr(alias, "choices", (alias,)))


def _members(annotation: Any) -> Sequence[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _model_in(annotation: Any) -> Any:
    """The model a field holds, itself or as the items of a list; else its annotation."""
    for member in _members(annotation):
        if typing.get_origin(member) is typing.Annotated:
            member = typing.get_args(member)[0]
        if typing.get_origin(member) in (list, tuple):
            member = typing.get_args(member)[0]
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return annotation
