"""XML signature check of a DTE (XML-DSig as the SII uses it), judged at signing time.

Each ``DTE`` carries a ``Signature`` whose ``Reference`` points at its ``Documento``
by ``ID``. The check: the canonical ``Documento`` hashes to ``DigestValue``; the
canonical ``SignedInfo`` verifies with the RSA key of the embedded certificate; the
certificate was valid at the document's ``TmstFirma`` (real certificates expire, so
"today" would reject every old invoice). Bytes are verified as received first; a
document without the SII namespace is tried again with it, because the signer's
software signed it namespaced and some mail systems strip it.

Needs the ``signatures`` extra (``cryptography``); imported only when used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"
SII_NS = "http://www.sii.cl/SiiDte"
_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
}
_SIGNATURES = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "sha256",
}
#: Local times in TmstFirma carry no zone: allow for Chile's offset either way.
_CLOCK_SLACK = timedelta(hours=24)


@dataclass(frozen=True)
class SignatureResult:
    valid: bool
    reason: str = ""  # a message key when not valid
    detail: str = ""


def _q(tag: str) -> str:
    return f"{{{DSIG}}}{tag}"


def _canonical(element: etree._Element, method: str) -> bytes:
    exclusive, comments = _C14N[method]
    return etree.tostring(element, method="c14n", exclusive=exclusive, with_comments=comments)


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


def _signed_at(document: etree._Element) -> datetime | None:
    for element in document.iter("{*}TmstFirma", "TmstFirma"):
        try:
            return datetime.fromisoformat((element.text or "").strip()).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _verify_once(dte: etree._Element) -> SignatureResult:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    signature = dte.find(_q("Signature"))
    if signature is None:
        return SignatureResult(False, "ingest.signature_missing")
    signed_info = signature.find(_q("SignedInfo"))
    reference = signed_info.find(_q("Reference")) if signed_info is not None else None
    if signed_info is None or reference is None:
        return SignatureResult(False, "ingest.signature_malformed", "SignedInfo/Reference")
    uri = reference.get("URI", "")
    target = next(
        (el for el in dte.iter() if uri.startswith("#") and el.get("ID") == uri[1:]), None
    )
    if target is None:
        return SignatureResult(False, "ingest.signature_malformed", f"Reference {uri}")
    c14n_method = _C14N_DEFAULT
    for transform in reference.iterfind(f"{_q('Transforms')}/{_q('Transform')}"):
        transform_name = transform.get("Algorithm", "")
        if transform_name in _C14N:
            c14n_method = transform_name
        elif transform_name != "http://www.w3.org/2000/09/xmldsig#enveloped-signature":
            return SignatureResult(False, "ingest.signature_unsupported", transform_name)
    digest_name = _DIGESTS.get(reference.find(_q("DigestMethod")).get("Algorithm", ""))  # type: ignore[union-attr]
    if digest_name is None:
        return SignatureResult(False, "ingest.signature_unsupported", "DigestMethod")
    try:
        expected = _b64(reference.findtext(_q("DigestValue")))
    except (ValueError, binascii.Error) as exc:
        return SignatureResult(False, "ingest.signature_malformed", str(exc))
    # The declared canonicalization first; then the exclusive form, which is what
    # signers that canonicalize the Documento on its own produce (and what lxml's
    # inclusive form of a sub-element under a default namespace should equal, but
    # does not: it emits spurious xmlns="" declarations).
    if not any(
        hashlib.new(digest_name, _canonical(target, form)).digest() == expected
        for form in dict.fromkeys([c14n_method, _EXCLUSIVE])
    ):
        return SignatureResult(False, "ingest.signature_digest")
    signature_method = signed_info.find(_q("SignatureMethod"))
    hash_name = _SIGNATURES.get(
        signature_method.get("Algorithm", "") if signature_method is not None else ""
    )
    canonicalization = signed_info.find(_q("CanonicalizationMethod"))
    si_method = canonicalization.get("Algorithm", "") if canonicalization is not None else ""
    if hash_name is None or si_method not in _C14N:
        return SignatureResult(False, "ingest.signature_unsupported", "SignatureMethod")
    try:
        certificate = x509.load_der_x509_certificate(
            _b64(signature.findtext(f"{_q('KeyInfo')}/{_q('X509Data')}/{_q('X509Certificate')}"))
        )
        key = certificate.public_key()
        value = _b64(signature.findtext(_q("SignatureValue")))
    except (ValueError, binascii.Error) as exc:
        return SignatureResult(False, "ingest.signature_certificate", str(exc)[:120])
    if not isinstance(key, rsa.RSAPublicKey):
        return SignatureResult(False, "ingest.signature_unsupported", "key")
    algorithm = hashes.SHA1() if hash_name == "sha1" else hashes.SHA256()  # noqa: S303
    for form in dict.fromkeys([si_method, _EXCLUSIVE]):
        try:
            key.verify(value, _canonical(signed_info, form), padding.PKCS1v15(), algorithm)
            break
        except InvalidSignature:
            continue
    else:
        return SignatureResult(False, "ingest.signature_invalid")
    signed_at = _signed_at(target)
    if signed_at is None:
        return SignatureResult(False, "ingest.signature_no_time")
    if not (
        certificate.not_valid_before_utc - _CLOCK_SLACK
        <= signed_at
        <= certificate.not_valid_after_utc + _CLOCK_SLACK
    ):
        return SignatureResult(
            False,
            "ingest.signature_expired",
            f"{certificate.not_valid_before_utc:%Y-%m-%d}..{certificate.not_valid_after_utc:%Y-%m-%d}",
        )
    return SignatureResult(True)


_C14N_DEFAULT = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _with_sii_namespace(dte: etree._Element) -> etree._Element:
    """The same DTE with the SII namespace declared (for documents that lost it)."""
    text = etree.tostring(dte)
    start = text.index(b"<DTE") + len(b"<DTE")
    patched = text[:start] + f' xmlns="{SII_NS}"'.encode() + text[start:]
    return etree.fromstring(patched, etree.XMLParser(resolve_entities=False, no_network=True))


def verify_dte(dte: etree._Element) -> SignatureResult:
    """Check one ``DTE`` element's signature: as received, then (if it has no
    namespace) as its signer saw it."""
    result = _verify_once(dte)
    if result.valid or etree.QName(dte).namespace is not None:
        return result
    if result.reason not in {"ingest.signature_digest", "ingest.signature_invalid"}:
        return result
    retried = _verify_once(_with_sii_namespace(dte))
    return retried if retried.valid else result
