"""HTML pages to plain text: scripts and styles out, blocks become lines, entities decoded."""
from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_SIGNS = re.compile(r"<(?:!doctype html|html|head|body|div|p|br|span|article|table|script|meta)\b", re.IGNORECASE)
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "title", "table", "ul", "ol", "header", "footer", "blockquote"}
_SKIPPED = {"script", "style", "noscript", "template", "svg", "iframe"}


def looks_like_html(text: str) -> bool:
    return len(_HTML_SIGNS.findall(text[:5000])) >= 2


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False
        self._in_h1 = False
        self.h1_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        self._in_title = self._in_title or tag == "title"
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag in _SKIPPED and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._skip_depth:
            return
        if self._in_title:
            self.title_parts.append(data)
            return  # the <title> repeats the headline with the site name; the <h1> is the article's
        if self._in_h1:
            self.h1_parts.append(data)
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """The visible text of a page and its headline (the <h1>, else the <title>)."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    title = " ".join("".join(collector.h1_parts or collector.title_parts).split()) or None
    return text, title
