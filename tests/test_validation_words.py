"""The formatter of validation errors on its own: places, values and unions said in words."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, StrictInt, ValidationError

from service.validation import explain, model_fields


class Sample(BaseModel):
    windows: dict[str, int] = {}
    rating: Literal["up", "down"] | Annotated[StrictInt, Field(ge=1, le=5)] = "up"
    name: str = Field("", max_length=10)
    wait: float = Field(1.0, gt=0, le=300)


def said(body: object) -> str:
    with pytest.raises(ValidationError) as refused:
        Sample.model_validate(body)
    return "; ".join(explain(refused.value.errors(), field=model_fields(Sample)))


def test_a_key_with_a_hyphen_is_a_place_not_a_union_member() -> None:
    assert said({"windows": {"my-model": "big"}}) == (
        'windows.my-model: must be a whole number (got "big")'
    )


def test_a_unions_alternatives_are_one_sentence_with_the_members_bounds() -> None:
    assert said({"rating": "x"}) == (
        "rating: must be 'up' or 'down' or a whole number from 1 to 5 (got \"x\")"
    )


def test_long_and_large_values_are_cut_short() -> None:
    assert said({"name": "x" * 10_000}).endswith('\u2026" (10000 characters))')
    assert said({"name": 2**200}) == "name: must be text (got a whole number of 201 bits)"


def test_an_open_bound_is_said_as_one() -> None:
    assert said({"wait": 0}) == "wait: must be a number greater than 0 and at most 300 (got 0)"
