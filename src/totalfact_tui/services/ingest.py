"""Loading DTE files into the database: one transaction per source file.

Invoices enter the system only through here (files now, the IMAP watcher later).
A file already loaded (same sha256) is a fast no-op; a document already present (same
issuer RUT, type and folio) is a duplicate, counted and never inserted twice; a copy
with the same identity but other content is a conflict, recorded, the first kept.
Notes, cessions and customer answers that arrive before their invoice wait and are
applied when it arrives, so the order of the files never changes the result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Contact,
    Customer,
    Document,
    DocumentEvent,
    DocumentLine,
    DocumentReference,
    IngestRecord,
    Installment,
    OwnCompany,
    PendingEvent,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut as rut_rules
from totalfact_tui.domain.agenda_rules import AgendaReason, first_action_date
from totalfact_tui.domain.dte.classify import direction
from totalfact_tui.domain.dte.model import (
    Cession,
    CommercialResult,
    Dte,
    FileKind,
    Identity,
    ParsedFile,
    Party,
    Receipt,
)
from totalfact_tui.domain.dte.parse import parse_file
from totalfact_tui.domain.dte.xml_safe import XmlFileError
from totalfact_tui.domain.dte_types import CREDIT_NOTE_TYPES, DEBIT_NOTE_TYPES
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.domain.journey import Event, initial_state
from totalfact_tui.services import ledger
from totalfact_tui.services.ingest_sources import Limits, Source, check_paths, iter_sources

REJECTED_BY_CUSTOMER = 2
_PHONE = re.compile(r"^[+\d\s().-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class IngestSettings:
    today: date
    lead_days: int = 3
    default_term_days: int = 30
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Issue:
    """A rejected document, a file that could not be read, or a warning."""

    file: str
    document: str
    key: str
    params: dict[str, Any]


@dataclass
class IngestSummary:
    files: int = 0
    documents: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0
    ceded: int = 0
    notes_applied: int = 0
    conflicts: int = 0
    misrouted: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    COUNTS = (
        "files", "documents", "new", "duplicates", "skipped", "rejected", "ceded",
        "notes_applied", "conflicts", "misrouted",
    )  # fmt: skip


# --------------------------------------------------------------------------- entry points


def ingest_paths(
    database: Database,
    paths: list[Path],
    settings: IngestSettings,
    on_file: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Ingest files, folders and zip archives. A missing path is an error up front."""
    check_paths(paths)
    return ingest_sources(database, iter_sources(paths, settings.limits), settings, on_file)


def ingest_sources(
    database: Database,
    sources: Iterable[Source],
    settings: IngestSettings,
    on_file: Callable[[str], None] | None = None,
) -> IngestSummary:
    loader = _Loader(database, settings)
    for source in sources:
        loader.source(source)
        if on_file is not None:
            on_file(source.name)
    return loader.summary


def ingest_bytes(
    database: Database, name: str, data: bytes, settings: IngestSettings
) -> IngestSummary:
    """Ingest one file given as bytes (a mail attachment)."""
    return ingest_sources(database, [Source(name, data)], settings)


# --------------------------------------------------------------------------- loader


class _Loader:
    def __init__(self, database: Database, settings: IngestSettings) -> None:
        self.database = database
        self.settings = settings
        self.summary = IngestSummary()
        with database.read() as session:
            self.own = frozenset(session.scalars(select(OwnCompany.rut)))
        if not self.own:
            raise TotalfactError("ingest.no_own_company")

    # -- files ---------------------------------------------------------------------
    def source(self, source: Source) -> None:
        self.summary.files += 1
        if source.data is None:
            self._failed(
                source.name,
                None,
                source.error_key or "ingest.unreadable",
                dict(source.error_params),
            )
            return
        sha = hashlib.sha256(source.data).hexdigest()
        with self.database.read() as session:
            loaded = session.execute(
                select(IngestRecord.documents, IngestRecord.rejected, IngestRecord.details)
                .where(IngestRecord.sha256 == sha, IngestRecord.status == "loaded")
                .limit(1)
            ).first()
        if loaded is not None:
            # Loaded before: nothing to do, but its rejections are still true.
            documents, rejected, details = loaded
            self.summary.documents += documents
            self.summary.duplicates += documents - rejected
            self.summary.rejected += rejected
            for problem in details.get("rejected", []):
                self.summary.errors.append(
                    Issue(source.name, problem["document"], problem["key"], problem["params"])
                )
            return
        try:
            parsed = parse_file(
                source.data,
                max_bytes=self.settings.limits.max_file_bytes,
                default_term_days=self.settings.default_term_days,
            )
        except XmlFileError as exc:
            self._failed(source.name, sha, exc.key, exc.params)
            return
        for attempt in (1, 2):
            counts = IngestSummary()
            try:
                with self.database.write() as session:
                    if self._already_loaded(session, sha):
                        counts.documents = counts.duplicates = len(parsed.documents)
                    else:
                        _FileLoad(session, self, source.name, sha, parsed, counts).run()
                break
            except IntegrityError:
                # Another program loaded the same document meanwhile: read it again.
                if attempt == 2:
                    raise
        self._merge(counts)

    def _already_loaded(self, session: Session, sha: str) -> bool:
        return (
            session.scalar(
                select(IngestRecord.id)
                .where(IngestRecord.sha256 == sha, IngestRecord.status == "loaded")
                .limit(1)
            )
            is not None
        )

    def _merge(self, counts: IngestSummary) -> None:
        for name in IngestSummary.COUNTS[1:]:
            setattr(self.summary, name, getattr(self.summary, name) + getattr(counts, name))
        self.summary.errors.extend(counts.errors)
        self.summary.warnings.extend(counts.warnings)

    def _failed(self, name: str, sha: str | None, key: str, params: dict[str, Any]) -> None:
        self.summary.rejected += 1
        self.summary.errors.append(Issue(name, "", key, params))
        with self.database.write() as session:
            session.add(
                IngestRecord(
                    source=name[:1000],
                    sha256=sha or "",
                    status="failed",
                    rejected=1,
                    error=key,
                    details={"key": key, "params": _plain(params)},
                )
            )


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if isinstance(value, int | float | str) else str(value)
        for key, value in params.items()
    }


class _FileLoad:
    """Everything one file does, inside its one transaction."""

    def __init__(
        self,
        session: Session,
        loader: _Loader,
        name: str,
        sha: str,
        parsed: ParsedFile,
        counts: IngestSummary,
    ) -> None:
        self.s = session
        self.loader = loader
        self.settings = loader.settings
        self.name = name
        self.parsed = parsed
        self.counts = counts
        self.record = IngestRecord(source=name[:1000], sha256=sha, status="loaded")
        session.add(self.record)
        session.flush()

    def run(self) -> None:
        parsed, counts, record = self.parsed, self.counts, self.record
        if parsed.kind is FileKind.OTHER:
            counts.skipped += 1
            record.status = "skipped"
            record.skipped = 1
            counts.errors.append(Issue(self.name, "", "ingest.not_dte", {"root": parsed.root}))
            record.details = {"root": parsed.root}
            return
        seen: set[Identity] = set()
        for dte in parsed.documents:
            counts.documents += 1
            if dte.identity in seen:
                counts.duplicates += 1
                continue
            seen.add(dte.identity)
            self.document(dte)
        for cession in parsed.cessions:
            self.cession(cession)
        for result in parsed.results:
            self.commercial_result(result)
        for receipt in parsed.receipts:
            self.receipt(receipt)
        for problem in parsed.rejected:
            counts.documents += 1
            counts.rejected += 1
            counts.errors.append(
                Issue(self.name, problem.document, problem.key, _plain(problem.params))
            )
        for warning in parsed.warnings:
            counts.warnings.append(
                Issue(self.name, warning.document, warning.key, _plain(warning.params))
            )
        record.documents = counts.documents
        record.new = counts.new
        record.duplicates = counts.duplicates
        record.rejected = counts.rejected
        record.conflicts = counts.conflicts
        record.details = {
            "kind": parsed.kind.value,
            "rejected": [
                {"document": p.document, "key": p.key, "params": _plain(p.params)}
                for p in parsed.rejected
            ],
            "warnings": [{"key": w.key, "params": _plain(w.params)} for w in parsed.warnings],
        }

    # -- documents ---------------------------------------------------------------------
    def _find(self, identity: Identity) -> tuple[int, str | None] | None:
        row = self.s.execute(
            select(Document.id, Document.xml_sha256).where(
                Document.issuer_rut == identity.issuer_rut,
                Document.dte_type == identity.dte_type,
                Document.folio == identity.folio,
            )
        ).first()
        return (row[0], row[1]) if row else None

    def document(self, dte: Dte) -> None:
        existing = self._find(dte.identity)
        if existing is not None:
            document_id, digest = existing
            if digest == dte.digest:
                self.counts.duplicates += 1
                return
            self.counts.conflicts += 1
            self.s.execute(
                update(Document).where(Document.id == document_id).values(conflict=self.name[:1000])
            )
            self.s.add(
                DocumentEvent(
                    document_id=document_id,
                    kind="conflict",
                    details={"source": self.name, "digest": dte.digest, "kept": digest},
                )
            )
            self.counts.errors.append(Issue(self.name, dte.identity.label(), "ingest.conflict", {}))
            return
        side = direction(dte, self.loader.own)
        if side.kind == "misrouted":
            self.counts.misrouted += 1
        customer_id = collector_id = group_id = None
        if side.kind == "receivable":
            customer_id, collector_id, group_id = self.customer(dte.receiver)
        today = self.settings.today
        state = None
        next_action = None
        reason = None
        balance = 0 if side.kind == "receivable" else dte.total
        if side.collectable:
            state = initial_state(overdue=dte.due_date < today).value
            next_action = first_action_date(dte.due_date, self.settings.lead_days)
            reason = AgendaReason.FIRST_ACTION.value
            balance = dte.total
        document_id = self.s.execute(
            insert(Document).returning(Document.id),
            {
                "issuer_rut": dte.identity.issuer_rut,
                "dte_type": dte.identity.dte_type,
                "folio": dte.identity.folio,
                "kind": side.kind,
                "collectable": side.collectable,
                "issuer_name": dte.issuer.name,
                "receiver_rut": dte.receiver.rut,
                "receiver_name": dte.receiver.name,
                "customer_id": customer_id,
                "issue_date": dte.issue_date,
                "due_date": dte.due_date,
                "due_date_rule": dte.due_date_rule.value,
                "payment_form": dte.payment_form,
                "payment_terms_days": dte.payment_terms_days,
                "payment_terms_text": dte.payment_terms_text,
                "currency": dte.currency,
                "net_amount": dte.net,
                "exempt_amount": dte.exempt,
                "tax_amount": dte.tax,
                "total_amount": dte.total,
                "total_foreign": dte.total_foreign,
                "exchange_rate": dte.exchange_rate,
                "balance": balance,
                "state": state,
                "is_open": side.collectable,
                "collector_id": collector_id,
                "group_id": group_id,
                "next_action_date": next_action,
                "agenda_reason": reason,
                "xml_sha256": dte.digest,
                "ingest_id": self.record.id,
                "version": 1,
            },
        ).scalar_one()
        self.counts.new += 1
        if dte.lines:
            self.s.execute(
                insert(DocumentLine),
                [
                    {
                        "document_id": document_id,
                        "line_no": line.line_no,
                        "name": line.name[:300],
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "amount": line.amount,
                    }
                    for line in dte.lines
                ],
            )
        if dte.installments:
            self.s.execute(
                insert(Installment),
                [
                    {
                        "document_id": document_id,
                        "due_date": item.due_date,
                        "amount": item.amount,
                        "text": item.text,
                    }
                    for item in dte.installments
                ],
            )
        self.s.add(
            DocumentEvent(
                document_id=document_id,
                kind="ingested",
                details={"source": self.name, "ingest_id": self.record.id},
            )
        )
        self.references(document_id, dte)
        self.waiting_notes(document_id, dte.identity)
        self.waiting_events(document_id, dte.identity)

    def references(self, document_id: int, dte: Dte) -> None:
        if not dte.references:
            return
        rows = []
        targets = []
        for ref in dte.references:
            target = None
            issuer = ref.other_issuer_rut or (dte.identity.issuer_rut if ref.folio_number else None)
            if ref.folio_number is not None and issuer is not None:
                found = self._find(Identity(issuer, int(ref.ref_type), ref.folio_number))
                target = found[0] if found else None
            rows.append(
                {
                    "document_id": document_id,
                    "line_no": ref.line_no,
                    "ref_type": ref.ref_type[:8],
                    "ref_folio": (ref.folio or "")[:40] or None,
                    "ref_folio_number": ref.folio_number,
                    "ref_issuer_rut": issuer,
                    "ref_date": ref.ref_date,
                    "ref_code": ref.code,
                    "reason": (ref.reason or "")[:200] or None,
                    "target_document_id": target,
                    "applied": target is not None,
                }
            )
            if target is not None:
                targets.append(target)
        self.s.execute(insert(DocumentReference), rows)
        is_note = dte.identity.dte_type in CREDIT_NOTE_TYPES | DEBIT_NOTE_TYPES
        if is_note and targets:
            self.counts.notes_applied += 1
            for target in targets:
                self.s.add(
                    DocumentEvent(
                        document_id=target,
                        kind="note_applied",
                        details={
                            "note_id": document_id,
                            "dte_type": dte.identity.dte_type,
                            "folio": dte.identity.folio,
                        },
                    )
                )
            ledger.recompute(self.s, document_id, self.settings.today, self.settings.lead_days)

    def waiting_notes(self, document_id: int, identity: Identity) -> None:
        """Notes that arrived before this document now point at it."""
        waiting = self.s.execute(
            select(DocumentReference.id, DocumentReference.document_id)
            .join(Document, Document.id == DocumentReference.document_id)
            .where(
                DocumentReference.target_document_id.is_(None),
                DocumentReference.ref_type == str(identity.dte_type),
                DocumentReference.ref_folio_number == identity.folio,
                or_(
                    DocumentReference.ref_issuer_rut == identity.issuer_rut,
                    and_(
                        DocumentReference.ref_issuer_rut.is_(None),
                        Document.issuer_rut == identity.issuer_rut,
                    ),
                ),
            )
        ).all()
        if not waiting:
            return
        for reference_id, note_id in waiting:
            self.s.execute(
                update(DocumentReference)
                .where(DocumentReference.id == reference_id)
                .values(target_document_id=document_id, applied=True)
            )
            self.s.add(
                DocumentEvent(
                    document_id=document_id, kind="note_applied", details={"note_id": note_id}
                )
            )
        self.counts.notes_applied += len({note_id for _, note_id in waiting})
        ledger.recompute(self.s, document_id, self.settings.today, self.settings.lead_days)
        # A waiting note may itself be the target of a later note (a 56 cancelling a 61).
        for _, note_id in waiting:
            ledger.recompute(self.s, note_id, self.settings.today, self.settings.lead_days)

    # -- events about documents --------------------------------------------------------
    def _pending(self, identity: Identity, kind: str, details: dict[str, Any]) -> None:
        self.s.add(
            PendingEvent(
                issuer_rut=identity.issuer_rut,
                dte_type=identity.dte_type,
                folio=identity.folio,
                kind=kind,
                details=details,
                ingest_id=self.record.id,
            )
        )

    def waiting_events(self, document_id: int, identity: Identity) -> None:
        events = self.s.scalars(
            select(PendingEvent)
            .where(
                PendingEvent.issuer_rut == identity.issuer_rut,
                PendingEvent.dte_type == identity.dte_type,
                PendingEvent.folio == identity.folio,
            )
            .order_by(PendingEvent.id)
        ).all()
        for event in events:
            self.apply_event(document_id, event.kind, event.details)
        if events:
            self.s.execute(delete(PendingEvent).where(PendingEvent.id.in_([e.id for e in events])))

    def apply_event(self, document_id: int, kind: str, details: dict[str, Any]) -> None:
        document = self.s.get(Document, document_id)
        assert document is not None
        today, lead = self.settings.today, self.settings.lead_days
        if kind == "ceded":
            document.ceded = True
            document.ceded_to_rut = details.get("assignee_rut")
            ledger.try_transition(self.s, document, Event.CEDED, today)
        elif kind == "commercial_rejection":
            ledger.try_transition(self.s, document, Event.REJECTED_BY_CUSTOMER, today)
        ledger.refresh_agenda(document, lead)
        self.s.add(DocumentEvent(document_id=document_id, kind=kind, details=details))

    def _event_for(self, identity: Identity, kind: str, details: dict[str, Any]) -> None:
        found = self._find(identity)
        if found is None:
            self._pending(identity, kind, details)
        else:
            self.apply_event(found[0], kind, details)

    def cession(self, cession: Cession) -> None:
        self.counts.ceded += 1
        self._event_for(
            cession.identity,
            "ceded",
            {
                "assignee_rut": cession.assignee_rut,
                "assignee_name": cession.assignee_name,
                "amount": cession.amount,
                "sequence": cession.sequence,
                "at": cession.ceded_at,
                "source": self.name,
            },
        )

    def commercial_result(self, result: CommercialResult) -> None:
        kind = (
            "commercial_rejection"
            if result.status == REJECTED_BY_CUSTOMER
            else "commercial_acceptance"
        )
        self._event_for(
            result.identity,
            kind,
            {
                "status": result.status,
                "reason": result.reason,
                "at": result.answered_at,
                "receiver_rut": result.receiver_rut,
                "source": self.name,
            },
        )

    def receipt(self, receipt: Receipt) -> None:
        self._event_for(
            receipt.identity,
            receipt.kind,
            {
                "status": receipt.status,
                "detail": receipt.detail,
                "at": receipt.at,
                "receiver_rut": receipt.receiver_rut,
                "source": self.name,
            },
        )

    # -- customers and contacts --------------------------------------------------------
    def customer(self, party: Party) -> tuple[int, int | None, int | None]:
        foreign_id = ""
        if rut_rules.is_foreign_placeholder(party.rut):
            foreign_id = (party.foreign_id or (party.name or "").upper())[:60]
        customer = self.s.scalars(
            select(Customer).where(Customer.rut == party.rut, Customer.foreign_id == foreign_id)
        ).first()
        email = party.email if party.email and _EMAIL.match(party.email) else None
        values = {
            "name": (party.name or party.rut)[:200],
            "address": _cut(party.address, 200),
            "commune": _cut(party.commune, 100),
            "city": _cut(party.city, 100),
            "email": email,
        }
        if customer is None:
            customer = Customer(rut=party.rut, foreign_id=foreign_id, **values)
            self.s.add(customer)
            self.s.flush()
        elif not customer.edited_by_user:
            for key, value in values.items():
                if value and getattr(customer, key) != value:
                    setattr(customer, key, value)
        self.contact(customer.id, party, email)
        return customer.id, customer.collector_id, customer.group_id

    def contact(self, customer_id: int, party: Party, email: str | None) -> None:
        text = (party.contact or "").strip()
        phone = text if _PHONE.match(text) else None
        name = text if text and not any(ch.isdigit() for ch in text) and len(text) <= 80 else None
        if not (email or phone or name):
            return
        query = select(Contact.id).where(Contact.customer_id == customer_id)
        if email:
            query = query.where(Contact.email == email)
        elif phone:
            query = query.where(or_(Contact.phone == phone, Contact.mobile == phone))
        else:
            query = query.where(Contact.name == name)
        if self.s.scalar(query.limit(1)) is not None:
            return
        self.s.add(
            Contact(
                customer_id=customer_id,
                name=(name or email or phone or "")[:200],
                phone=phone,
                email=email,
                source="ingest",
            )
        )


def _cut(value: str | None, size: int) -> str | None:
    return value[:size] if value else None
