"""Product descriptions written in HTML (Shopify's Body (HTML), WooCommerce's Description) as plain text.

Paragraphs and headings become paragraphs (a blank line between them), list items lines of their
own (``- `` or ``1. ``), ``<br>`` a line break; scripts and styles are dropped and entities decoded.
Read with the standard library's ``html.parser``, which takes broken markup as browsers do.
"""

from __future__ import annotations

from html.parser import HTMLParser

_PARAGRAPHS = frozenset({"p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table", "h1", "h2",
                         "h3", "h4", "h5", "h6", "ul", "ol", "dl", "figure", "hr"})
_LINES = frozenset({"li", "tr", "dt", "dd", "br"})
_HIDDEN = frozenset({"script", "style", "template", "head", "title"})


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.words: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [next number] for <ol>, [] for <ul>
        self.hidden = 0
        self.gap = False

    def _end_line(self, *, paragraph: bool) -> None:
        text = " ".join("".join(self.words).split())
        self.words = []
        if text:
            if self.gap and self.lines:
                self.lines.append("")
            self.lines.append(text)
            self.gap = False
        if paragraph:
            self.gap = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _PARAGRAPHS:
            self._end_line(paragraph=True)
            if tag in ("ul", "ol"):
                self.lists.append([1] if tag == "ol" else [])
        elif tag in _LINES:
            self._end_line(paragraph=False)
            if tag == "li":
                counter = self.lists[-1] if self.lists else []
                if counter:
                    self.words.append(f"{counter[0]}. ")
                    counter[0] += 1
                else:
                    self.words.append("- ")
        elif tag in ("td", "th"):
            self.words.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _PARAGRAPHS:
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self._end_line(paragraph=True)
        elif tag in _LINES:
            self._end_line(paragraph=False)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.words.append(data)

    def text(self) -> str:
        self.close()
        self._end_line(paragraph=False)
        return "\n".join(self.lines)


def looks_like_html(text: str) -> bool:
    """True when ``text`` has markup or entities to convert."""
    return "<" in text or "&" in text


def html_to_text(html: str) -> str:
    """``<p>Soft <b>cotton</b></p><ul><li>S</li><li>M</li></ul>`` -> ``Soft cotton\\n\\n- S\\n- M``."""
    if not looks_like_html(html):
        return "\n".join(" ".join(line.split()) for line in html.strip().splitlines()).strip()
    parser = _PlainText()
    parser.feed(html)
    return parser.text()
