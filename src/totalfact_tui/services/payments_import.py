"""Importing payments from a bank or ERP export (CSV).

Header ``rut,tipo,folio,monto,fecha,referencia`` (or ``rut,type,folio,amount,date,
reference``); ``,`` or ``;`` separated; ``tipo`` and ``folio`` may be empty; amounts in
Chilean format (``1.234.567``). Each line is matched to open invoices of the customer:
by folio first, else by amount (one invoice with that balance, or all open invoices
when they add up to it). A line is applied at most once, ever: its hash is stored with
the payment. Amounts over the matched balance stay as the customer's credit.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Document, Payment
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut
from totalfact_tui.domain.collection import PaymentMethod
from totalfact_tui.domain.errors import InvalidRut, TotalfactError
from totalfact_tui.domain.money import parse_clp
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.payments import PAYABLE_STATES, PaymentForm, apply_in_session
from totalfact_tui.services.worklist import acting_person

_COLUMNS = {
    "rut": "rut",
    "tipo": "type",
    "type": "type",
    "folio": "folio",
    "monto": "amount",
    "amount": "amount",
    "fecha": "date",
    "date": "date",
    "referencia": "reference",
    "reference": "reference",
}
_REQUIRED = ("rut", "amount")


@dataclass(frozen=True)
class LineResult:
    line: int
    status: str  # applied | unmatched | duplicate
    reason: str | None = None  # why unmatched: a message key
    folios: tuple[int, ...] = ()
    amount: int = 0
    credit: int = 0
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportSummary:
    results: list[LineResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_dict(self) -> dict[str, int]:
        return {
            "lines": len(self.results),
            "applied": self.count("applied"),
            "unmatched": self.count("unmatched"),
            "duplicates": self.count("duplicate"),
        }


@dataclass(frozen=True)
class _Line:
    number: int
    customer_rut: str
    dte_type: int | None
    folio: int | None
    amount: int
    paid_on: date
    reference: str | None

    @property
    def hash(self) -> str:
        key = "|".join(
            str(part)
            for part in (
                self.customer_rut,
                self.dte_type or "",
                self.folio or "",
                self.amount,
                self.paid_on.isoformat(),
                (self.reference or "").strip().upper(),
            )
        )
        return hashlib.sha256(key.encode()).hexdigest()


def _parse_date(text: str, today: date) -> date:
    value = text.strip()
    if not value:
        return today
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def read_lines(text: str, today: date) -> tuple[list[_Line], list[LineResult]]:
    """The lines of the file, and the results of lines that cannot be read at all."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TotalfactError("payments_import.empty") from None
    names = [_COLUMNS.get(h.strip().lstrip("\ufeff").lower()) for h in header]
    missing = [c for c in _REQUIRED if c not in names]
    if missing:
        raise TotalfactError(
            "payments_import.bad_header", header=",".join(header), missing=", ".join(missing)
        )
    lines: list[_Line] = []
    bad: list[LineResult] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {
            name: cell.strip() for name, cell in zip(names, row, strict=False) if name is not None
        }
        try:
            customer = rut.normalize(values.get("rut", ""))
        except InvalidRut:
            bad.append(LineResult(number, "unmatched", "payments_import.bad_rut"))
            continue
        try:
            amount = parse_clp(values.get("amount", ""))
            paid_on = _parse_date(values.get("date", ""), today)
            dte_type = int(values["type"]) if values.get("type") else None
            folio = int(values["folio"].lstrip("0") or "0") if values.get("folio") else None
        except ValueError:
            bad.append(LineResult(number, "unmatched", "payments_import.bad_line"))
            continue
        if amount <= 0:
            bad.append(LineResult(number, "unmatched", "payments_import.bad_line"))
            continue
        lines.append(
            _Line(number, customer, dte_type, folio, amount, paid_on, values.get("reference"))
        )
    return lines, bad


def _match(session: Session, line: _Line) -> tuple[list[Document], str | None]:
    """The invoices a line pays, or the reason it matches none."""
    customers = list(session.scalars(select(Customer.id).where(Customer.rut == line.customer_rut)))
    if not customers:
        return [], "payments_import.unknown_customer"
    query = select(Document).where(
        Document.customer_id.in_(customers),
        Document.kind == "receivable",
        Document.collectable,
    )
    if line.folio is not None:
        query = query.where(Document.folio == line.folio)
        if line.dte_type is not None:
            query = query.where(Document.dte_type == line.dte_type)
        found = list(session.scalars(query))
        if not found:
            return [], "payments_import.no_such_invoice"
        if len(found) > 1:
            return [], "payments_import.ambiguous"
        (document,) = found
        if document.ceded:
            return [], "payments_import.ceded"
        if document.state not in PAYABLE_STATES:
            return [], "payments_import.not_open"
        return found, None
    open_ones = [
        d
        for d in session.scalars(query.order_by(Document.due_date, Document.id))
        if d.state in PAYABLE_STATES and not d.ceded
    ]
    exact = [d for d in open_ones if d.balance == line.amount]
    if len(exact) == 1:
        return exact, None
    if len(exact) > 1:
        return [], "payments_import.ambiguous"
    if open_ones and sum(d.balance for d in open_ones) == line.amount:
        return open_ones, None
    return [], "payments_import.no_amount_match"


def import_payments(
    database: Database,
    username: str | None,
    path: Path,
    today: date,
    *,
    dry_run: bool = False,
    lead_days: int = 3,
) -> ImportSummary:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TotalfactError(
            "payments_import.unreadable", path=str(path), reason=exc.strerror
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines, bad = read_lines(text, today)
    summary = ImportSummary(list(bad))
    with database.write() as session:
        actor = acting_person(session, username)
        seen: set[str] = set()
        for line in lines:
            summary.results.append(_import_line(session, actor, line, seen, today, lead_days))
        if dry_run:
            session.rollback()
    summary.results.sort(key=lambda r: r.line)
    return summary


def _import_line(
    session: Session, actor: Actor, line: _Line, seen: set[str], today: date, lead_days: int
) -> LineResult:
    digest = line.hash
    known = session.scalar(select(Payment.id).where(Payment.import_hash == digest))
    if digest in seen or known is not None:
        return LineResult(line.number, "duplicate", amount=line.amount)
    documents, reason = _match(session, line)
    if reason is not None:
        return LineResult(
            line.number, "unmatched", reason, amount=line.amount, params={"folio": line.folio}
        )
    seen.add(digest)
    if line.paid_on > today:
        return LineResult(line.number, "unmatched", "payments_import.future", amount=line.amount)
    customer_id = documents[0].customer_id
    assert customer_id is not None
    recorded = apply_in_session(
        session,
        actor,
        documents,
        customer_id,
        PaymentForm(
            tuple(d.id for d in documents),
            line.amount,
            line.paid_on,
            PaymentMethod.TRANSFER.value,
            line.reference,
        ),
        today,
        lead_days,
        import_hash=digest,
    )
    return LineResult(
        line.number,
        "applied",
        folios=tuple(d.folio for d in documents),
        amount=line.amount,
        credit=recorded.credit,
    )
