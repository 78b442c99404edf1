"""An HTML mail without what a person reading it cannot see, before its text is read.

Why (issue 17): hidden text was once read as a message's request and named another invoice.
Mail carries text no reader sees (preheaders, collapsed blocks, white on white); a person acts
on what they see, and so does the bot. Gone with all they contain: elements with display:none,
mso-hide:all, the `hidden` attribute, opacity 0, a zero height or width with overflow hidden,
a place far off screen, <template>. Gone too, where it stands: text under visibility:hidden or
collapse, in a font of at most 1.5px (4px with line-height 0), in a colour (nearly) that of
its background (the page is white unless the mail says otherwise; under an image or a colour
not understood, text stays). A child that sets a visible size, colour or visibility is read.

Properties count in inline styles, legacy attributes (bgcolor, <font color>) and <style> rules
with simple selectors (tag, .class, #id, compounds), by CSS's cascade; rules inside @media or
other at-rules (responsive, dark-mode variants) and other selectors do not. aria-hidden stays
(it hides from screen readers, not from eyes); comments, <head>, <script> and <style> are left
to inscriptis, which never reads them. Pure, no I/O, linear in the HTML: one parse, one walk,
rules looked up by id, class and tag. It never raises: on any failure the HTML comes back as it was.
"""
from __future__ import annotations

import colorsys
import re
from typing import NamedTuple

from lxml import html as lxml_html

__all__ = ["visible_html"]

Rgba = tuple[float, float, float, float]
Weight = tuple[bool, bool, tuple[int, int, int], int, int]  # !important, inline, specificity, order, place
Decls = dict[str, tuple[Weight, str]]

_WHITE, _BLACK, _LINK = (255.0, 255.0, 255.0, 1.0), (0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 238.0, 1.0)
_SAME_COLOUR = 24  # at most this far apart in every channel (0-255): #f0f0f0 on white is unseen
_TINY_PX, _TINY_FLAT_PX = 1.5, 4.0
_MAX_CSS_CHARS, _MAX_RULES, _PER_KEY, _MAX_CLASSES, _MAX_VALUE = 1_000_000, 2_000, 8, 16, 200
_NAMES = (  # the basic colours, the near-whites and greys that hide text on white, the system colours
    "white:fff black:000 red:f00 lime:0f0 blue:00f yellow:ff0 aqua:0ff cyan:0ff fuchsia:f0f magenta:f0f "
    "silver:c0c0c0 gray:808080 grey:808080 maroon:800000 olive:808000 green:008000 purple:800080 "
    "teal:008080 navy:000080 orange:ffa500 whitesmoke:f5f5f5 snow:fffafa ivory:fffff0 ghostwhite:f8f8ff "
    "floralwhite:fffaf0 linen:faf0e6 seashell:fff5ee azure:f0ffff mintcream:f5fffa honeydew:f0fff0 "
    "aliceblue:f0f8ff lavenderblush:fff0f5 oldlace:fdf5e6 beige:f5f5dc lightyellow:ffffe0 "
    "cornsilk:fff8dc gainsboro:dcdcdc lightgray:d3d3d3 lightgrey:d3d3d3 darkgray:a9a9a9 darkgrey:a9a9a9 "
    "dimgray:696969 dimgrey:696969 windowtext:000 window:fff canvas:fff canvastext:000"
)
_HEX = re.compile(r"#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")
_FUNCTION = re.compile(r"(rgba?|hsla?)\(([^)]*)\)")
_LENGTH = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))([a-z%]*)")
_OPACITY = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)%?")
_ABSOLUTE = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_RELATIVE = {"em": 1.0, "%": 0.01, "ex": 0.5, "ch": 0.5}
_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
             "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0, "initial": 16.0}
_FONT_SIZE_ATTRIBUTE = [10.0, 10.0, 13.0, 16.0, 18.0, 24.0, 32.0, 48.0]  # <font size=0..7>
_SELECTOR = re.compile(r"([a-z][a-z0-9]*|\*)?((?:[.#][\w-]+)*)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/|<!--|-->", re.DOTALL)
_OFF_SCREEN_PX, _BOXES = -500.0, ("height", "max-height", "width", "max-width")


def _hex(h: str) -> Rgba:
    h = "".join(c * 2 for c in h) if len(h) <= 4 else h
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), int(h[6:8], 16) / 255 if len(h) == 8 else 1.0)


_NAMED: dict[str, Rgba] = {n: _hex(h) for n, _, h in (item.partition(":") for item in _NAMES.split())}


class _Context(NamedTuple):  # what an element's own text looks like; None: cannot be told
    color: Rgba | None  # the text colour
    background: Rgba | None  # the opaque colour behind (None under an image or a colour not understood)
    font: float | None  # font size in px
    flat: bool  # line-height 0
    visible: bool  # visibility


_ROOT = _Context(_BLACK, _WHITE, 16.0, False, True)


def visible_html(html: str) -> str:
    """The HTML without the elements and text a reader of the mail cannot see; the HTML as it
    was when it cannot be parsed (or anything else goes wrong)."""
    try:
        text = html.strip()
        text = text[text.find(">") + 1:] if text.startswith("<?xml ") else text
        if not text:
            return html
        root = lxml_html.document_fromstring(text)
        _hide(root, _sheet(root))
        return lxml_html.tostring(root, encoding="unicode")
    except Exception:  # noqa: BLE001 - a reader that fails must leave the mail as it came
        return html


def _color(value: str, *, bare_hex: bool = False) -> Rgba | None:
    value = value.strip().lower()
    if value in _NAMED or value == "transparent":
        return _NAMED.get(value, (0.0, 0.0, 0.0, 0.0))
    if (match := _HEX.fullmatch(value)) and (bare_hex or value.startswith("#")):
        return _hex(match.group(1))
    if not (match := _FUNCTION.fullmatch(value)):
        return None
    parts = [p for p in re.split(r"[\s,/]+", match.group(2).strip()) if p]
    if len(parts) not in (3, 4):
        return None
    try:
        alpha = _number(parts[3], 1.0) if len(parts) == 4 else 1.0
        if match.group(1).startswith("rgb"):
            r, g, b = (_number(p, 255.0) for p in parts[:3])
        else:
            hue = float(parts[0].removesuffix("deg")) / 360 % 1
            lightness, saturation = _number(parts[2], 1.0), _number(parts[1], 1.0)
            r, g, b = (c * 255 for c in colorsys.hls_to_rgb(hue, lightness, saturation))
    except ValueError:
        return None
    return (*(min(max(c, 0.0), 255.0) for c in (r, g, b)), min(max(alpha, 0.0), 1.0))  # type: ignore


def _number(text: str, scale: float) -> float:
    """A number, or a percentage of `scale`; ValueError when it is neither."""
    return float(text[:-1]) / 100 * scale if text.endswith("%") else float(text)


def _over(color: Rgba, behind: Rgba) -> Rgba:
    a = color[3]
    return (*(c * a + b * (1 - a) for c, b in zip(color[:3], behind[:3])), 1.0)  # type: ignore[return-value]


def _length(value: str, parent: float | None = 16.0) -> float | None:
    """A length in px (font sizes relative to `parent`); None when it cannot be told."""
    if (value := value.strip()) in _KEYWORDS:
        return _KEYWORDS[value]
    if value in ("smaller", "larger", "inherit", "unset"):
        return None if parent is None else parent * {"smaller": 0.83, "larger": 1.2}.get(value, 1.0)
    if not (match := _LENGTH.fullmatch(value)):
        return None  # calc(), var(), auto
    number, unit = float(match.group(1)), match.group(2)
    if number == 0:
        return 0.0
    if unit in _ABSOLUTE or unit == "rem":
        return number * _ABSOLUTE.get(unit, 16.0)
    return number * _RELATIVE[unit] * parent if unit in _RELATIVE and parent is not None else None


def _declarations(style: str, weight: tuple[bool, tuple[int, int, int], int], into: Decls) -> None:
    """Merge a declaration block into `into`, each property keeping its heaviest value."""
    inline, specificity, order = weight
    for place, item in enumerate(style.split(";")):
        prop, colon, value = item.partition(":")
        if not colon:
            continue
        value, bang, flag = value.strip().lower()[:_MAX_VALUE].partition("!")  # bounded: no regex runs long
        important = bool(bang) and flag.strip() == "important"
        prop, heavier = prop.strip().lower(), (important, inline, specificity, order, place)
        if prop not in into or into[prop][0] <= heavier:
            into[prop] = (heavier, value.strip())


def _sheet(root) -> dict[str, list[tuple[str, str, frozenset[str], Decls]]]:
    """The <style> rules with simple selectors, outside any at-rule, indexed by #id, .class or
    tag (one per rule), each merged with the other rules of the same selector."""
    css = "\n".join(style.text or "" for style in root.iter("style"))[:_MAX_CSS_CHARS]
    css = _CSS_COMMENT.sub(" ", css)
    rules: dict[tuple[str, str, frozenset[str]], Decls] = {}
    stack: list[tuple[str, int]] = []
    last = order = 0
    for brace in re.finditer(r"[{}]", css):
        if brace.group() == "{":
            stack.append((css[last:brace.start()].rsplit(";", 1)[-1].strip().lower(), brace.end()))
        elif stack:
            prelude, start = stack.pop()
            for selector in prelude.split(",") if not stack and not prelude.startswith("@") else ():
                match = _SELECTOR.fullmatch(selector.strip())
                if not match or not match.group(0) or len(rules) >= _MAX_RULES:
                    continue
                tag = "" if match.group(1) in (None, "*") else match.group(1)
                parts = re.findall(r"[.#][\w-]+", match.group(2))
                ids = {p[1:] for p in parts if p[0] == "#"}
                classes = frozenset(p[1:] for p in parts if p[0] == ".")
                if len(ids) <= 1:
                    order += 1
                    weight = (False, (len(ids), len(classes), int(bool(tag))), order)
                    block = rules.setdefault((tag, "".join(ids), classes), {})
                    _declarations(css[start:brace.start()], weight, block)
        last = brace.end()
    index: dict[str, list[tuple[str, str, frozenset[str], Decls]]] = {}
    for (tag, id_, classes), decls in rules.items():
        slot = index.setdefault(f"#{id_}" if id_ else f".{min(classes)}" if classes else tag or "*", [])
        if len(slot) < _PER_KEY:
            slot.append((tag, id_, classes, decls))
    return index


def _style(el, sheet) -> Decls:
    """The element's properties: matching style rules, then its inline style, by the cascade."""
    decls: Decls = {}
    if sheet:
        id_, classes = (el.get("id") or "").lower(), (el.get("class") or "").lower().split()[:_MAX_CLASSES]
        keys = ["*", el.tag, *(f".{c}" for c in classes), *([f"#{id_}"] if id_ else [])]
        for tag, rule_id, rule_classes, rule in (rule for key in keys for rule in sheet.get(key, ())):
            if tag in ("", el.tag) and rule_id in ("", id_) and rule_classes.issubset(classes):
                for prop, (weight, value) in rule.items():
                    if prop not in decls or decls[prop][0] < weight:
                        decls[prop] = (weight, value)
    if style := el.get("style"):
        _declarations(style, (True, (0, 0, 0), 0), decls)
    return decls


def _not_shown(el, decls: Decls) -> bool:
    """Whether the element takes no visible place at all (it goes, with what it contains)."""
    get = {prop: value for prop, (_, value) in decls.items()}.get
    if el.tag == "template" or el.get("hidden") is not None and "display" not in decls:
        return True
    opacity = _OPACITY.fullmatch(get("opacity") or "")
    if (get("display") or "").startswith("none") or get("mso-hide") == "all" or opacity and _number(
            opacity.group(0), 1.0) <= 0.05:
        return True
    overflow = {(get("overflow") or "").split(" ")[0], get("overflow-x"), get("overflow-y")}
    if overflow & {"hidden", "clip"} and 0 in (_length(get(box) or "auto") for box in _BOXES):
        return True
    if get("position") in ("absolute", "fixed"):
        return any((_length(get(side) or "auto") or 0.0) <= _OFF_SCREEN_PX for side in ("left", "top"))
    return False


def _background(el, decls: Decls, color: Rgba | None, behind: Rgba | None) -> Rgba | None:
    """The opaque colour behind the element's text; None when it cannot be told."""
    image = decls.get("background-image", (None, "none"))[1]
    if el.get("background") or image not in ("none", "initial"):
        return None
    given = [decls[prop] for prop in ("background", "background-color") if prop in decls]
    if given:
        value = max(given)[1]
        if value in ("none", "initial", "unset", "transparent"):
            return behind
        if "url(" in value or "gradient" in value:
            return None
        paints = map(_color, re.findall(r"[a-z-]+\([^)]*\)|[^\s()]+", value))  # rgb( ... ) is one word
        paint = color if value in ("inherit", "currentcolor") else next(filter(None, paints), None)
    elif (attribute := el.get("bgcolor")) is not None:
        paint = _color(attribute, bare_hex=True)
    else:
        return behind
    if paint is None or paint[3] < 1 and behind is None:
        return None
    return _over(paint, behind) if paint[3] < 1 else paint  # type: ignore[arg-type]


def _context(el, decls: Decls, parent: _Context) -> _Context:
    get = {prop: value for prop, (_, value) in decls.items()}.get
    color = _LINK if el.tag == "a" and el.get("href") is not None else parent.color
    if el.tag == "font" and el.get("color"):
        color = _color(el.get("color"), bare_hex=True)
    if (value := get("color")) not in (None, "inherit", "currentcolor", "unset"):
        color = _BLACK if value == "initial" else _color(value)
    font, flat = parent.font, parent.flat
    if el.tag == "font" and re.fullmatch(r"[+-]?\d", size := (el.get("size") or "").strip()):
        font = _FONT_SIZE_ATTRIBUTE[min(max(int(size) + (3 if size[0] in "+-" else 0), 0), 7)]
    size, height = get("font-size"), get("line-height")
    for token in re.sub(r"\s*/\s*", "/", get("font") or "").split():  # font: bold 0/0 a
        head, slash, tail = token.partition("/")
        if slash or head in _KEYWORDS or (match := _LENGTH.fullmatch(head)) and match.group(2):
            size, height = head, tail if slash else "normal"
            break
    if size is not None:
        font = _length(size, parent.font)
    if height is not None:
        flat = _length(height, 1.0) == 0
    visibility = get("visibility")
    visible = visibility == "visible" if visibility in ("hidden", "collapse", "visible") else parent.visible
    return _Context(color, _background(el, decls, color, parent.background), font, flat, visible)


def _readable(ctx: _Context) -> bool:
    """Whether text in this context can be seen: visible, large enough, unlike its background."""
    tiny = ctx.font is not None and (ctx.font <= _TINY_PX or ctx.flat and ctx.font <= _TINY_FLAT_PX)
    if not ctx.visible or tiny or ctx.color is not None and ctx.color[3] <= 0.05:
        return False
    if ctx.color is None or ctx.background is None:
        return True
    seen = _over(ctx.color, ctx.background)
    return max(abs(a - b) for a, b in zip(seen[:3], ctx.background[:3])) > _SAME_COLOUR


def _hide(root, sheet) -> None:
    """Walk the tree once (no recursion: deep HTML is fine); clear unseen text where it is, and
    remove unshown elements after the walk, keeping the text that follows each."""
    doomed: dict = {}
    stack = [(root, _ROOT)]
    while stack:
        el, parent = stack.pop()
        decls = _style(el, sheet)
        if el is not root and _not_shown(el, decls):
            doomed.setdefault(el.getparent(), []).append(el)
            continue
        ctx = _context(el, decls, parent)
        if not _readable(ctx):
            el.text = None
            for child in el:
                child.tail = None
        stack.extend((child, ctx) for child in el if isinstance(child.tag, str))
    for parent, children in doomed.items():
        going = set(children)
        slots: list[list[str]] = [[parent.text or ""]]
        kept = []
        for child in parent:
            if child in going:
                slots[-1].append(child.tail or "")
            else:
                kept.append(child)
                slots.append([child.tail or ""])
        for child in children:
            parent.remove(child)
        parent.text = "".join(slots[0]) or None
        for child, slot in zip(kept, slots[1:]):
            child.tail = "".join(slot) or None
