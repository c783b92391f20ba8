"""Finding the parts of a message that can hold DTE data, from its IMAP BODYSTRUCTURE,
so only those are downloaded: ``.xml`` and ``.zip`` attachments whatever their content
type (``application/octet-stream`` and inline parts included), XML and zip content
types without a name, inside nested forwards (``message/rfc822``) too. File names in
RFC 2231 and in encoded words are decoded."""

from __future__ import annotations

import base64
import binascii
import quopri
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import unquote

XML_TYPES = {("application", "xml"), ("text", "xml")}
ZIP_TYPES = {
    ("application", "zip"),
    ("application", "x-zip"),
    ("application", "x-zip-compressed"),
}
SUFFIXES = (".xml", ".zip")


@dataclass(frozen=True)
class Part:
    """A part worth downloading: where it is (IMAP section) and how it is encoded."""

    section: str
    filename: str
    content_type: str
    encoding: str
    size: int

    @property
    def is_zip(self) -> bool:
        return self.filename.lower().endswith(".zip") or (
            tuple(self.content_type.split("/", 1)) in ZIP_TYPES
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return str(value)


def _params(raw: Any) -> dict[str, str]:
    """A BODYSTRUCTURE parameter list as a dict, RFC 2231 values decoded and
    continuations (``name*0*``, ``name*1*``) joined."""
    if not isinstance(raw, list | tuple):
        return {}
    items = [(_text(raw[i]).lower(), _text(raw[i + 1])) for i in range(0, len(raw) - 1, 2)]
    plain: dict[str, str] = {}
    pieces: dict[str, list[tuple[int, str, bool]]] = {}
    for key, value in items:
        if "*" not in key:
            plain[key] = value
            continue
        base, _, rest = key.partition("*")
        number, encoded = 0, rest.endswith("*") or rest == ""
        digits = rest.rstrip("*")
        if digits.isdigit():
            number = int(digits)
            encoded = rest.endswith("*")
        pieces.setdefault(base, []).append((number, value, encoded))
    for base, parts in pieces.items():
        charset = "utf-8"
        text = ""
        for index, (_, value, encoded) in enumerate(sorted(parts)):
            if encoded:
                if index == 0 and value.count("'") >= 2:
                    charset, _, value = value.split("'", 2)
                    charset = charset or "utf-8"
                try:
                    text += unquote(value, encoding=charset, errors="replace")
                except LookupError:
                    text += unquote(value, errors="replace")
            else:
                text += value
        plain[base] = text
    return plain


def decode_words(value: str) -> str:
    """``=?utf-8?B?...?=`` encoded words to text (unchanged when there are none)."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (UnicodeDecodeError, LookupError, ValueError, binascii.Error):
        return value


def _disposition(fields: Sequence[Any]) -> dict[str, str]:
    for item in fields:
        if (
            isinstance(item, list | tuple)
            and len(item) == 2
            and isinstance(item[0], bytes)
            and item[0].lower() in (b"attachment", b"inline")
        ):
            return _params(item[1])
    return {}


def _is_multipart(part: Any) -> bool:
    return isinstance(part, list | tuple) and bool(part) and isinstance(part[0], list | tuple)


def _children(part: Any) -> list[Any]:
    """imapclient gives the top level as (list of parts, subtype, ...), nested ones
    (inside a forward) as (part, part, ..., subtype, ...)."""
    if isinstance(part[0], list):
        return list(part[0])
    children = []
    for item in part:
        if not isinstance(item, list | tuple):
            break
        children.append(item)
    return children


def dte_parts(structure: Any) -> list[Part]:
    """The parts of a message (its BODYSTRUCTURE) that may hold DTE XML."""
    found: list[Part] = []
    _walk(structure, "", found)
    return found


def _walk(part: Any, path: str, found: list[Part]) -> None:
    if _is_multipart(part):
        for index, child in enumerate(_children(part), start=1):
            _walk(child, f"{path}.{index}" if path else str(index), found)
        return
    if not isinstance(part, list | tuple) or len(part) < 7:
        return
    section = path or "1"
    main, sub = _text(part[0]).lower(), _text(part[1]).lower()
    if (main, sub) == ("message", "rfc822") and len(part) > 8:
        nested = part[8]
        _walk(nested, section if _is_multipart(nested) else f"{section}.1", found)
        return
    params = _params(part[2])
    disposition = _disposition(part[7:])
    name = decode_words(disposition.get("filename") or params.get("name") or "")
    kind = (main, sub)
    if not (name.lower().endswith(SUFFIXES) or kind in XML_TYPES or kind in ZIP_TYPES):
        return
    size = part[6] if isinstance(part[6], int) else 0
    found.append(
        Part(
            section=section,
            filename=name or f"part-{section}.{'zip' if kind in ZIP_TYPES else 'xml'}",
            content_type=f"{main}/{sub}",
            encoding=_text(part[5]).lower() or "7bit",
            size=size,
        )
    )


def decode(data: bytes, encoding: str) -> bytes:
    """A part's bytes as sent (base64, quoted-printable, or as is)."""
    if encoding == "base64":
        return base64.b64decode(b"".join(data.split()), validate=False)
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return data
