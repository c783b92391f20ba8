"""Where ingest reads from: files, folders (recursively) and ``.zip`` archives.

Archives are opened with limits (members, each member's size, total size and
compression ratio), so a zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from totalfact_tui.domain.errors import TotalfactError

XML_SUFFIXES = (".xml",)
ZIP_SUFFIXES = (".zip",)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1_048_576
    max_zip_total_bytes: int = 500 * 1_048_576
    max_zip_members: int = 20_000
    max_zip_ratio: int = 100


@dataclass(frozen=True)
class Source:
    """One file to ingest: its name (``archive.zip!member.xml`` inside archives) and
    its bytes, or the reason it could not be read."""

    name: str
    data: bytes | None = None
    error_key: str | None = None
    error_params: tuple[tuple[str, str], ...] = ()


def check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise TotalfactError("ingest.no_such_path", path=str(path))


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.lower() in XML_SUFFIXES + ZIP_SUFFIXES:
                yield child
    else:
        yield path


def _read(path: Path, limits: Limits) -> Source:
    try:
        size = path.stat().st_size
        is_zip = path.suffix.lower() in ZIP_SUFFIXES
        limit = limits.max_zip_total_bytes if is_zip else limits.max_file_bytes
        if size > limit:
            return Source(
                str(path),
                error_key="ingest.too_large",
                error_params=(
                    ("size_mb", f"{size / 1_048_576:.1f}"),
                    ("limit_mb", f"{limit / 1_048_576:.0f}"),
                ),
            )
        return Source(str(path), path.read_bytes())
    except OSError as exc:
        return Source(
            str(path),
            error_key="ingest.unreadable",
            error_params=(("reason", exc.strerror or str(exc)),),
        )


def _zip_members(name: str, data: bytes, limits: Limits) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        yield Source(name, error_key="ingest.bad_zip", error_params=(("reason", str(exc)),))
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        total = sum(m.file_size for m in members)
        compressed = sum(m.compress_size for m in members) or 1
        if (
            len(members) > limits.max_zip_members
            or total > limits.max_zip_total_bytes
            or total / compressed > limits.max_zip_ratio
        ):
            yield Source(
                name,
                error_key="ingest.zip_limits",
                error_params=(
                    ("members", str(len(members))),
                    ("size_mb", f"{total / 1_048_576:.1f}"),
                    ("ratio", f"{total / compressed:.0f}"),
                ),
            )
            return
        for member in members:
            member_name = f"{name}!{member.filename}"
            if not member.filename.lower().endswith(XML_SUFFIXES):
                continue
            if member.file_size > limits.max_file_bytes:
                yield Source(
                    member_name,
                    error_key="ingest.too_large",
                    error_params=(
                        ("size_mb", f"{member.file_size / 1_048_576:.1f}"),
                        ("limit_mb", f"{limits.max_file_bytes / 1_048_576:.0f}"),
                    ),
                )
                continue
            with archive.open(member) as handle:
                # Read at most one byte past the declared size: a lying header is caught.
                content = handle.read(member.file_size + 1)
            if len(content) > member.file_size:
                yield Source(member_name, error_key="ingest.zip_size_mismatch")
                continue
            yield Source(member_name, content)


def iter_sources(paths: list[Path], limits: Limits) -> Iterator[Source]:
    """Every file under ``paths``, archives expanded, in a stable order."""
    for path in paths:
        for file in _files(path):
            source = _read(file, limits)
            if source.data is not None and file.suffix.lower() in ZIP_SUFFIXES:
                yield from _zip_members(source.name, source.data, limits)
            else:
                yield source


def count_files(paths: list[Path]) -> int:
    return sum(1 for path in paths for _ in _files(path))


def sources_from_bytes(name: str, data: bytes, limits: Limits, *, is_zip: bool) -> list[Source]:
    """A downloaded attachment as sources: itself, or the XML members of a zip archive
    (with the same limits as files on disk)."""
    if len(data) > (limits.max_zip_total_bytes if is_zip else limits.max_file_bytes):
        return [
            Source(
                name,
                error_key="ingest.too_large",
                error_params=(
                    ("size_mb", f"{len(data) / 1_048_576:.1f}"),
                    ("limit_mb", f"{limits.max_file_bytes / 1_048_576:.0f}"),
                ),
            )
        ]
    if is_zip:
        return list(_zip_members(name, data, limits))
    return [Source(name, data)]
