"""Style templates by name: the only way a template's path is made."""

from __future__ import annotations

import re
from pathlib import Path

# A name is a file stem: no separators, no dots in front, nothing to escape with.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,79}")


class UnknownTemplate(ValueError):
    """No template of that name; the message lists the ones there are."""


def available(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.docx") if _NAME.fullmatch(p.stem) and p.is_file())


def template_path(folder: Path, name: str) -> Path:
    stem = name[:-5] if name.lower().endswith(".docx") else name
    # The name is checked before any path is made from it: a NUL byte or a
    # separator never reaches the file system.
    if _NAME.fullmatch(stem):
        path = (folder / f"{stem}.docx").resolve()
        if path.is_relative_to(folder.resolve()) and path.is_file():
            return path
    names = ", ".join(available(folder)) or "none"
    raise UnknownTemplate(f"no template named {name!r}; available: {names}")


def read_template(folder: Path, name: str) -> bytes:
    """The template's bytes (blocking)."""
    return template_path(folder, name).read_bytes()
