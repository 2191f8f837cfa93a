"""What an OPC reader makes of a package's parts: their content types and relationships.

python-docx finds a part through relationships (``_rels/.rels``, then each
part's own ``.rels``) and decides how to read it from its content type
(``[Content_Types].xml``), never from its name: a main part called
``word/document.dat`` is parsed as XML all the same. These helpers read the
same two sources, so that the safety check sees the parts as the reader will.

Every reading here errs on the side of more: a part may have several
candidate content types (each ``Override`` naming it, in any namespace, and
the ``Default`` for its extension), and every relationship counts, whatever
its mode, so a part the reader would parse is never left out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from ._xml import Element

CONTENT_TYPES = "[Content_Types].xml"
_RELS_FOLDER = "_rels"
_RELS_SUFFIX = ".rels"
# Type names (lowercase) of a VBA macro project, its signatures and Word's VBA data, as
# content types (application/vnd.ms-office.vbaProject, …vbaProjectSignature,
# application/vnd.ms-word.vbaData+xml) and relationship types (…/vbaProject, …/wordVbaData).
_MACRO_MARKS = ("vbaproject", "vbadata")


@dataclass(frozen=True, slots=True)
class Relationship:
    """One ``Relationship`` of a ``.rels`` part, its target resolved to a part name."""

    type: str
    target: str  # an absolute part name, e.g. "/word/document.xml"


def is_content_types_entry(name: str) -> bool:
    """Whether a zip entry is ``[Content_Types].xml``, in any case."""
    return name.lower() == CONTENT_TYPES.lower()


def is_relationships_entry(name: str) -> bool:
    """Whether a zip entry is a relationships part (``…/_rels/….rels``) by its name.

    Every ``.rels`` counts, inside a ``_rels`` folder or not: reading one
    more small part is cheaper than missing one the reader will parse.
    """
    return name.lower().endswith(_RELS_SUFFIX)


def is_xml_type(content_type: str) -> bool:
    """Whether a content type is XML: ``application/xml``, ``text/xml`` or any ``…+xml``."""
    media = content_type.partition(";")[0].strip().lower()
    return media.endswith("+xml") or media.rpartition("/")[2] == "xml"


def is_macro_type(type_name: str) -> bool:
    """Whether a content type or relationship type names a VBA project or its data."""
    lowered = type_name.lower()
    return any(mark in lowered for mark in _MACRO_MARKS)


def _local_name(tag: object) -> str:
    """``Override`` for ``{namespace}Override``; comments and processing instructions have none."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _part_keys(part_name: str) -> set[str]:
    """The forms a part name may be compared in: OPC compares them ignoring case,
    and percent-encoding may or may not have been applied."""
    lowered = part_name.lower()
    return {lowered, unquote(lowered)}


class ContentTypes:
    """The ``Default`` and ``Override`` entries of ``[Content_Types].xml``.

    Entries of every copy of it count (a zip may hold the name twice, or in
    two cases), so that no copy the reader might take is left unseen.
    """

    def __init__(self) -> None:
        self._defaults: dict[str, set[str]] = {}
        self._overrides: dict[str, set[str]] = {}

    def add(self, root: Element) -> None:
        """Take in the entries of one parsed ``[Content_Types].xml``."""
        for element in root.iter():
            kind = _local_name(element.tag)
            content_type = element.get("ContentType")
            if content_type is None:
                continue
            if kind == "Default":
                extension = (element.get("Extension") or "").lower()
                self._defaults.setdefault(extension, set()).add(content_type)
            elif kind == "Override":
                for key in _part_keys(element.get("PartName") or ""):
                    self._overrides.setdefault(key, set()).add(content_type)

    def of(self, entry_name: str) -> set[str]:
        """Every content type the part stored as zip entry ``entry_name`` may have."""
        part_name = "/" + entry_name
        found = {t for key in _part_keys(part_name) for t in self._overrides.get(key, ())}
        extension = posixpath.splitext(part_name)[1][1:].lower()
        return found | self._defaults.get(extension, set())


def _source_folder(rels_entry: str) -> str:
    """The folder a ``.rels`` entry's targets are relative to: that of its source part.

    ``word/_rels/document.xml.rels`` describes ``/word/document.xml``, whose
    targets resolve against ``/word``; ``_rels/.rels`` describes the package,
    whose targets resolve against ``/``.
    """
    folder = posixpath.dirname("/" + rels_entry)
    if posixpath.basename(folder).lower() == _RELS_FOLDER:
        folder = posixpath.dirname(folder)
    return folder


def resolve_target(rels_entry: str, target: str) -> str:
    """A relationship's target as an absolute part name, resolved as python-docx does."""
    return posixpath.normpath(posixpath.join(_source_folder(rels_entry), target))


def relationships(rels_entry: str, root: Element) -> Iterator[Relationship]:
    """The relationships of a parsed ``.rels`` part, whatever their target mode."""
    for element in root.iter():
        if _local_name(element.tag) != "Relationship":
            continue
        target = element.get("Target")
        if target:
            yield Relationship(element.get("Type") or "", resolve_target(rels_entry, target))


def entry_keys(part_name: str) -> set[str]:
    """The lowercased zip entry names a part may be stored under (its name without the '/')."""
    return {key.removeprefix("/") for key in _part_keys(part_name)}
