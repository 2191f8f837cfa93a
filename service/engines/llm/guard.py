"""Keeping a model's answer to the refined text, or refusing it.

Models often wrap an answer ("Here is the revised text:", a code fence, the
``<text>`` tags of the prompt, "Let me know if ...") although the prompt
asks for the text only. ``clean_answer`` removes such wrapping, but only
where the original chunk had none of it, so a document that really starts
with a code fence keeps it. ``rejection`` then judges what is left: an
answer that lost too many words, ran far longer than its source, or changed
the paragraph count is refused, and the engine keeps the chunk's previous
text.
"""

from __future__ import annotations

import re

from service.engines.llm.chunking import blocks, paragraph_count, paragraphs

_PREAMBLE = re.compile(
    r"""^\s*(?:
        (?:sure|certainly|of\ course|okay|ok|absolutely|great)\b[^\n]{0,120}
      | here(?:'s|\u2019s|\ is|\ are)\b[^\n]{0,120}
      | below\ is\b[^\n]{0,120}
      | (?:the\ )?(?:revised|edited|corrected|improved|updated|rewritten|refined|polished)
        \ (?:text|version|document|passage)\b[^\n]{0,80}
    )\n+""",
    re.IGNORECASE | re.VERBOSE,
)
# A preamble line must announce what follows: it ends with a colon, or is a
# bare acknowledgement ("Sure!").
_ANNOUNCES = re.compile(r"(?::|^\s*(?:sure|certainly|of course|okay|ok)[.!]?)\s*$", re.I)
_POSTAMBLE = re.compile(
    r"^\s*(?:let me know|i hope|feel free|if you(?:'d| would) like|note:|i (?:have|'ve) )",
    re.IGNORECASE,
)
_FENCED = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(?P<body>.*)\n\1\s*$", re.DOTALL)
_TAGGED = re.compile(r"^<text>\s*\n?(?P<body>.*?)\n?\s*</text>$", re.DOTALL)


# No strategy makes a text much longer: an answer past this ran on or repeated itself.
MAX_GROWTH = 3
GROWTH_SLACK_WORDS = 20


def clean_answer(answer: str, original: str) -> str:
    """``answer`` without the wrapping the ``original`` chunk did not have."""
    text = answer.strip()
    while True:
        before = text
        text = _strip_preamble(text, original)
        text = _unwrap(_FENCED, text, original)
        text = _unwrap(_TAGGED, text, original)
        text = _strip_postamble(text, original)
        if text == before:
            return text


def rejection(original: str, answer: str, *, max_word_loss: float) -> str | None:
    """Why ``answer`` must not replace ``original``, or ``None`` when it may."""
    if not answer.strip():
        return "empty answer"
    before, after = len(original.split()), len(answer.split())
    if before and (before - after) / before > max_word_loss:
        return f"the answer lost {before - after} of {before} words"
    if after > MAX_GROWTH * before + GROWTH_SLACK_WORDS:
        return f"the answer has {after} words for {before}"
    paragraphs_before, paragraphs_after = paragraph_count(original), paragraph_count(answer)
    if paragraphs_before != paragraphs_after:
        return f"the answer has {paragraphs_after} paragraphs instead of {paragraphs_before}"
    return None


def keep_gaps(original: str, answer: str) -> str:
    """``answer``'s paragraphs with ``original``'s blank lines between them.

    For an answer ``rejection`` accepts (as many paragraphs as the original).
    A model evens out runs of blank lines, but in a ``.docx`` text such a
    run holds empty paragraphs, which must stay for the document to keep
    its paragraphs.
    """
    mine, theirs = paragraphs(original), paragraphs(answer)
    if len(mine) != len(theirs):
        return answer
    gaps = [block[len(block.rstrip()) :] for block in mine[:-1]]
    texts = [block.rstrip() for block in theirs]
    return "".join(t + g for t, g in zip(texts, [*gaps, ""], strict=True))


def _strip_preamble(text: str, original: str) -> str:
    found = _PREAMBLE.match(text)
    if found is None or _PREAMBLE.match(original.strip() + "\n"):
        return text
    first_line = found.group(0).strip()
    if not _ANNOUNCES.search(first_line):
        return text
    return text[found.end() :].lstrip()


def _unwrap(pattern: re.Pattern[str], text: str, original: str) -> str:
    found = pattern.match(text)
    if found is None or pattern.match(original.strip()):
        return text
    if pattern is _FENCED and original.lstrip().startswith(("```", "~~~")):
        return text
    return found.group("body").strip()


def _strip_postamble(text: str, original: str) -> str:
    parts = [b for b in blocks(text) if b.strip()]
    if len(parts) < 2 or paragraph_count(text) <= paragraph_count(original):
        return text
    if not _POSTAMBLE.match(parts[-1]):
        return text
    return "".join(parts[:-1]).rstrip()
