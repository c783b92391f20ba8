"""Generated documents survive the trip through XML, and are valid SII XML."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.dte_factory import Doc, Ref, envelope, single
from totalfact_tui.domain import rut
from totalfact_tui.domain.dte.parse import parse_file

ALPHABET = "abcdefghijklmnopqrstuvwxyzñáéíóúüÑÁÉÍÓÚ ABCDEFGHIJKLMNOPQRSTUVWXYZ&'.-"
names = (
    st.text(alphabet=ALPHABET, min_size=1, max_size=40)
    .map(" ".join)
    .filter(lambda text: text.strip() == text and "  " not in text and text)
)
ruts = st.integers(min_value=1_000_000, max_value=99_999_999).map(rut.make)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    issued = draw(days)
    dte_type = draw(st.sampled_from([33, 34, 61, 56]))
    references = []
    if dte_type in (61, 56):
        references.append(
            Ref(
                "33",
                str(draw(st.integers(1, 10**9))),
                issued,
                draw(st.sampled_from([1, 2, 3])),
                draw(st.none() | names),
            )
        )
    if draw(st.booleans()):
        references.append(
            Ref("801", draw(st.from_regex(r"[A-Z0-9]{3,18}", fullmatch=True)), issued)
        )
    return Doc(
        folio=draw(st.integers(1, 10**9)),
        dte_type=dte_type,
        issue_date=issued,
        due_date=issued + timedelta(days=draw(st.integers(0, 120))),
        issuer_rut=draw(ruts),
        issuer_name=draw(names),
        receiver_rut=draw(ruts),
        receiver_name=draw(names),
        contact=draw(st.none() | names),
        net=draw(st.integers(0, 10**11)),
        references=references,
        item=draw(names),
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans())
def test_documents_round_trip_through_xml(doc: Doc, namespaced: bool) -> None:
    parsed = parse_file(single(doc, namespace=namespaced))
    assert not parsed.rejected, parsed.rejected
    (dte,) = parsed.documents
    net, exempt, tax, total = doc.amounts()
    assert (dte.identity.issuer_rut, dte.identity.dte_type, dte.identity.folio) == (
        doc.issuer_rut,
        doc.dte_type,
        doc.folio,
    )
    assert (dte.issue_date, dte.due_date) == (doc.issue_date, doc.due_date)
    assert (dte.net, dte.exempt, dte.tax, dte.total) == (net, exempt, tax, total)
    assert (dte.issuer.name, dte.receiver.name, dte.receiver.rut) == (
        doc.issuer_name,
        doc.receiver_name,
        doc.receiver_rut,
    )
    assert dte.receiver.contact == doc.contact
    assert [(r.ref_type, r.folio, r.code) for r in dte.references] == [
        (r.ref_type, r.folio, r.code) for r in doc.references
    ]
    assert dte.lines[0].name == doc.item


@pytest.fixture(scope="module")
def schemas(shared_dir_module: Path) -> dict[str, etree.XMLSchema]:
    folder = shared_dir_module / "sii-schemas"
    return {
        name: etree.XMLSchema(etree.parse(str(folder / f"{name}_v10.xsd")))
        for name in ("DTE", "EnvioDTE")
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(documents(), min_size=1, max_size=4, unique_by=lambda d: (d.dte_type, d.folio)))
def test_generated_documents_are_valid_sii_xml(
    schemas: dict[str, etree.XMLSchema], docs: list[Doc]
) -> None:
    for doc in docs:
        tree = etree.fromstring(single(doc))
        assert schemas["DTE"].validate(tree), schemas["DTE"].error_log.last_error
    tree = etree.fromstring(envelope(*docs))
    assert schemas["EnvioDTE"].validate(tree), schemas["EnvioDTE"].error_log.last_error
