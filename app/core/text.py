"""Residents' rich text: Markdown rendered once on save, then sanitised by an allow-list."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

#: The characters that change the direction of text (marks, embeddings, overrides, isolates).
#: Invisible, they can make "photo\u202egpj.exe" read as "photoexe.jpg", or turn a sentence
#: around, so no text a person types may contain them: names, file names, initiatives,
#: responses alike.
DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def has_direction_controls(text: str) -> bool:
    return not DIRECTION_CONTROLS.isdisjoint(text)


# CommonMark without raw HTML: "<" in a text stays text. The sanitiser below is the real
# guard; disabling HTML only keeps the output predictable.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable("image")  # images come as checked attachments, never from other sites

_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4", "hr",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}}


def render_markdown(text: str) -> str:
    """Sanitised HTML of a Markdown text (safe to mark ``|safe`` in a template)."""
    html = _markdown.render(text)
    # Headings of residents' texts sit under the page's own h1 and h2.
    for level, target in (("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{level}>", f"<{target}>").replace(f"</{level}>", f"</{target}>")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    )
