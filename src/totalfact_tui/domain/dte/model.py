"""What the parser extracts from DTE XML files: plain, immutable records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class FileKind(StrEnum):
    ENVIO_DTE = "envio_dte"
    DTE = "dte"
    AEC = "aec"
    RECEPCION_ENVIO = "recepcion_envio"  # technical receipt of an envelope
    RESULTADO_DTE = "resultado_dte"  # commercial acceptance or rejection
    ENVIO_RECIBOS = "envio_recibos"  # Ley 19.983 receipt acknowledgement
    OTHER = "other"  # not a DTE file: skipped


class DueDateRule(StrEnum):
    FCH_VENC = "fch_venc"
    MNT_PAGOS = "mnt_pagos"
    TERM_PAGO_DIAS = "term_pago_dias"
    CONTADO = "contado"  # FmaPago 1: cash, due on issue
    DEFAULT_TERM = "default_term"


@dataclass(frozen=True)
class Identity:
    """A document's identity: issuer RUT, DTE type and folio."""

    issuer_rut: str
    dte_type: int
    folio: int

    def label(self) -> str:
        return f"{self.issuer_rut} {self.dte_type} {self.folio}"


@dataclass(frozen=True)
class Party:
    rut: str
    name: str | None = None
    email: str | None = None
    contact: str | None = None
    address: str | None = None
    commune: str | None = None
    city: str | None = None
    foreign_id: str | None = None


@dataclass(frozen=True)
class Reference:
    line_no: int
    ref_type: str  # a DTE type code ("33") or another document ("801" purchase order, "HES")
    folio: str | None
    folio_number: int | None  # folio as a number when ref_type is a DTE type
    ref_date: date | None
    code: int | None  # CodRef: 1 annuls, 2 corrects text, 3 corrects amounts
    reason: str | None
    other_issuer_rut: str | None = None  # RUTOtr


@dataclass(frozen=True)
class Line:
    line_no: int
    name: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class Installment:
    due_date: date
    amount: int
    text: str | None = None


@dataclass(frozen=True)
class Dte:
    """One parsed document (factura, nota, guía...)."""

    identity: Identity
    issue_date: date
    due_date: date
    due_date_rule: DueDateRule
    payment_form: int | None
    payment_terms_days: int | None
    payment_terms_text: str | None
    issuer: Party
    receiver: Party
    net: int
    exempt: int
    tax: int
    other_taxes: int
    total: int  # CLP (for export documents: the CLP equivalent)
    currency: str
    total_foreign: Decimal | None
    exchange_rate: Decimal | None
    references: tuple[Reference, ...] = ()
    lines: tuple[Line, ...] = ()
    installments: tuple[Installment, ...] = ()
    signed_at: str | None = None
    digest: str = ""  # sha256 of the canonical document: tells a re-issued copy apart


@dataclass(frozen=True)
class Problem:
    """Why a document (or file) was rejected: a message key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    document: str = ""


@dataclass(frozen=True)
class Cession:
    """An AEC: the invoice was assigned (factored) to ``assignee_rut``."""

    identity: Identity
    assignee_rut: str
    assignee_name: str | None
    amount: int | None
    sequence: int
    ceded_at: str | None


@dataclass(frozen=True)
class CommercialResult:
    """A ResultadoDTE: the customer accepted (0, 1) or rejected (2) the document."""

    identity: Identity
    receiver_rut: str
    status: int
    reason: str | None
    answered_at: str | None


@dataclass(frozen=True)
class Receipt:
    """Either a technical receipt of an envelope or a Ley 19.983 acknowledgement."""

    identity: Identity
    kind: str  # "technical_receipt" | "receipt_ack"
    receiver_rut: str | None
    status: str | None
    detail: str | None
    at: str | None


@dataclass
class ParsedFile:
    kind: FileKind
    root: str
    documents: list[Dte] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    cessions: list[Cession] = field(default_factory=list)
    results: list[CommercialResult] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
