"""Reading untrusted XML bytes safely, with the encodings SII files really come in.

No DTD is ever loaded and no entity resolved: any ``DOCTYPE`` is refused before
parsing (no real DTE has one), so entity bombs and external entities cannot act. The
network is off, huge trees are refused and a size limit applies before anything else.

Encodings: files are parsed as bytes. ISO-8859-1 is the norm; a Latin-1 file without
an XML declaration is retried as Latin-1; UTF-8 bytes that declare ISO-8859-1 (which
would silently give mojibake such as ``CrÃ©dito``) are detected and read as UTF-8.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from totalfact_tui.domain.errors import TotalfactError

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_HAS_DECLARATION = re.compile(rb"^\s*<\?xml")
_LATIN = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "iso-8859-15"}


class XmlFileError(TotalfactError):
    """A whole file cannot be read as XML (its documents are not looked at)."""

    key = "ingest.not_xml"


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not thread-safe), made once."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def declared_encoding(data: bytes) -> str | None:
    match = _DECLARATION.match(data[:300])
    return match.group(1).decode("ascii").lower() if match else None


def _as_utf8_declared(data: bytes) -> bytes:
    """Replace the declared encoding by UTF-8 (the bytes are UTF-8 already)."""
    match = _DECLARATION.match(data)
    assert match is not None
    return data[: match.start(1)] + b"UTF-8" + data[match.end(1) :]


def _is_utf8_with_multibyte(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def parse_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """The root element of ``data``, or :class:`XmlFileError` with a clear reason."""
    if len(data) > max_bytes:
        raise XmlFileError(
            "ingest.too_large",
            size_mb=f"{len(data) / 1_048_576:.1f}",
            limit_mb=f"{max_bytes / 1_048_576:.0f}",
        )
    if not data.strip():
        raise XmlFileError("ingest.empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise XmlFileError("ingest.utf16")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlFileError("ingest.doctype")
    declared = declared_encoding(data)
    if declared in _LATIN and _is_utf8_with_multibyte(data):
        data = _as_utf8_declared(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if declared is None and not _HAS_DECLARATION.match(data[:100]) and not data.isascii():
            try:
                root = etree.fromstring(
                    b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data, _parser()
                )
            except etree.XMLSyntaxError:
                raise XmlFileError(detail=_describe(exc)) from exc
        else:
            raise XmlFileError(detail=_describe(exc)) from exc
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise XmlFileError("ingest.doctype")
    return root


def _describe(exc: etree.XMLSyntaxError) -> str:
    """libxml2's own description (it names the line and column)."""
    return str(exc).strip()
