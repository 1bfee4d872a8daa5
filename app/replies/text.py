"""The letter's body: Markdown limited to what a formal letter has, rendered once on save.

A reply letter has paragraphs, bold phrases and lists (bulleted and numbered) and nothing
else: no links a reader could take for the municipality's own, no headings that would break
the letter's outline. The plain text beside the HTML feeds search, feeds and notifications.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable(["image", "link", "autolink", "heading", "lheading", "code", "fence"])

_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li"}


def render_body(source: str) -> tuple[str, str]:
    """Sanitised HTML of the letter's Markdown, and its plain text."""
    html = nh3.clean(_markdown.render(source), tags=_TAGS, attributes={})
    return html, plain_text(source)


def plain_text(source: str) -> str:
    """The text without Markdown's marks: paragraphs separated by blank lines, list items
    kept as "- item" and "1. item" (as a letter prints them)."""
    text = source.replace("**", "").replace("__", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    return "\n".join(out).strip()
