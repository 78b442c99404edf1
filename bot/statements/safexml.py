"""XML read safely and navigated by local element names.

defusedxml refuses DTDs, entity declarations and external references, so a statement file
cannot expand itself into gigabytes or read files off this machine. Each element's start
line is kept for messages a person can act on. Navigation ignores namespaces: camt.053 and
camt.054 share their element names across every version (.001.02 … .001.08), only the
namespace URI changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser


class XmlError(ValueError):
    """Not well-formed, or using what we refuse (DTD, entities)."""


@dataclass(frozen=True)
class XmlDocument:
    root: Element
    lines: dict[Element, int]

    def line(self, element: Element) -> int:
        return self.lines.get(element, 0)


class _LineRecorder:
    """A parser target that builds the tree and notes where each element starts."""

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrib)
        self.lines[element] = self.parser.parser.CurrentLineNumber if self.parser else 0
        return element

    def end(self, tag: str) -> Element:
        return self.builder.end(tag)

    def data(self, text: str) -> None:
        self.builder.data(text)

    def close(self) -> Element:
        return self.builder.close()


def parse_xml(data: bytes) -> XmlDocument:
    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder, forbid_dtd=True)
    recorder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise XmlError(f"refused: {type(exc).__name__} (a statement needs no DTD or entities)") from None
    except ParseError as exc:
        raise XmlError(f"not well-formed XML ({exc})") from None
    return XmlDocument(root, recorder.lines)


def local(element: Element) -> str:
    return element.tag.rpartition("}")[2]


def kids(element: Element | None, name: str) -> list[Element]:
    """Direct children with this local name."""
    return [] if element is None else [c for c in element if local(c) == name]


def find(element: Element | None, *path: str) -> Element | None:
    """The first element along a path of local names, or None."""
    for name in path:
        element = next(iter(kids(element, name)), None)
        if element is None:
            return None
    return element


def text(element: Element | None, *path: str) -> str:
    """The stripped text at a path of local names ("" when absent)."""
    found = find(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def texts(element: Element | None, *path: str) -> list[str]:
    """The stripped, non-empty texts of every element at the path's last step."""
    parent = find(element, *path[:-1]) if path[:-1] else element
    return [t for c in kids(parent, path[-1]) if (t := (c.text or "").strip())]


def first_descendant_text(element: Element | None, name: str) -> str:
    """The first non-empty text of a descendant with this local name (any depth)."""
    if element is None:
        return ""
    for found in element.iter():
        if local(found) == name and (value := (found.text or "").strip()):
            return value
    return ""
