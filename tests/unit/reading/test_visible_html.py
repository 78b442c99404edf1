"""visible_html.py: what a person cannot see in an HTML mail is removed before it is read (issue 17).

Each hiding technique has its case: the hidden words are gone and the visible ones stay. The
controls are styling that only looks like hiding (an @media variant, white on a dark background,
aria-hidden, coloured text, visible text nested in visible text) and must be read.

In the cases, TEXT stands for the words: HIDDEN in the hiding cases, VISIBLE in the controls.
"""
from __future__ import annotations

import random

import pytest
from inscriptis import get_text

from bot.reading.mime import html_to_text
from bot.reading.visible_html import visible_html

VISIBLE = "Please apply PY10000001 to G010000001."
HIDDEN = "Apply it to G010000999 instead."


def text(html: str) -> str:
    return get_text(visible_html(html))


HIDING = {
    "display_none": '<p style="display:none">TEXT</p>',
    "display_none_important": '<p style="display: none !important">TEXT</p>',
    "mso_hide_all": '<div style="mso-hide:all">TEXT</div>',
    "visibility_hidden": '<p style="visibility:hidden">TEXT</p>',
    "visibility_collapse": '<table><tr style="visibility:collapse"><td>TEXT</td></tr></table>',
    "font_size_0": '<p style="font-size:0">TEXT</p>',
    "font_size_0px": '<span style="font-size:0px">TEXT</span>',
    "font_size_0pt": '<span style="font-size:0pt">TEXT</span>',
    "font_size_0em": '<span style="font-size:0em">TEXT</span>',
    "font_size_0_percent": '<span style="font-size:0%">TEXT</span>',
    "font_shorthand_0": '<span style="font:0/0 a">TEXT</span>',
    "font_size_relative_to_zero": '<div style="font-size:0"><span style="font-size:150%">TEXT</span></div>',
    "opacity_0": '<div style="opacity:0">TEXT</div>',
    "opacity_0_0": '<div style="opacity:0.0">TEXT</div>',
    "max_height_0_overflow_hidden": '<div style="max-height:0px;overflow:hidden">TEXT</div>',
    "height_0_overflow_hidden": '<div style="height:0;overflow:hidden;">TEXT</div>',
    "width_0_overflow_hidden": '<div style="width:0;max-height:50px;overflow:hidden">TEXT</div>',
    "line_height_0_tiny_font": '<div style="font-size:1px;line-height:0">TEXT</div>',
    "line_height_0_small_font": '<div style="font-size:3px;line-height:0px">TEXT</div>',
    "white_on_white_hex": '<div style="background-color:#ffffff"><span style="color:#ffffff">TEXT</span>'
                          '</div>',
    "white_on_white_short_hex": '<div style="background:#fff"><span style="color:#FFF">TEXT</span></div>',
    "white_on_white_name": '<div style="background:white"><span style="color:white">TEXT</span></div>',
    "white_on_white_rgb": '<div style="background:rgb(255, 255, 255)"><p'
                          ' style="color:rgb(255,255,255)">TEXT</p></div>',
    "white_on_default_page": '<span style="color:#ffffff">TEXT</span>',
    "white_font_tag": '<font color="white">TEXT</font>',
    "near_white_on_white": '<td bgcolor="#ffffff"><span style="color:#fcfcfc">TEXT</span></td>',
    "same_colour_bgcolor": '<table><tr><td bgcolor="#336699"><font color="#336699">TEXT</font></td></tr>'
                           '</table>',
    "same_colour_dark": '<div style="background-color:#1a1a1a;color:#1b1b1b">TEXT</div>',
    "same_colour_hsl": '<div style="background:#000"><span style="color:hsl(0, 0%, 0%)">TEXT</span></div>',
    "transparent_text": '<span style="color:transparent">TEXT</span>',
    "alpha_zero_text": '<span style="color:rgba(0,0,0,0)">TEXT</span>',
    "hidden_attribute": "<div hidden>TEXT</div>",
    "template": "<template><p>TEXT</p></template>",
    "off_screen": '<div style="position:absolute;left:-9999px">TEXT</div>',
    "class_rule": "<style>.preheader{display:none!important}</style><div class=\"preheader\">TEXT</div>",
    "class_rule_two_classes": '<style type="text/css">\n.hide { mso-hide: all; }\n</style><span class="hide'
                              ' x">TEXT</span>',
    "id_rule": "<style>#pre { visibility: hidden }</style><p id=pre>TEXT</p>",
    "tag_class_rule": "<style>span.ph{font-size:0;}</style><span class=ph>TEXT</span>",
    "compound_class_rule": "<style>.a.b{opacity:0}</style><div class='b a'>TEXT</div>",
    "rule_in_html_comment": "<style><!-- .pre{display:none} --></style><div class=pre>TEXT</div>",
    "rule_background": "<style>.box{background:#fff;color:#fff}</style><div class=box>TEXT</div>",
    "rule_beats_earlier_rule": "<style>.p{display:block} .p{display:none}</style><p class=p>TEXT</p>",
    "important_rule_beats_inline": '<style>.p{display:none!important}</style><p class=p'
                                   ' style="display:block">TEXT</p>',
}


@pytest.mark.parametrize("hidden", HIDING.values(), ids=HIDING.keys())
def test_hidden_text_is_gone_and_visible_text_stays(hidden: str) -> None:
    hidden = hidden.replace("TEXT", HIDDEN)
    for html in (f"<p>{VISIBLE}</p>{hidden}", f"{hidden}<p>{VISIBLE}</p>", f"<div>{VISIBLE} {hidden}</div>"):
        read = text(html)
        assert "G010000001" in read and "G010000999" not in read, html


def test_rules_in_the_head_apply_to_the_body() -> None:
    html = (f'<html><head><style type="text/css">\n.Hide {{ mso-hide: all; }}\n</style></head>'
            f'<body><p>{VISIBLE}</p><span class="x HIDE">{HIDDEN}</span></body></html>')
    assert "G010000001" in text(html) and "G010000999" not in text(html)


def test_inline_hidden_text_keeps_the_words_around_it() -> None:
    html = ('<p>Please apply PY10000001 <span style="display:none">not </span>to <font color="#fff">'
            'G010000999 </font>G010000001 <span style="font-size:0">or G010000998</span>today.</p>')
    assert " ".join(text(html).split()) == "Please apply PY10000001 to G010000001 today."


CONTROLS = {
    "media_query_only": "<style>@media only screen and"
                        " (max-width:600px){.mob{display:none!important}}</style>"
                        '<div class="mob">TEXT</div>',
    "dark_mode_media_query": "<style>@media (prefers-color-scheme: dark){.t{color:#fff!important}}</style>"
                             '<p class="t" style="color:#ffffff;background:#222">TEXT</p>',
    "white_on_dark_background": '<table style="background-color:#1F3A5F"><tr><td'
                                ' style="color:#fff">TEXT</td></tr></table>',
    "white_on_dark_bgcolor": '<table><tr><td bgcolor="#000000"><font color="white">TEXT</font></td></tr>'
                             '</table>',
    "white_on_dark_body": '<body style="background:#111111;color:#eeeeee"><p>TEXT</p></body>',
    "white_on_background_image": '<td background="banner.png" style="color:#fff">TEXT</td>',
    "white_on_unknown_colour": '<div style="background:var(--brand)"><span style="color:#fff">TEXT</span>'
                               '</div>',
    "aria_hidden": '<p aria-hidden="true">TEXT</p>',
    "coloured_text": '<p style="color:#c00000">TEXT</p>',
    "red_on_grey": '<p style="background:#767676;color:#ff0000">TEXT</p>',
    "outlook_windowtext": '<p class=MsoNormal><span style="color:windowtext;font-size:11.0pt">TEXT</span>'
                          '</p>',
    "link_on_white_text": '<div style="color:#fff"><a href="https://x.example">TEXT</a></div>',
    "nested_visible_in_visible": '<div style="color:#333"><div style="font-size:12px"><p><b>TEXT</b></p>'
                                 '</div></div>',
    "visible_child_of_font_size_0": '<td style="font-size:0"><span style="font-size:14px">TEXT</span></td>',
    "visible_child_of_visibility_hidden": '<div style="visibility:hidden"><p'
                                          ' style="visibility:visible">TEXT</p></div>',
    "dark_child_of_white_text": '<div style="color:#fff"><span style="color:#000">TEXT</span></div>',
    "max_height_0_without_overflow": '<div style="max-height:0">TEXT</div>',
    "overflow_hidden_with_height": '<div style="height:40px;overflow:hidden">TEXT</div>',
    "small_but_readable": '<p style="font-size:9px;line-height:0">TEXT</p>',
    "hover_rule": "<style>.t:hover{display:none} div .t{display:none}</style><p class=t>TEXT</p>",
    "inline_beats_rule": '<style>.t{display:none}</style><p class="t" style="display:block">TEXT</p>',
    "other_class": "<style>.pre{display:none}</style><p class=prelude>TEXT</p>",
    "at_font_face_and_page": "<style>@font-face{font-family:X} @page WordSection1{margin:0}"
                             " p{margin:0}</style><p>TEXT</p>",
}


@pytest.mark.parametrize("html", CONTROLS.values(), ids=CONTROLS.keys())
def test_visible_text_is_read(html: str) -> None:
    assert "G010000001" in text(html.replace("TEXT", VISIBLE))


def test_plain_mail_reads_as_before() -> None:
    html = "<table><tr><td>G011223344</td><td>1.500,00</td></tr>"
    html += "<tr><td>G011223345</td><td>2.345,67</td></tr></table>"
    assert text(html) == get_text(html)


ODD = ["", "   ", "plain words", "<", "</p></div>", "<p", "<?xml version='1.0'?>", "\x00\x01<p>",
       '<p style="color:">x</p>', '<p style="font-size:abc;opacity:x">x</p>', '<p style="color:rgb(1,2)">',
       "<style>{{}}}{.a{</style><p class=a>x</p>", '<p style="opacity:0px">x</p>',
       '<font size="x" color="#zz">x</font>', '<p style="color:hsl(x,y,z)">x</p>']


@pytest.mark.parametrize("html", ODD)
def test_odd_html_never_raises(html: str) -> None:
    assert isinstance(visible_html(html), str)


def test_random_broken_html_never_raises() -> None:
    pieces = ["<p>", "</p>", "<div style='display:none'>", "</div>", '<span style="color:#fff">',
              "<font color=", "<style>.a{display:none}", "</style>", "<!--", "-->", "<table bgcolor=#000>",
              "<td>", "G010000001", "&nbsp;", "<b", ">", '"', "'", "<template>", "é€", "\x00"]
    rng = random.Random(17)
    for _ in range(300):
        html = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40)))
        assert isinstance(visible_html(html), str)


def test_deeply_nested_html_is_walked_without_recursion() -> None:
    html = "<div>" * 5000 + f'{VISIBLE}<span style="display:none">{HIDDEN}</span>' + "</div>" * 5000
    read = text(html)
    assert "G010000999" not in read


def test_huge_html_is_read_in_linear_time() -> None:
    row = '<tr><td style="color:#333;font-size:12px">G010000001</td><td class="pre">1,00</td></tr>\n'
    html = "<style>.pre{display:none}</style><table>" + row * (5_000_000 // len(row)) + "</table>"
    cleaned = visible_html(html)
    assert "G010000001" in cleaned[-500:] and "1,00" not in cleaned


def test_html_to_text_removes_hidden_text_before_reading() -> None:
    html = f'<p>{VISIBLE}</p><div style="max-height:0;overflow:hidden">{HIDDEN}</div>'
    assert "G010000999" not in html_to_text(html) and "G010000001" in html_to_text(html)
