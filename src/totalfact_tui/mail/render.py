"""Rendering email (and message) templates with Jinja2.

A template is a file per kind and language, ``<lang>/<kind>.j2``, holding the blocks
``subject`` and ``text``, and optionally ``<lang>/<kind>.html.j2``, the HTML part, in
which every value is escaped (autoescape). Folders are searched in order, so a folder
of the admins' own templates placed first overrides the built-in ones. Only text comes
out: the caller decides where it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

TEMPLATE_SUFFIX = ".j2"
HTML_SUFFIX = ".html.j2"


class TemplateMissing(LookupError):
    """No template of that kind in that language (nor in the fallback language)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def _environment(folders: Sequence[Path], filters: dict[str, Callable[..., str]]) -> Environment:
    environment = Environment(
        loader=FileSystemLoader([str(folder) for folder in folders]),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters.update(filters)
    return environment


def available(folders: Sequence[Path], lang: str) -> list[str]:
    """Kinds with a template in ``lang`` (sorted)."""
    kinds: set[str] = set()
    for folder in folders:
        for path in (folder / lang).glob(f"*{TEMPLATE_SUFFIX}"):
            if not path.name.startswith("_") and not path.name.endswith(HTML_SUFFIX):
                kinds.add(path.name.removesuffix(TEMPLATE_SUFFIX))
    return sorted(kinds)


def render(
    folders: Sequence[Path],
    kind: str,
    lang: str,
    context: dict[str, Any],
    filters: dict[str, Callable[..., str]],
    fallback_lang: str = "es",
) -> Rendered:
    environment = _environment(folders, filters)
    for candidate in dict.fromkeys((lang, fallback_lang)):
        try:
            template = environment.get_template(f"{candidate}/{kind}{TEMPLATE_SUFFIX}")
        except TemplateNotFound:
            continue
        parts: dict[str, str | None] = {"html": None}
        for block in ("subject", "text"):
            render_block = template.blocks.get(block)
            if render_block is None:
                parts[block] = None
                continue
            parts[block] = "".join(render_block(template.new_context(context))).strip()
        subject = " ".join((parts["subject"] or "").split())  # one line, always
        html = parts["html"]
        try:
            html_template = environment.get_template(f"{candidate}/{kind}{HTML_SUFFIX}")
        except TemplateNotFound:
            pass
        else:
            html = html_template.render(context).strip()
        return Rendered(subject, parts["text"] or "", html)
    raise TemplateMissing(kind)
