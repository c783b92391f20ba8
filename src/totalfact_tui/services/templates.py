"""Where the email and message templates are: the admins' own folder (beside the
config file) first, then the built-in ones; what kinds exist, and their sources."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from totalfact_tui.config import LANGUAGES, config_file_path
from totalfact_tui.domain.errors import NotFound
from totalfact_tui.mail.render import HTML_SUFFIX, TEMPLATE_SUFFIX, available

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_folder() -> Path:
    packaged = _PACKAGE / "_templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent.parent / "templates"


def own_folder() -> Path:
    """The admins' folder: ``templates/<lang>/<kind>.j2`` there override the built-in."""
    return config_file_path().parent / "templates"


def template_folders() -> list[Path]:
    return [folder for folder in (own_folder(), builtin_folder()) if folder.is_dir()]


@dataclass(frozen=True)
class TemplateInfo:
    kind: str
    lang: str
    path: Path
    html: Path | None
    overridden: bool


def list_templates() -> list[TemplateInfo]:
    found = []
    own = own_folder()
    for lang in LANGUAGES:
        for kind in available(template_folders(), lang):
            found.append(_info(kind, lang, own))
    return found


def _info(kind: str, lang: str, own: Path) -> TemplateInfo:
    text = _first(f"{lang}/{kind}{TEMPLATE_SUFFIX}")
    if text is None:
        raise NotFound("email.no_template", kind=f"{lang}/{kind}")
    html = _first(f"{lang}/{kind}{HTML_SUFFIX}")
    return TemplateInfo(kind, lang, text, html, own in text.parents)


def _first(relative: str) -> Path | None:
    for folder in template_folders():
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None


def template_info(kind: str, lang: str) -> TemplateInfo:
    return _info(kind, lang, own_folder())
