"""Mail HTML through nh3: structure and text survive, nothing that runs or loads does."""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from bot.web.pages.item import safe_filename
from bot.web.safe_html import MAX_HTML_CHARS, sanitise

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<style>body{background:url(https://evil.example/t.png)}</style>",
    '<div style="background:url(https://evil.example/t.png)">x</div>',
    '<p onmouseover="alert(1)">x</p>',
    '<form action="https://evil.example"><input name=p></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<scr<script>ipt>alert(1)</script>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_nothing_that_runs_or_loads_survives(html):
    clean = str(sanitise(html).html).lower()
    for forbidden in ("<script", "<iframe", "<svg", "<style", "<form", "<input", "<object", "<embed", "<meta", "<base",
                      "<img", "javascript:", "data:", "style=", "https://evil"):
        assert forbidden not in clean, (html, clean)
    assert not re.search(r"<[^>]*\son\w+\s*=", clean)


def test_structure_and_text_survive_and_links_are_marked():
    result = sanitise('<p>Pay <b>G000000001</b></p><table><tr><td>PY1</td><td>100.00</td></tr></table>'
                      '<a href="https://bluepeak.example/x">portal</a><img src="cid:logo"><img src=https://t.example/p.gif>')
    assert isinstance(result.html, Markup)
    assert "<b>G000000001</b>" in result.html and "<td>PY1</td>" in result.html
    assert 'href="https://bluepeak.example/x"' in result.html and 'rel="noopener noreferrer nofollow"' in result.html
    assert result.images_removed == 2 and not result.truncated


def test_huge_html_is_cut_short():
    result = sanitise("<p>" + "x" * (MAX_HTML_CHARS + 10) + "</p>")
    assert result.truncated and len(result.html) <= MAX_HTML_CHARS + 10


@pytest.mark.parametrize("name, expected", [
    ("remittance.csv", "remittance.csv"),
    ('../../etc/"passwd"', "etc_passwd"),
    ("räkning oktober.pdf", "rakning_oktober.pdf"),
    ("", "attachment-3.bin"),
    ("...", "attachment-3.bin"),
    ("請求書.pdf", "attachment-3.pdf"),
    ("invoice.tar.gz", "invoice.tar.gz"),
    ("x.<script>", "x._script"),
])
def test_download_names_are_safe(name, expected):
    assert safe_filename(name, 3) == expected
