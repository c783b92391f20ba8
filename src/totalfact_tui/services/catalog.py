"""Catalogs of result codes, reason codes and areas (data, editable by admins)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from totalfact_tui.db.models import Area, ReasonCode, ResultCode
from totalfact_tui.db.session import Database


@dataclass(frozen=True)
class CatalogEntry:
    code: str
    label_es: str
    label_en: str
    kind: str | None = None
    next_action_days: int | None = None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_es


@dataclass(frozen=True)
class Catalogs:
    results: list[CatalogEntry]
    reasons: list[CatalogEntry]
    areas: list[CatalogEntry]

    def result(self, code: str) -> CatalogEntry | None:
        return next((entry for entry in self.results if entry.code == code), None)


def load_catalogs(database: Database) -> Catalogs:
    """Active entries, in the admins' order."""
    with database.read() as session:
        results = [
            CatalogEntry(r.code, r.label_es, r.label_en, r.kind, r.next_action_days)
            for r in session.scalars(
                select(ResultCode).where(ResultCode.active).order_by(ResultCode.sort_order)
            )
        ]
        reasons = [
            CatalogEntry(r.code, r.label_es, r.label_en)
            for r in session.scalars(
                select(ReasonCode).where(ReasonCode.active).order_by(ReasonCode.sort_order)
            )
        ]
        areas = [
            CatalogEntry(a.code, a.label_es, a.label_en)
            for a in session.scalars(select(Area).where(Area.active).order_by(Area.code))
        ]
    return Catalogs(results, reasons, areas)
