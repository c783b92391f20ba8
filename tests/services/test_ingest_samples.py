"""Every real sample in ../shared/dte-samples loads, or is skipped or rejected for a
stated reason; field-level checks on several (amounts, dates, RUTs, accented names)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from totalfact_tui.db.models import Customer, Document, DocumentReference
from totalfact_tui.domain.dte.parse import parse_file
from totalfact_tui.domain.dte.xml_safe import XmlFileError
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.ingest import IngestSettings, ingest_paths

SETTINGS = IngestSettings(today=date(2026, 11, 26))

#: file -> (outcome, detail): "load" (documents), "events", "reject" (message key),
#: "fail" (file-level key), "conflict".
EXPECTED: dict[str, tuple[str, object]] = {
    "cl-sii/AEC--76354771-K--33--170--SEQ-2.xml": ("events", 1),
    "cl-sii/AEC--76399752-9--33--25568--SEQ-1.xml": ("events", 1),
    "cl-sii/DTE--60910000-1--33--2336600.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned-mod-bad-cert.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned-mod-empty-emails.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned-mod-removed-signature.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned-mod-replaced-cert.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170--cleaned.xml": ("load", 1),
    "cl-sii/DTE--76354771-K--33--170.xml": ("load", 1),
    "cl-sii/DTE--76399752-9--33--25568.xml": ("load", 1),
    "cl-sii/DTE--96670340-7--61--110616.xml": ("load", 1),
    "cl-sii/billion-laughs-1.xml": ("fail", "ingest.doctype"),
    "cl-sii/external-entity-expansion-remote.xml": ("fail", "ingest.doctype"),
    "cl-sii/quadratic-blowup-entity-expansion.xml": ("fail", "ingest.doctype"),
    "libredte/033_001_simple.xml": ("reject", "ingest.missing_field"),
    "libredte/F60T33-ejemplo-oficial-SII.xml": ("load", 1),
    "mediabox-cert/BASICO_762352915.xml": ("load", 8),
    "mediabox-cert/EXPORTACION1_762352915.xml": ("load", 3),
    "mediabox-cert/F000001T110.xml": ("load", 1),
    "mediabox-cert/F000001T46.xml": ("load", 1),
    "mediabox-cert/F000001T56.xml": ("load", 1),
    "mediabox-cert/F000001T61.xml": ("load", 1),
    "mediabox-cert/F000002T52.xml": ("load", 1),
    "mediabox-cert/F000013T33.xml": ("load", 1),
    "mediabox-cert/FACTURAS_COMPRA_762352915.xml": ("load", 3),
    "other/carlosveliz--ready_to_upload_52.xml": ("reject", "ingest.bad_rut"),
    "synthetic/EnvioRecibos_acuse_mercaderias.xml": ("events", 1),
    "synthetic/RespuestaDTE_recepcion_envio.xml": ("events", 1),
    "synthetic/RespuestaDTE_resultado_comercial.xml": ("events", 1),
    "synthetic/encoding_latin1_without_declaration.xml": ("load", 1),
    "synthetic/encoding_utf8_bytes_declared_latin1.xml": ("load", 1),
}


def samples(shared: Path) -> Path:
    return shared / "dte-samples"


def test_every_sample_is_accounted_for(shared_dir: Path) -> None:
    found = {str(p.relative_to(samples(shared_dir))) for p in samples(shared_dir).rglob("*.xml")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_parses_as_expected(shared_dir: Path, name: str) -> None:
    outcome, detail = EXPECTED[name]
    data = (samples(shared_dir) / name).read_bytes()
    if outcome == "fail":
        with pytest.raises(XmlFileError) as info:
            parse_file(data)
        assert info.value.key == detail
        return
    parsed = parse_file(data)
    if outcome == "load":
        assert len(parsed.documents) == detail and not parsed.rejected
    elif outcome == "reject":
        assert not parsed.documents
        assert [problem.key for problem in parsed.rejected] == [detail]
    else:
        assert len(parsed.cessions) + len(parsed.results) + len(parsed.receipts) == detail


def test_field_level_extraction(shared_dir: Path) -> None:
    base = samples(shared_dir)
    note = parse_file((base / "cl-sii/DTE--96670340-7--61--110616.xml").read_bytes()).documents[0]
    assert note.identity.label() == "96670340-7 61 110616"
    assert note.payment_terms_text == "Crédito"
    assert (note.net, note.tax, note.total) == (48_190_822, 9_156_256, 57_347_078)
    assert (note.issue_date, note.due_date, note.due_date_rule.value) == (
        date(2019, 8, 2),
        date(2019, 9, 1),
        "fch_venc",
    )
    assert note.references[0].ref_type == "33"
    assert (note.references[0].folio_number, note.references[0].code) == (115885, 3)
    # The two re-encoded copies read exactly like the original.
    for variant in (
        "encoding_latin1_without_declaration.xml",
        "encoding_utf8_bytes_declared_latin1.xml",
    ):
        copy = parse_file((base / "synthetic" / variant).read_bytes()).documents[0]
        assert copy.payment_terms_text == "Crédito"
        assert copy == note
    invoice = parse_file((base / "cl-sii/DTE--76354771-K--33--170.xml").read_bytes()).documents[0]
    assert invoice.receiver.rut == "96790240-3"
    assert invoice.receiver.contact == "Felipe Barria"
    purchase_order = invoice.references[0]
    assert (purchase_order.ref_type, purchase_order.folio, purchase_order.folio_number) == (
        "801",
        "4510083633",
        None,
    )
    export = parse_file((base / "mediabox-cert/EXPORTACION1_762352915.xml").read_bytes()).documents
    factura = next(d for d in export if d.identity.dte_type == 110)
    assert (factura.currency, factura.total_foreign, factura.total) == (
        "USD",
        Decimal("30276.00"),
        28_092_192,
    )
    assert factura.receiver.rut == "55555555-5"
    ecuador = parse_file((base / "mediabox-cert/F000001T110.xml").read_bytes()).documents[0]
    assert (ecuador.receiver.foreign_id, ecuador.receiver.name) == (
        "1792060346001",
        "COMERCIALIZADORA ECUADOR LTDA",
    )
    within = parse_file((base / "mediabox-cert/F000002T52.xml").read_bytes()).documents[0]
    assert within.receiver.name == "Diseño y Entretenimientos Within Play Ltda."
    zero_padded = parse_file((base / "mediabox-cert/F000001T61.xml").read_bytes()).documents[0]
    assert zero_padded.references[-1].folio == "000001"
    assert zero_padded.references[-1].folio_number == 1


def test_whole_corpus_loads_into_the_database(shared_dir: Path, db_url: str) -> None:
    database = open_app_database(db_url)
    register_own_company(database, "76235291-5", "Within Play")
    register_own_company(database, "76354771-K", "Enacon")
    summary = ingest_paths(database, [samples(shared_dir)], SETTINGS)
    assert summary.files == len(EXPECTED)
    assert summary.rejected == 5  # three attacks, the unsigned draft, the masked-RUT guide
    assert summary.conflicts == 2  # the changed amount and the emptied e-mails of folio 170
    assert summary.ceded == 2
    with database.read() as session:
        ceded = session.scalars(select(Document).where(Document.folio == 170)).one()
        assert (ceded.ceded, ceded.state, ceded.ceded_to_rut) == (True, "cedida", "76598556-0")
        rejected = session.scalars(
            select(Document).where(
                Document.issuer_rut == "76235291-5", Document.folio == 13, Document.dte_type == 33
            )
        ).one()
        assert rejected.state == "rechazada"
        credited = session.scalars(
            select(Document).where(
                Document.issuer_rut == "76235291-5", Document.dte_type == 33, Document.folio == 18
            )
        ).one()
        assert credited.balance == 7_947_392 - 3_901_508
        annulled = session.scalars(
            select(Document).where(
                Document.issuer_rut == "76235291-5", Document.dte_type == 33, Document.folio == 19
            )
        ).one()
        assert (annulled.state, annulled.balance) == ("anulada", 0)
        export = session.scalars(
            select(Document).where(Document.dte_type == 110, Document.folio == 13)
        ).one()
        assert export.balance == 28_092_192 - 9_409_175  # the 112 credit note
        foreign = session.scalars(select(Customer).where(Customer.rut == "55555555-5")).all()
        assert len({c.foreign_id for c in foreign}) == len(foreign) >= 2
        purchase_orders = session.scalars(
            select(DocumentReference.ref_folio).where(DocumentReference.ref_type == "801")
        ).all()
        assert "4510083633" in purchase_orders
    database.dispose()


def test_verified_load_refuses_tampered_copies(shared_dir: Path, sqlite_url: str) -> None:
    database = open_app_database(sqlite_url)
    register_own_company(database, "76354771-K", "Enacon")
    settings = IngestSettings(today=date(2026, 11, 26), verify_signatures=True)
    summary = ingest_paths(database, [samples(shared_dir) / "cl-sii"], settings)
    reasons = {issue.key for issue in summary.errors}
    assert {
        "ingest.signature_digest",
        "ingest.signature_invalid",
        "ingest.signature_missing",
        "ingest.signature_certificate",
    } <= reasons
    assert summary.conflicts == 0  # tampered copies never reach the conflict check
    with database.read() as session:
        kept = session.scalars(select(Document).where(Document.folio == 170)).one()
        assert kept.total_amount == 2_996_301  # the intact amount, not the changed one
    database.dispose()
