"""Ingest: every document loads right once, bad input is refused with a reason, and the
order of the files never changes the result."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.dte_factory import (
    CUSTOMER_RUT,
    OWN_RUT,
    Doc,
    Ref,
    aec,
    commercial_result,
    envelope,
    receipt_ack,
    single,
)
from totalfact_tui.db.models import (
    Contact,
    Customer,
    Document,
    DocumentEvent,
    DocumentReference,
    IngestRecord,
    PendingEvent,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.ingest import IngestSettings, IngestSummary, ingest_bytes, ingest_paths
from totalfact_tui.services.ingest_sources import Limits

TODAY = date(2026, 1, 20)
SETTINGS = IngestSettings(today=TODAY)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_app_database(db_url)
    register_own_company(database, OWN_RUT, "Distribuidora Los Andes SpA")
    yield database
    database.dispose()


def load(database: Database, name: str, data: bytes) -> IngestSummary:
    return ingest_bytes(database, name, data, SETTINGS)


def document(database: Database, dte_type: int, folio: int, issuer: str = OWN_RUT) -> Document:
    with database.read() as session:
        found = session.scalars(
            select(Document).where(
                Document.issuer_rut == issuer,
                Document.dte_type == dte_type,
                Document.folio == folio,
            )
        ).one()
    return found


def count(database: Database, model: type) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --------------------------------------------------------------------------- basics


def test_a_new_invoice_gets_customer_contact_state_and_agenda_date(database: Database) -> None:
    summary = load(database, "f1.xml", single(Doc(1, due_date=date(2026, 2, 9))))
    assert (summary.files, summary.documents, summary.new, summary.rejected) == (1, 1, 1, 0)
    invoice = document(database, 33, 1)
    assert invoice.kind == "receivable" and invoice.collectable and invoice.is_open
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        100_000,
        19_000,
        119_000,
    )
    assert invoice.balance == 119_000
    assert invoice.state == "nueva"
    assert invoice.next_action_date == date(2026, 2, 6)  # due date minus the 3-day lead
    assert invoice.agenda_reason == "first_action"
    with database.read() as session:
        customer = session.scalars(select(Customer)).one()
        assert (customer.rut, customer.name) == (CUSTOMER_RUT, "Minera Los Pelambres")
        contact = session.scalars(select(Contact)).one()
        assert (contact.name, contact.email, contact.source) == (
            "Felipe Barría",
            "pagos@pelambres.cl",
            "ingest",
        )
    overdue = load(database, "f2.xml", single(Doc(2, due_date=date(2026, 1, 2))))
    assert overdue.new == 1
    assert document(database, 33, 2).state == "vencida"


def test_the_same_file_twice_is_a_fast_no_op(database: Database) -> None:
    data = envelope(Doc(1), Doc(2), Doc(3))
    first = load(database, "a.xml", data)
    assert first.new == 3
    started = time.perf_counter()
    again = load(database, "a-copy.xml", data)
    assert time.perf_counter() - started < 0.5
    assert (again.new, again.duplicates, again.documents) == (0, 3, 3)
    assert count(database, Document) == 3
    assert count(database, IngestRecord) == 1


def test_the_same_bytes_twice_in_one_batch_count_as_duplicates(database: Database) -> None:
    from totalfact_tui.services.ingest import ingest_sources
    from totalfact_tui.services.ingest_sources import Source

    data = envelope(Doc(1), Doc(2))
    summary = ingest_sources(
        database,
        [Source("a.xml", data), Source("lote.zip!a.xml", data)],
        IngestSettings(today=date(2026, 3, 2)),
    )
    assert (summary.documents, summary.new, summary.duplicates) == (4, 2, 2)
    assert count(database, Document) == 2


def test_the_same_document_in_another_file_is_a_duplicate(database: Database) -> None:
    load(database, "single.xml", single(Doc(7)))
    summary = load(database, "envelope.xml", envelope(Doc(7), Doc(8)))
    assert (summary.new, summary.duplicates, summary.conflicts) == (1, 1, 0)
    assert count(database, Document) == 2


def test_same_identity_other_content_is_a_recorded_conflict(database: Database) -> None:
    load(database, "original.xml", single(Doc(9, net=100_000)))
    summary = load(database, "tampered.xml", single(Doc(9, net=90_000)))
    assert (summary.new, summary.conflicts) == (0, 1)
    kept = document(database, 33, 9)
    assert kept.total_amount == 119_000
    assert kept.conflict == "tampered.xml"
    with database.read() as session:
        record = session.scalars(
            select(IngestRecord).where(IngestRecord.source == "tampered.xml")
        ).one()
        assert record.conflicts == 1
        kinds = set(
            session.scalars(select(DocumentEvent.kind).where(DocumentEvent.document_id == kept.id))
        )
        assert "conflict" in kinds
    assert summary.errors[0].key == "ingest.conflict"


def test_direction_payable_misrouted_and_never_collected(database: Database) -> None:
    load(database, "payable.xml", single(Doc(1, issuer_rut="96790240-3", receiver_rut=OWN_RUT)))
    load(
        database,
        "misrouted.xml",
        single(Doc(2, issuer_rut="96790240-3", receiver_rut="60803000-K")),
    )
    load(database, "guide.xml", single(Doc(3, dte_type=52, net=0)))
    load(database, "compra.xml", single(Doc(4, dte_type=46)))
    payable = document(database, 33, 1, issuer="96790240-3")
    assert (payable.kind, payable.collectable, payable.is_open) == ("payable", False, False)
    misrouted = document(database, 33, 2, issuer="96790240-3")
    assert misrouted.kind == "misrouted"
    guide = document(database, 52, 3)
    assert (guide.kind, guide.collectable, guide.next_action_date) == ("receivable", False, None)
    compra = document(database, 46, 4)
    assert (compra.kind, compra.collectable) == ("payable", False)


def test_due_date_rules(database: Database) -> None:
    issued = date(2026, 1, 10)
    docs = [
        Doc(1, due_date=date(2026, 3, 1)),
        Doc(
            2,
            due_date=None,
            installments=[(date(2026, 2, 15), 60_000), (date(2026, 3, 15), 59_000)],
        ),
        Doc(3, due_date=None, terms_days=45),
        Doc(4, due_date=None, payment_form=1),
        Doc(5, due_date=None, payment_form=2),
    ]
    load(database, "due.xml", envelope(*docs))
    expected = {
        1: (date(2026, 3, 1), "fch_venc"),
        2: (date(2026, 2, 15), "mnt_pagos"),
        3: (date(2026, 2, 24), "term_pago_dias"),
        4: (issued, "contado"),
        5: (date(2026, 2, 9), "default_term"),
    }
    for folio, (due, rule) in expected.items():
        invoice = document(database, 33, folio)
        assert (invoice.due_date, invoice.due_date_rule) == (due, rule), folio


# --------------------------------------------------------------------------- notes in any order


NOTE_CASES = {
    "partial credit": (
        [Doc(20, dte_type=61, net=20_000, references=[Ref("33", "10", code=3)])],
        119_000 - 23_800,
        "vencida",
    ),
    "annulment": ([Doc(21, dte_type=61, references=[Ref("33", "000010", code=1)])], 0, "anulada"),
    "text only": (
        [Doc(22, dte_type=61, net=0, tax=0, references=[Ref("33", "10", code=2)])],
        119_000,
        "vencida",
    ),
    "debit": (
        [Doc(23, dte_type=56, net=10_000, references=[Ref("33", "10", code=3)])],
        119_000 + 11_900,
        "vencida",
    ),
    "annulment cancelled": (
        [
            Doc(24, dte_type=61, references=[Ref("33", "10", code=1)]),
            Doc(25, dte_type=56, references=[Ref("61", "24", code=1)]),
        ],
        119_000,
        "vencida",
    ),
}


@pytest.mark.parametrize("case", NOTE_CASES)
@pytest.mark.parametrize("invoice_first", [True, False])
def test_notes_give_the_same_result_in_any_order(
    sqlite_url: str, case: str, invoice_first: bool
) -> None:
    database = open_app_database(sqlite_url)
    register_own_company(database, OWN_RUT, "Andes")
    notes, balance, state = NOTE_CASES[case]
    invoice = single(Doc(10, due_date=date(2026, 1, 15)))
    files = [("invoice.xml", invoice)] + [(f"note{n.folio}.xml", single(n)) for n in notes]
    if not invoice_first:
        files = files[1:] + files[:1]
    applied = 0
    for name, data in files:
        applied += load(database, name, data).notes_applied
    result = document(database, 33, 10)
    assert (result.balance, result.state) == (balance, state)
    assert result.is_open == (state != "anulada")
    assert applied >= 1
    with database.read() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(DocumentReference)
            .where(
                DocumentReference.ref_folio_number.is_not(None),
                DocumentReference.target_document_id.is_(None),
            )
        )
    assert pending == 0
    database.dispose()


def test_the_same_corpus_twice_gives_identical_contents(sqlite_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.xml").write_bytes(envelope(Doc(1), Doc(2, dte_type=34)))
    (corpus / "b.xml").write_bytes(
        single(Doc(3, dte_type=61, net=5000, references=[Ref("33", "1", code=3)]))
    )
    (corpus / "c.xml").write_bytes(aec(Doc(2, dte_type=34)))
    database = open_app_database(sqlite_url)
    register_own_company(database, OWN_RUT, "Andes")

    def snapshot() -> list[tuple[object, ...]]:
        with database.read() as session:
            return [
                tuple(row)
                for row in session.execute(
                    select(
                        Document.dte_type,
                        Document.folio,
                        Document.balance,
                        Document.state,
                        Document.ceded,
                        Document.version,
                    ).order_by(Document.id)
                )
            ] + [
                (count(database, table),)
                for table in (DocumentEvent, Customer, Contact, IngestRecord)
            ]

    first = ingest_paths(database, [corpus], SETTINGS)
    assert first.new == 3 and first.ceded == 1 and first.notes_applied == 1
    before = snapshot()
    second = ingest_paths(database, [corpus], SETTINGS)
    assert second.new == 0 and second.duplicates == first.documents
    assert snapshot() == before
    database.dispose()


# --------------------------------------------------------------------------- events


def test_cession_rejection_and_receipts_before_or_after_the_invoice(database: Database) -> None:
    load(database, "aec.xml", aec(Doc(30)))  # before its invoice: waits
    load(database, "reject.xml", commercial_result(Doc(31)))
    assert count(database, PendingEvent) == 2
    load(database, "invoices.xml", envelope(Doc(30), Doc(31), Doc(32)))
    assert count(database, PendingEvent) == 0
    ceded = document(database, 33, 30)
    assert (ceded.ceded, ceded.ceded_to_rut, ceded.state, ceded.is_open) == (
        True,
        "76389992-6",
        "cedida",
        False,
    )
    rejected = document(database, 33, 31)
    assert (rejected.state, rejected.is_open) == ("rechazada", False)
    load(database, "ack.xml", receipt_ack(Doc(32)))
    with database.read() as session:
        kinds = set(
            session.scalars(
                select(DocumentEvent.kind).where(
                    DocumentEvent.document_id == document(database, 33, 32).id
                )
            )
        )
    assert "receipt_ack" in kinds


def test_a_copy_inside_an_aec_is_not_a_new_invoice(database: Database) -> None:
    summary = load(database, "aec.xml", aec(Doc(40)))
    assert summary.new == 0 and summary.ceded == 1
    assert count(database, Document) == 0


def test_admin_edits_are_never_overwritten(database: Database) -> None:
    load(database, "one.xml", single(Doc(1)))
    with database.write() as session:
        customer = session.scalars(select(Customer)).one()
        customer.name = "Minera Los Pelambres (casa matriz)"
        customer.edited_by_user = True
    load(database, "two.xml", single(Doc(2, receiver_name="MINERA LP")))
    with database.read() as session:
        assert session.scalars(select(Customer)).one().name == "Minera Los Pelambres (casa matriz)"
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_foreign_customers_are_told_apart(database: Database) -> None:
    load(
        database,
        "exp.xml",
        envelope(
            Doc(1, receiver_rut="55555555-5", receiver_name="Importadora Argentina"),
            Doc(2, receiver_rut="55555555-5", receiver_name="Comercial Ecuador"),
        ),
    )
    with database.read() as session:
        names = sorted(session.scalars(select(Customer.foreign_id)))
    assert names == ["COMERCIAL ECUADOR", "IMPORTADORA ARGENTINA"]


# --------------------------------------------------------------------------- bad input


HOSTILE: dict[str, tuple[bytes, str]] = {
    "billion_laughs.xml": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{"&lol" + ("" if i == 1 else str(i - 1)) + ";" * 1}'.encode() * 1
            + b'">'
            for i in range(1, 10)
        )
        + b"]><lolz>&lol9;</lolz>",
        "ingest.doctype",
    ),
    "xxe.xml": (
        b'<?xml version="1.0"?><!DOCTYPE DTE [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<DTE><Documento>&x;</Documento></DTE>",
        "ingest.doctype",
    ),
    "truncated.xml": (single(Doc(1))[:700], "ingest.not_xml"),
    "junk.xml": (bytes(range(256)) * 40, "ingest.not_xml"),
    "empty.xml": (b"   \n", "ingest.empty"),
    "wrong_encoding.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><DTE><Documento><Encabezado><IdDoc>'
        "<TipoDTE>33</TipoDTE><Folio>5</Folio></IdDoc><Emisor><RznSoc>Compañía</RznSoc>"
        "</Emisor></Encabezado></Documento></DTE>".encode("iso-8859-1"),
        "ingest.not_xml",
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_with_a_reason(database: Database, name: str) -> None:
    data, key = HOSTILE[name]
    started = time.perf_counter()
    summary = load(database, name, data)
    assert time.perf_counter() - started < 2
    assert summary.rejected == 1 and summary.new == 0
    assert [issue.key for issue in summary.errors] == [key]
    assert count(database, Document) == 0
    with database.read() as session:
        record = session.scalars(select(IngestRecord)).one()
        assert (record.status, record.error) == ("failed", key)


def test_xxe_never_reads_the_local_file(database: Database, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE DTE [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<DTE><Documento>&x;</Documento></DTE>"
    ).encode()
    summary = load(database, "xxe.xml", data)
    assert summary.errors[0].key == "ingest.doctype"
    with database.read() as session:
        stored = " ".join(str(v) for v in session.scalars(select(IngestRecord.details)))
    assert "TOPSECRET" not in stored


def test_a_50_mb_file_is_refused_before_parsing(database: Database, tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><DTE>')
        handle.write(b"<x>" + b"a" * (50 * 1_048_576) + b"</x>")
        handle.write(b"</DTE>")
    started = time.perf_counter()
    summary = ingest_paths(database, [big], SETTINGS)
    assert time.perf_counter() - started < 2
    assert summary.errors[0].key == "ingest.too_large"
    assert summary.errors[0].params["limit_mb"] == "20"


DOCUMENT_PROBLEMS = {
    "bad check digit": (Doc(1, receiver_rut="96790240-4"), "ingest.bad_rut", {"field": "RUTRecep"}),
    "unknown type": (Doc(2, dte_type=99), "ingest.unknown_type", {"value": "99"}),
    "totals": (Doc(3, total=120_000), "ingest.totals_mismatch", {"total": 120_000}),
    "ted": (Doc(4, ted_amount=1), "ingest.ted_mismatch", {"ted": "1"}),
}


def test_bad_documents_are_rejected_and_the_rest_of_the_envelope_loads(database: Database) -> None:
    bad = [case[0] for case in DOCUMENT_PROBLEMS.values()]
    summary = load(database, "mixed.xml", envelope(Doc(50), *bad, Doc(51)))
    assert summary.new == 2
    assert summary.rejected == len(bad)
    assert summary.documents == 2 + len(bad)
    by_key = {issue.key: issue for issue in summary.errors}
    for _doc, key, params in DOCUMENT_PROBLEMS.values():
        assert key in by_key
        for name, value in params.items():
            assert by_key[key].params[name] == value
    assert count(database, Document) == 2


def test_empty_folio_and_decimal_amounts_are_rejected(database: Database) -> None:
    data = single(Doc(60)).replace(b"<Folio>60</Folio>", b"<Folio></Folio>")
    assert load(database, "nofolio.xml", data).errors[0].params == {"field": "Folio"}
    data = single(Doc(61)).replace(b"<MntTotal>119000</MntTotal>", b"<MntTotal>119000.5</MntTotal>")
    issue = load(database, "decimal.xml", data).errors[0]
    assert (issue.key, issue.params["field"]) == ("ingest.decimal_amount", "MntTotal")


def test_envelope_count_mismatch_is_a_warning(database: Database) -> None:
    summary = load(database, "env.xml", envelope(Doc(70), Doc(71), declared={33: 3}))
    assert summary.new == 2
    assert summary.warnings[0].key == "ingest.envelope_count"
    assert summary.warnings[0].params == {"dte_type": "33", "declared": 3, "found": 2}


def test_not_a_dte_is_skipped_with_its_root(database: Database) -> None:
    summary = load(database, "feed.xml", b"<?xml version='1.0'?><rss><channel/></rss>")
    assert (summary.skipped, summary.rejected) == (1, 0)
    assert summary.errors[0].params == {"root": "rss"}


def test_no_own_company_is_a_clear_error(sqlite_url: str) -> None:
    database = open_app_database(sqlite_url)
    with pytest.raises(TotalfactError) as info:
        load(database, "a.xml", single(Doc(1)))
    assert info.value.key == "ingest.no_own_company"
    database.dispose()


# --------------------------------------------------------------------------- sources


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_folders_and_zip_archives(database: Database, tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "one.xml").write_bytes(single(Doc(1)))
    (tmp_path / "in" / "sub" / "two.XML").write_bytes(single(Doc(2)))
    (tmp_path / "in" / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "in" / "batch.zip").write_bytes(
        _zip({"a/three.xml": single(Doc(3)), "four.xml": single(Doc(4)), "readme.txt": b"hi"})
    )
    summary = ingest_paths(database, [tmp_path / "in"], SETTINGS)
    assert (summary.files, summary.new) == (4, 4)
    with database.read() as session:
        sources = set(session.scalars(select(IngestRecord.source)))
    assert any(source.endswith("batch.zip!a/three.xml") for source in sources)


def test_zip_bombs_are_refused_before_inflating(database: Database, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_zip({"zeros.xml": b"0" * (30 * 1_048_576)}))
    summary = ingest_paths(database, [bomb], SETTINGS)
    assert summary.errors[0].key == "ingest.zip_limits"
    small_limits = IngestSettings(today=TODAY, limits=Limits(max_zip_members=2))
    many = tmp_path / "many.zip"
    many.write_bytes(_zip({f"{i}.xml": single(Doc(i)) for i in range(1, 5)}))
    assert ingest_paths(database, [many], small_limits).errors[0].key == "ingest.zip_limits"
    assert count(database, Document) == 0


def test_a_missing_path_fails_before_anything_loads(database: Database, tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(single(Doc(1)))
    with pytest.raises(TotalfactError) as info:
        ingest_paths(database, [good, tmp_path / "nope"], SETTINGS)
    assert info.value.key == "ingest.no_such_path"
    assert count(database, Document) == 0
