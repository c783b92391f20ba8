"""XML signature checks on the real samples: intact ones pass, tampered ones fail, and
certificates are judged at signing time (they have all expired since)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from totalfact_tui.domain.dte.parse import parse_file
from totalfact_tui.domain.dte.signature import verify_dte
from totalfact_tui.domain.dte.xml_safe import parse_xml

INTACT = [
    "cl-sii/DTE--76354771-K--33--170--cleaned.xml",
    "cl-sii/DTE--76354771-K--33--170.xml",  # no xmlns: verifies once it is added back
    "cl-sii/DTE--60910000-1--33--2336600.xml",  # CRLF: verifies as received
    "cl-sii/DTE--96670340-7--61--110616.xml",
    "mediabox-cert/F000013T33.xml",
    "mediabox-cert/BASICO_762352915.xml",
]
MOD = "cl-sii/DTE--76354771-K--33--170--cleaned-mod"
TAMPERED = {
    f"{MOD}-changed-monto.xml": "ingest.signature_digest",
    f"{MOD}-empty-emails.xml": "ingest.signature_digest",
    f"{MOD}-bad-cert.xml": "ingest.signature_certificate",
    f"{MOD}-replaced-cert.xml": "ingest.signature_invalid",
    f"{MOD}-removed-signature.xml": "ingest.signature_missing",
    "libredte/F60T33-ejemplo-oficial-SII.xml": "ingest.signature_digest",
}


def dtes(path: Path) -> list[etree._Element]:
    root = parse_xml(path.read_bytes(), max_bytes=10**8)
    if etree.QName(root).localname == "DTE":
        return [root]
    return list(root.iterfind("{*}SetDTE/{*}DTE"))


@pytest.mark.parametrize("name", INTACT)
def test_intact_documents_verify(shared_dir: Path, name: str) -> None:
    for dte in dtes(shared_dir / "dte-samples" / name):
        result = verify_dte(dte)
        assert result.valid, (name, result)


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_documents_fail_with_the_reason(shared_dir: Path, name: str) -> None:
    (dte,) = dtes(shared_dir / "dte-samples" / name)
    result = verify_dte(dte)
    assert not result.valid
    assert result.reason == TAMPERED[name]


def test_certificates_are_judged_at_signing_time(shared_dir: Path) -> None:
    from cryptography import x509

    path = shared_dir / "dte-samples/cl-sii/DTE--76354771-K--33--170--cleaned.xml"
    (dte,) = dtes(path)
    der = dte.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate") or ""
    import base64

    certificate = x509.load_der_x509_certificate(base64.b64decode("".join(der.split())))
    assert certificate.not_valid_after_utc < datetime.now(UTC)  # expired long ago...
    assert verify_dte(dte).valid  # ...but valid when the invoice was signed
    text = etree.tostring(dte).replace(b"2019-04-01T01:36:40", b"2024-04-01T01:36:40")
    moved = etree.fromstring(text)
    # Changing TmstFirma breaks the digest first: the time is part of what is signed.
    assert verify_dte(moved).reason == "ingest.signature_digest"


def test_parse_file_rejects_bad_signatures_only_when_asked(shared_dir: Path) -> None:
    data = (
        shared_dir / "dte-samples/cl-sii/DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml"
    ).read_bytes()
    assert len(parse_file(data).documents) == 1
    checked = parse_file(data, verify_signatures=True)
    assert not checked.documents
    assert [p.key for p in checked.rejected] == ["ingest.signature_digest"]
    assert checked.rejected[0].document == "76354771-K 33 170"
