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
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Contact,
    Customer,
    Document,
    DocumentEvent,
    DocumentLine,
    DocumentReference,
    Hold,
    IngestRecord,
    Installment,
    OwnCompany,
    PendingEvent,
    table_of,
)
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
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
    verify_signatures: bool = False


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

    def add_file(self, counts: IngestSummary) -> None:
        """Count one more file, with what it held."""
        self.files += 1
        for name in self.COUNTS[1:]:
            setattr(self, name, getattr(self, name) + getattr(counts, name))
        self.errors.extend(counts.errors)
        self.warnings.extend(counts.warnings)


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
    """Ingest ``sources``. Each file is atomic (a savepoint); files are committed in
    batches so that thousands of small files load at thousands of documents a second."""
    loader = _Loader(database, settings)
    batch: list[Source] = []
    size = 0
    for source in sources:
        batch.append(source)
        size += len(source.data or b"")
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            loader.batch(batch, on_file)
            batch, size = [], 0
    if batch:
        loader.batch(batch, on_file)
    return loader.summary


def ingest_bytes(
    database: Database, name: str, data: bytes, settings: IngestSettings
) -> IngestSummary:
    """Ingest one file given as bytes (a mail attachment), committed before returning."""
    return ingest_sources(database, [Source(name, data)], settings)


def ingest_together(
    database: Database,
    groups: list[list[Source]],
    settings: IngestSettings,
    record: Callable[[Session, list[IngestSummary]], None],
) -> list[IngestSummary]:
    """Ingest each group of sources (a mail message's attachments) in one transaction
    together with what ``record`` writes in it (the messages' records, given each
    group's summary): documents and records are committed together, or not at all.
    Each file keeps its own savepoint, so a bad file spoils nothing else."""
    loader = _Loader(database, settings)
    flat = [source for group in groups for source in group]
    for attempt in (1, 2):
        loader.customers.clear()
        try:
            with database.write() as session:
                results = _Batch(session, loader, flat).run() if flat else []
                summaries = []
                position = 0
                for group in groups:
                    summary = IngestSummary()
                    for counts in results[position : position + len(group)]:
                        summary.add_file(counts)
                    position += len(group)
                    summaries.append(summary)
                record(session, summaries)
            return summaries
        except IntegrityError:
            # Another program wrote one of these documents meanwhile: read them again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- statements

BATCH_FILES = 200
BATCH_BYTES = 64 * 1_048_576
_DOCUMENTS = table_of(Document)
_LINES = table_of(DocumentLine)
_REFERENCES = table_of(DocumentReference)
_EVENTS = table_of(DocumentEvent)
_INSTALLMENTS = table_of(Installment)
_RECORDS = table_of(IngestRecord)
_CUSTOMERS = table_of(Customer)


@cache
def _statements() -> dict[str, Any]:
    """Statements built once: constructing SQLAlchemy expressions per document would
    cost more than running them."""
    return {
        "loaded": select(IngestRecord.documents, IngestRecord.rejected, IngestRecord.details)
        .where(IngestRecord.sha256 == bindparam("sha"), IngestRecord.status == "loaded")
        .limit(1),
        "find": select(Document.id, Document.xml_sha256).where(
            Document.issuer_rut == bindparam("issuer"),
            Document.dte_type == bindparam("dte_type"),
            Document.folio == bindparam("folio"),
        ),
        "record": insert(_RECORDS).returning(_RECORDS.c.id),
        "record_update": update(_RECORDS)
        .where(_RECORDS.c.id == bindparam("_id"))
        .values(
            {
                name: bindparam(name)
                for name in (
                    "status",
                    "documents",
                    "new",
                    "duplicates",
                    "skipped",
                    "rejected",
                    "conflicts",
                    "details",
                )
            }
        ),
        "document": insert(_DOCUMENTS).returning(_DOCUMENTS.c.id),
        "customer": insert(_CUSTOMERS).returning(_CUSTOMERS.c.id),
        "lines": insert(_LINES),
        "references": insert(_REFERENCES),
        "events": insert(_EVENTS),
        "installments": insert(_INSTALLMENTS),
    }


# --------------------------------------------------------------------------- loader


#: Customer fields that imports fill in (unless a person edited the customer).
_CUSTOMER_FIELDS = ("name", "address", "commune", "city", "email")


@dataclass
class _CustomerRow:
    id: int
    collector_id: int | None
    group_id: int | None
    edited: bool
    values: dict[str, str | None]
    contacts: set[str]
    #: End of an active hold on the customer: its new invoices wait for it too.
    held_until: date | None = None


class _Loader:
    def __init__(self, database: Database, settings: IngestSettings) -> None:
        self.database = database
        self.settings = settings
        self.summary = IngestSummary()
        with database.read() as session:
            self.own = frozenset(session.scalars(select(OwnCompany.rut)))
        if not self.own:
            raise TotalfactError("ingest.no_own_company")
        self.customers: dict[tuple[str, str], _CustomerRow] = {}

    def batch(self, sources: list[Source], on_file: Callable[[str], None] | None) -> None:
        """Load ``sources`` in one transaction; if another program wrote one of the same
        documents meanwhile, load them again one file per transaction."""
        try:
            with self.database.write() as session:
                results = _Batch(session, self, sources).run()
        except IntegrityError:
            results = []
            for source in sources:
                results.append(self._alone(source))
        for source, counts in zip(sources, results, strict=True):
            self.summary.add_file(counts)
            if on_file is not None:
                on_file(source.name)

    def _alone(self, source: Source) -> IngestSummary:
        for attempt in (1, 2):
            self.customers.clear()
            try:
                with self.database.write() as session:
                    return _Batch(session, self, [source]).run()[0]
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if isinstance(value, int | float | str) else str(value)
        for key, value in params.items()
    }


def _chunks(items: list[Any], size: int = 400) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _File:
    source: Source
    counts: IngestSummary
    sha: str = ""
    parsed: ParsedFile | None = None
    failure: tuple[str, dict[str, Any]] | None = None
    record_id: int = 0
    loaded: tuple[int, int, dict[str, Any]] | None = None
    #: The earlier file of this batch with the same bytes (this one repeats it).
    same_as: _File | None = None


@dataclass
class _FastDocument:
    identity: Identity
    row: dict[str, Any]
    lines: list[dict[str, Any]]
    installments: list[dict[str, Any]]
    references: list[dict[str, Any]]
    event: dict[str, Any]


class _Batch:
    """Files loaded in one transaction. Plain new documents (nothing refers to them,
    they refer to no DTE) are written in bulk; notes and events go one by one."""

    def __init__(self, session: Session, loader: _Loader, sources: list[Source]) -> None:
        self.s = session
        self.loader = loader
        self.settings = loader.settings
        self.sql = _statements()
        self.files = [_File(source, IngestSummary()) for source in sources]
        self.known: dict[Identity, tuple[int | None, str | None]] = {}
        self.waiting_refs: set[tuple[str, int]] = set()
        self.waiting_identities: set[Identity] = set()
        self.fast: list[_FastDocument] = []
        self.events: list[dict[str, Any]] = []
        self.record_updates: list[dict[str, Any]] = []

    # -- the batch ---------------------------------------------------------------------
    def run(self) -> list[IngestSummary]:
        self.read_files()
        self.create_records()
        self.prefetch()
        for file in self.files:
            if file.parsed is not None and file.loaded is None:
                _FileLoad(self, file).run()
        self.flush()
        if self.events:
            self.s.execute(self.sql["events"], self.events)
        if self.record_updates:
            self.s.connection().execute(self.sql["record_update"], self.record_updates)
        self.s.flush()
        for file in self.files:
            if file.same_as is not None:
                self._repeat_of(file, file.same_as.counts)
        return [file.counts for file in self.files]

    @staticmethod
    def _repeat_of(file: _File, original: IngestSummary) -> None:
        """A second copy of a file in the same batch counts as its duplicates."""
        counts = file.counts
        counts.documents += original.documents
        counts.duplicates += original.documents - original.rejected
        counts.rejected += original.rejected
        counts.errors.extend(
            Issue(file.source.name, issue.document, issue.key, issue.params)
            for issue in original.errors
        )

    def read_files(self) -> None:
        for file in self.files:
            data = file.source.data
            if data is not None:
                file.sha = hashlib.sha256(data).hexdigest()
        shas = [file.sha for file in self.files if file.sha]
        loaded: dict[str, tuple[int, int, dict[str, Any]]] = {}
        for chunk in _chunks(shas):
            for sha, documents, rejected, details in self.s.execute(
                select(
                    IngestRecord.sha256,
                    IngestRecord.documents,
                    IngestRecord.rejected,
                    IngestRecord.details,
                ).where(IngestRecord.sha256.in_(chunk), IngestRecord.status == "loaded")
            ):
                loaded[sha] = (documents, rejected, details)
        seen: dict[str, _File] = {}
        for file in self.files:
            source = file.source
            if source.data is None:
                file.failure = (source.error_key or "ingest.unreadable", dict(source.error_params))
                continue
            file.loaded = loaded.get(file.sha)
            if file.loaded is None and file.sha in seen:
                file.loaded = (-1, 0, {})  # the same bytes twice in one batch: see run()
                file.same_as = seen[file.sha]
                continue
            seen[file.sha] = file
            if file.loaded is not None:
                self.repeat(file)
                continue
            try:
                file.parsed = parse_file(
                    source.data,
                    max_bytes=self.settings.limits.max_file_bytes,
                    default_term_days=self.settings.default_term_days,
                    verify_signatures=self.settings.verify_signatures,
                )
            except XmlFileError as exc:
                file.failure = (exc.key, exc.params)

    def repeat(self, file: _File) -> None:
        """A file loaded before: nothing to do, but its rejections are still true."""
        assert file.loaded is not None
        documents, rejected, details = file.loaded
        counts = file.counts
        counts.documents += documents
        counts.duplicates += documents - rejected
        counts.rejected += rejected
        for problem in details.get("rejected", []):
            counts.errors.append(
                Issue(file.source.name, problem["document"], problem["key"], problem["params"])
            )

    def create_records(self) -> None:
        rows = []
        targets = []
        for file in self.files:
            if file.loaded is not None:
                continue
            row: dict[str, Any] = {
                "source": file.source.name[:1000],
                "sha256": file.sha,
                "status": "loaded",
                "documents": 0,
                "new": 0,
                "duplicates": 0,
                "skipped": 0,
                "rejected": 0,
                "conflicts": 0,
                "error": None,
                "details": {},
            }
            if file.failure is not None:
                key, params = file.failure
                file.counts.rejected += 1
                file.counts.errors.append(Issue(file.source.name, "", key, params))
                row.update(
                    status="failed",
                    rejected=1,
                    error=key,
                    details={"key": key, "params": _plain(params)},
                )
            rows.append(row)
            targets.append(file)
        if not rows:
            return
        ids = (
            self.s.execute(
                insert(_RECORDS).returning(_RECORDS.c.id, sort_by_parameter_order=True), rows
            )
            .scalars()
            .all()
        )
        for file, record_id in zip(targets, ids, strict=True):
            file.record_id = record_id

    def prefetch(self) -> None:
        """Read in a few queries what the documents of the batch will ask about."""
        identities: set[Identity] = set()
        receivers: set[str] = set()
        for file in self.files:
            parsed = file.parsed
            if parsed is None or file.loaded is not None:
                continue
            for dte in parsed.documents:
                identities.add(dte.identity)
                receivers.add(dte.receiver.rut)
            identities.update(c.identity for c in parsed.cessions)
            identities.update(r.identity for r in parsed.results)
            identities.update(r.identity for r in parsed.receipts)
        ordered = sorted(identities, key=lambda i: (i.issuer_rut, i.dte_type, i.folio))
        for chunk in _chunks(ordered):
            keys = [(i.issuer_rut, i.dte_type, i.folio) for i in chunk]
            for doc_id, issuer, dte_type, folio, digest in self.s.execute(
                select(
                    Document.id,
                    Document.issuer_rut,
                    Document.dte_type,
                    Document.folio,
                    Document.xml_sha256,
                ).where(tuple_(Document.issuer_rut, Document.dte_type, Document.folio).in_(keys))
            ):
                self.known[Identity(issuer, dte_type, folio)] = (doc_id, digest)
            for issuer, dte_type, folio in self.s.execute(
                select(PendingEvent.issuer_rut, PendingEvent.dte_type, PendingEvent.folio).where(
                    tuple_(PendingEvent.issuer_rut, PendingEvent.dte_type, PendingEvent.folio).in_(
                        keys
                    )
                )
            ):
                self.waiting_identities.add(Identity(issuer, dte_type, folio))
            pairs = [(str(i.dte_type), i.folio) for i in chunk]
            for ref_type, ref_folio in self.s.execute(
                select(DocumentReference.ref_type, DocumentReference.ref_folio_number).where(
                    DocumentReference.target_document_id.is_(None),
                    tuple_(DocumentReference.ref_type, DocumentReference.ref_folio_number).in_(
                        pairs
                    ),
                )
            ):
                if ref_folio is not None:
                    self.waiting_refs.add((ref_type, ref_folio))
        self.prefetch_customers(sorted(receivers))

    def prefetch_customers(self, ruts: list[str]) -> None:
        cache = self.loader.customers
        known = {rut for rut, _foreign in cache}
        missing = [r for r in ruts if r not in known or rut_rules.is_foreign_placeholder(r)]
        rows: dict[int, _CustomerRow] = {}
        columns = [getattr(Customer, name) for name in _CUSTOMER_FIELDS]
        for chunk in _chunks(missing):
            for found in self.s.execute(
                select(
                    Customer.id,
                    Customer.rut,
                    Customer.foreign_id,
                    Customer.collector_id,
                    Customer.group_id,
                    Customer.edited_by_user,
                    *columns,
                ).where(Customer.rut.in_(chunk))
            ):
                customer_id, rut, foreign_id, collector_id, group_id, edited, *values = found
                row = _CustomerRow(
                    customer_id,
                    collector_id,
                    group_id,
                    edited,
                    dict(zip(_CUSTOMER_FIELDS, values, strict=True)),
                    set(),
                )
                cache[(rut, foreign_id)] = row
                rows[customer_id] = row
        for chunk in _chunks(list(rows)):
            for customer_id, email, phone, mobile, name in self.s.execute(
                select(
                    Contact.customer_id, Contact.email, Contact.phone, Contact.mobile, Contact.name
                ).where(Contact.customer_id.in_(chunk))
            ):
                rows[customer_id].contacts.update(_contact_keys(email, phone, mobile, name))
            for customer_id, end in self.s.execute(
                select(Hold.customer_id, func.max(Hold.end_date))
                .where(
                    Hold.customer_id.in_(chunk),
                    Hold.document_id.is_(None),
                    Hold.lifted_at.is_(None),
                    Hold.end_date > self.settings.today,
                )
                .group_by(Hold.customer_id)
            ):
                if customer_id is not None:
                    rows[customer_id].held_until = end

    # -- documents written in bulk -------------------------------------------------------
    def flush(self) -> None:
        if not self.fast:
            return
        pending, self.fast = self.fast, []
        ids = (
            self.s.execute(
                insert(_DOCUMENTS).returning(_DOCUMENTS.c.id, sort_by_parameter_order=True),
                [item.row for item in pending],
            )
            .scalars()
            .all()
        )
        children: dict[str, list[dict[str, Any]]] = {
            "lines": [],
            "installments": [],
            "references": [],
        }
        for item, document_id in zip(pending, ids, strict=True):
            self.known[item.identity] = (document_id, item.row["xml_sha256"])
            for kind, rows in (
                ("lines", item.lines),
                ("installments", item.installments),
                ("references", item.references),
            ):
                children[kind].extend({**row, "document_id": document_id} for row in rows)
            self.events.append({**item.event, "document_id": document_id})
        for kind, rows in children.items():
            if rows:
                self.s.execute(self.sql[kind], rows)

    def find(self, identity: Identity) -> tuple[int, str | None] | None:
        known = self.known.get(identity)
        if known is not None and known[0] is None:
            self.flush()
            known = self.known.get(identity)
        if known is not None:
            assert known[0] is not None
            return known[0], known[1]
        row = self.s.execute(
            self.sql["find"],
            {"issuer": identity.issuer_rut, "dte_type": identity.dte_type, "folio": identity.folio},
        ).first()
        if row is None:
            return None
        self.known[identity] = (row[0], row[1])
        return row[0], row[1]

    def is_waited_for(self, identity: Identity) -> bool:
        return (
            identity in self.waiting_identities
            or (str(identity.dte_type), identity.folio) in self.waiting_refs
        )


def _contact_keys(
    email: str | None, phone: str | None, mobile: str | None, name: str | None
) -> set[str]:
    return {
        f"{kind}:{value.lower()}"
        for kind, value in (("e", email), ("p", phone), ("p", mobile), ("n", name))
        if value
    }


class _FileLoad:
    """Everything one file does, inside its batch's transaction."""

    def __init__(self, batch: _Batch, file: _File) -> None:
        assert file.parsed is not None
        self.batch = batch
        self.s = batch.s
        self.loader = batch.loader
        self.settings = batch.settings
        self.sql = batch.sql
        self.file = file
        self.name = file.source.name
        self.parsed = file.parsed
        self.counts = file.counts
        self.record_id = file.record_id

    def event(self, document_id: int, kind: str, details: dict[str, Any]) -> None:
        self.batch.events.append(
            {"document_id": document_id, "kind": kind, "details": details, "created_at": utcnow()}
        )

    def _find(self, identity: Identity) -> tuple[int, str | None] | None:
        return self.batch.find(identity)

    def run(self) -> None:
        parsed, counts = self.parsed, self.counts
        values: dict[str, Any]
        if parsed.kind is FileKind.OTHER:
            counts.skipped += 1
            counts.errors.append(Issue(self.name, "", "ingest.not_dte", {"root": parsed.root}))
            values = {
                "status": "skipped",
                "documents": 0,
                "new": 0,
                "duplicates": 0,
                "skipped": 1,
                "rejected": 0,
                "conflicts": 0,
                "details": {"root": parsed.root},
            }
        else:
            seen: set[Identity] = set()
            for dte in parsed.documents:
                counts.documents += 1
                if dte.identity in seen:
                    counts.duplicates += 1
                    continue
                seen.add(dte.identity)
                self.document(dte)
            if parsed.cessions or parsed.results or parsed.receipts:
                self.batch.flush()
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
            values = {
                "status": "loaded",
                "skipped": 0,
                "documents": counts.documents,
                "new": counts.new,
                "duplicates": counts.duplicates,
                "rejected": counts.rejected,
                "conflicts": counts.conflicts,
                "details": {
                    "kind": parsed.kind.value,
                    "rejected": [
                        {"document": p.document, "key": p.key, "params": _plain(p.params)}
                        for p in parsed.rejected
                    ],
                    "warnings": [
                        {"key": w.key, "params": _plain(w.params)} for w in parsed.warnings
                    ],
                },
            }
        self.batch.record_updates.append({"_id": self.record_id, **values})

    # -- documents ---------------------------------------------------------------------
    def document(self, dte: Dte) -> None:
        known = self.batch.known.get(dte.identity)
        if known is not None:
            document_id, digest = self._find(dte.identity) or (0, None)
            self.existing(dte, document_id, digest)
            return
        side = direction(dte, self.loader.own)
        if side.kind == "misrouted":
            self.counts.misrouted += 1
        customer: _CustomerRow | None = None
        if side.kind == "receivable":
            customer = self.customer(dte.receiver)
        state = next_action = reason = None
        balance = 0 if side.kind == "receivable" else dte.total
        if side.collectable:
            state = initial_state(overdue=dte.due_date < self.settings.today).value
            next_action = first_action_date(dte.due_date, self.settings.lead_days)
            reason = AgendaReason.FIRST_ACTION.value
            balance = dte.total
            if customer is not None and customer.held_until and next_action < customer.held_until:
                next_action, reason = customer.held_until, AgendaReason.HOLD_ENDED.value
        row = {
            "issuer_rut": dte.identity.issuer_rut,
            "dte_type": dte.identity.dte_type,
            "folio": dte.identity.folio,
            "kind": side.kind,
            "collectable": side.collectable,
            "issuer_name": _cut(dte.issuer.name, 200),
            "receiver_rut": dte.receiver.rut,
            "receiver_name": _cut(dte.receiver.name, 200),
            "customer_id": customer.id if customer else None,
            "issue_date": dte.issue_date,
            "due_date": dte.due_date,
            "due_date_rule": dte.due_date_rule.value,
            "payment_form": dte.payment_form,
            "payment_terms_days": dte.payment_terms_days,
            "payment_terms_text": _cut(dte.payment_terms_text, 200),
            "currency": dte.currency,
            "net_amount": dte.net,
            "exempt_amount": dte.exempt,
            "tax_amount": dte.tax,
            "total_amount": dte.total,
            "total_foreign": dte.total_foreign,
            "exchange_rate": dte.exchange_rate,
            "balance": balance,
            "state": state,
            "ceded": False,
            "is_open": side.collectable,
            "collector_id": customer.collector_id if customer else None,
            "group_id": customer.group_id if customer else None,
            "next_action_date": next_action,
            "agenda_reason": reason,
            "broken_promises": 0,
            "promise_broken": False,
            "conflict": None,
            "ceded_to_rut": None,
            "xml_sha256": dte.digest,
            "ingest_id": self.record_id,
            "version": 1,
            "created_at": utcnow(),
            "updated_at": None,
        }
        lines = [
            {
                "line_no": line.line_no,
                "name": line.name[:300],
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for line in dte.lines
        ]
        installments = [
            {"due_date": item.due_date, "amount": item.amount, "text": _cut(item.text, 200)}
            for item in dte.installments
        ]
        ingested = {
            "kind": "ingested",
            "details": {"source": self.name, "ingest_id": self.record_id},
            "created_at": utcnow(),
        }
        self.counts.new += 1
        refers = any(ref.folio_number is not None for ref in dte.references)
        if not refers and not self.batch.is_waited_for(dte.identity):
            references = [
                {
                    "line_no": ref.line_no,
                    "ref_type": ref.ref_type[:8],
                    "ref_folio": _cut(ref.folio, 40),
                    "ref_folio_number": None,
                    "ref_issuer_rut": ref.other_issuer_rut,
                    "ref_date": ref.ref_date,
                    "ref_code": ref.code,
                    "reason": _cut(ref.reason, 200),
                    "target_document_id": None,
                    "applied": False,
                }
                for ref in dte.references
            ]
            self.batch.known[dte.identity] = (None, dte.digest)
            self.batch.fast.append(
                _FastDocument(dte.identity, row, lines, installments, references, ingested)
            )
            return
        self.batch.flush()
        document_id = self.s.execute(self.sql["document"], row).scalar_one()
        self.batch.known[dte.identity] = (document_id, dte.digest)
        if lines:
            self.s.execute(
                self.sql["lines"], [{**line, "document_id": document_id} for line in lines]
            )
        if installments:
            self.s.execute(
                self.sql["installments"],
                [{**part, "document_id": document_id} for part in installments],
            )
        self.batch.events.append({**ingested, "document_id": document_id})
        self.references(document_id, dte)
        if self.batch.is_waited_for(dte.identity):
            self.waiting_notes(document_id, dte.identity)
            self.waiting_events(document_id, dte.identity)

    def existing(self, dte: Dte, document_id: int, digest: str | None) -> None:
        """Same identity again: a duplicate, or a conflicting copy (the first is kept)."""
        if digest == dte.digest:
            self.counts.duplicates += 1
            return
        self.counts.conflicts += 1
        self.s.execute(
            update(_DOCUMENTS)
            .where(_DOCUMENTS.c.id == document_id)
            .values(conflict=self.name[:1000])
        )
        self.event(
            document_id, "conflict", {"source": self.name, "digest": dte.digest, "kept": digest}
        )
        self.counts.errors.append(Issue(self.name, dte.identity.label(), "ingest.conflict", {}))

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
                if target is None:
                    self.batch.waiting_refs.add((ref.ref_type, ref.folio_number))
            rows.append(
                {
                    "document_id": document_id,
                    "line_no": ref.line_no,
                    "ref_type": ref.ref_type[:8],
                    "ref_folio": _cut(ref.folio, 40),
                    "ref_folio_number": ref.folio_number,
                    "ref_issuer_rut": issuer,
                    "ref_date": ref.ref_date,
                    "ref_code": ref.code,
                    "reason": _cut(ref.reason, 200),
                    "target_document_id": target,
                    "applied": target is not None,
                }
            )
            if target is not None:
                targets.append(target)
        self.s.execute(self.sql["references"], rows)
        is_note = dte.identity.dte_type in CREDIT_NOTE_TYPES | DEBIT_NOTE_TYPES
        if is_note and targets:
            self.counts.notes_applied += 1
            for target in targets:
                self.event(
                    target,
                    "note_applied",
                    {
                        "note_id": document_id,
                        "dte_type": dte.identity.dte_type,
                        "folio": dte.identity.folio,
                    },
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
                update(_REFERENCES)
                .where(_REFERENCES.c.id == reference_id)
                .values(target_document_id=document_id, applied=True)
            )
            self.event(document_id, "note_applied", {"note_id": note_id})
        self.counts.notes_applied += len({note_id for _, note_id in waiting})
        ledger.recompute(self.s, document_id, self.settings.today, self.settings.lead_days)
        # A waiting note may itself be the target of a later note (a 56 cancelling a 61).
        for _, note_id in waiting:
            ledger.recompute(self.s, note_id, self.settings.today, self.settings.lead_days)

    # -- events about documents --------------------------------------------------------
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
        for pending in events:
            self.apply_event(document_id, pending.kind, pending.details)
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
        self.event(document_id, kind, details)

    def _event_for(self, identity: Identity, kind: str, details: dict[str, Any]) -> None:
        found = self._find(identity)
        if found is not None:
            self.apply_event(found[0], kind, details)
            return
        self.batch.waiting_identities.add(identity)
        self.s.add(
            PendingEvent(
                issuer_rut=identity.issuer_rut,
                dte_type=identity.dte_type,
                folio=identity.folio,
                kind=kind,
                details=details,
                ingest_id=self.record_id,
            )
        )

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
        rejected = result.status == REJECTED_BY_CUSTOMER
        kind = "commercial_rejection" if rejected else "commercial_acceptance"
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
    def customer(self, party: Party) -> _CustomerRow:
        foreign_id = ""
        if rut_rules.is_foreign_placeholder(party.rut):
            foreign_id = (party.foreign_id or (party.name or "").upper())[:60]
        key = (party.rut, foreign_id)
        email = party.email if party.email and _EMAIL.match(party.email) else None
        values: dict[str, str | None] = {
            "name": (party.name or party.rut)[:200],
            "address": _cut(party.address, 200),
            "commune": _cut(party.commune, 100),
            "city": _cut(party.city, 100),
            "email": email,
        }
        row = self.loader.customers.get(key)
        if row is None:
            row = self._create_customer(party.rut, foreign_id, values)
            self.loader.customers[key] = row
        elif not row.edited:
            changed = {k: v for k, v in values.items() if v and row.values.get(k) != v}
            if changed:
                self.s.execute(
                    update(_CUSTOMERS)
                    .where(Customer.id == row.id)
                    .values(**changed, updated_at=utcnow())
                )
                row.values.update(changed)
        self.contact(row, party, email)
        return row

    def _create_customer(
        self, rut: str, foreign_id: str, values: dict[str, str | None]
    ) -> _CustomerRow:
        """A customer the batch's prefetch did not find is new (if another program
        creates it meanwhile, the unique key fails and the batch is read again)."""
        # A Core insert built once, on the connection (no flush of the contacts added
        # so far: they go with the batch): the ORM's add-and-flush cost a millisecond a
        # customer, and building the statement per customer half of that.
        params = {"rut": rut, "foreign_id": foreign_id, **values}
        customer_id = self.s.connection().execute(self.sql["customer"], params).scalar_one()
        return _CustomerRow(customer_id, None, None, False, dict(values), set())

    def contact(self, customer: _CustomerRow, party: Party, email: str | None) -> None:
        text = (party.contact or "").strip()
        phone = text if _PHONE.match(text) else None
        name = text if text and not any(ch.isdigit() for ch in text) and len(text) <= 80 else None
        if email:
            key = f"e:{email.lower()}"
        elif phone:
            key = f"p:{phone.lower()}"
        elif name:
            key = f"n:{name.lower()}"
        else:
            return
        if key in customer.contacts:
            return
        customer.contacts.add(key)
        self.s.add(
            Contact(
                customer_id=customer.id,
                name=(name or email or phone or "")[:200],
                phone=phone,
                email=email,
                source="ingest",
            )
        )


def _cut(value: str | None, size: int) -> str | None:
    return value[:size] if value else None
