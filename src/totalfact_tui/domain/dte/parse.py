"""Classify a DTE XML file by its root element and extract what collection needs.

Pure: bytes in, :class:`ParsedFile` out. A document that fails validation becomes a
:class:`Problem` naming the field, and the rest of the envelope still loads. Paths are
built once per namespace (``http://www.sii.cl/SiiDte`` or none) in Clark notation.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from lxml import etree

from totalfact_tui.domain import rut as rut_rules
from totalfact_tui.domain.dte.model import (
    Cession,
    CommercialResult,
    Dte,
    DueDateRule,
    FileKind,
    Identity,
    Installment,
    Line,
    ParsedFile,
    Party,
    Problem,
    Receipt,
    Reference,
)
from totalfact_tui.domain.dte.xml_safe import parse_xml
from totalfact_tui.domain.dte_types import KNOWN_TYPES
from totalfact_tui.domain.errors import InvalidRut

SII_NS = "http://www.sii.cl/SiiDte"
DEFAULT_MAX_BYTES = 20 * 1_048_576
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_EXPORT_TYPES = frozenset({110, 111, 112})
_NO_TOTALS_CHECK = frozenset({39, 41})

#: SII currency names (``TpoMoneda``) to ISO 4217 codes.
CURRENCIES = {
    "PESO CL": "CLP", "DOLAR USA": "USD", "EURO": "EUR", "FRANCO SZ": "CHF",
    "LIBRA EST": "GBP", "YEN": "JPY", "DOLAR CAN": "CAD", "DOLAR AUST": "AUD",
    "PESO ARG": "ARS", "REAL BRAS": "BRL", "PESO MEX": "MXN", "RENMINBI": "CNY",
    "YUAN": "CNY", "NUEVO SOL": "PEN", "PESO COL": "COP", "PESO URUG": "UYU",
    "BOLIVAR": "VES", "BOLIVIANO": "BOB", "CORONA DIN": "DKK", "CORONA NOR": "NOK",
    "CORONA SC": "SEK", "DOLAR NZ": "NZD", "DOLAR HK": "HKD", "DOLAR SIN": "SGD",
}  # fmt: skip


class DocumentProblem(Exception):
    """Raised inside extraction; becomes a :class:`Problem` on the parsed file."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@lru_cache(maxsize=512)
def _path(path: str, ns: str | None) -> str:
    if not ns:
        return path
    return "/".join(part if part in (".", "..") else f"{{{ns}}}{part}" for part in path.split("/"))


class _Reader:
    """Finds text under an element, in the element's own namespace."""

    __slots__ = ("ns",)

    def __init__(self, ns: str | None) -> None:
        self.ns = ns

    def el(self, node: etree._Element, path: str) -> etree._Element | None:
        return node.find(_path(path, self.ns))

    def all(self, node: etree._Element, path: str) -> list[etree._Element]:
        return node.findall(_path(path, self.ns))

    def text(self, node: etree._Element | None, path: str) -> str | None:
        if node is None:
            return None
        value = node.findtext(_path(path, self.ns))
        if value is None:
            return None
        value = value.strip()
        return value or None


def _namespace(node: etree._Element) -> str | None:
    return etree.QName(node).namespace


def local_name(node: etree._Element) -> str:
    return etree.QName(node).localname


# --------------------------------------------------------------------------- values


def _required(value: str | None, field: str) -> str:
    if value is None:
        raise DocumentProblem("ingest.missing_field", field=field)
    return value


def _int(value: str | None, field: str, *, required: bool = False) -> int | None:
    if value is None:
        if required:
            raise DocumentProblem("ingest.missing_field", field=field)
        return None
    if _INTEGER.match(value):
        return int(value)
    if _DECIMAL.match(value):
        raise DocumentProblem("ingest.decimal_amount", field=field, value=value)
    raise DocumentProblem("ingest.bad_number", field=field, value=value)


def _amount(value: str | None, field: str) -> int:
    return _int(value, field) or 0


def _decimal(value: str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise DocumentProblem("ingest.bad_number", field=field, value=value) from None


def _date(value: str | None, field: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise DocumentProblem("ingest.missing_field", field=field)
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise DocumentProblem("ingest.bad_date", field=field, value=value) from None


def _rut(value: str | None, field: str, *, required: bool = True) -> str:
    if value is None:
        if required:
            raise DocumentProblem("ingest.missing_field", field=field)
        return ""
    try:
        return rut_rules.normalize(value)
    except InvalidRut:
        raise DocumentProblem("ingest.bad_rut", field=field, value=value) from None


def _optional_rut(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return rut_rules.normalize(value)
    except InvalidRut:
        return None


def currency_code(name: str | None) -> str:
    if not name:
        return "CLP"
    clean = " ".join(name.upper().split())
    return CURRENCIES.get(clean, clean[:16])


def content_digest(node: etree._Element) -> str:
    """sha256 of the document's content, independent of namespace and formatting: the
    same DTE in a bare file or in an envelope gives the same digest."""
    digest = hashlib.sha256()
    for element in node.iter(tag=etree.Element):
        text = (element.text or "").strip()
        digest.update(f"{etree.QName(element).localname}={text}\n".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- documents


def _identity(r: _Reader, header: etree._Element | None) -> Identity:
    id_doc = r.el(header, "IdDoc") if header is not None else None
    if id_doc is None:
        raise DocumentProblem("ingest.missing_field", field="Encabezado/IdDoc")
    type_text = _required(r.text(id_doc, "TipoDTE"), "TipoDTE")
    dte_type = _int(type_text, "TipoDTE", required=True)
    assert dte_type is not None
    if dte_type not in KNOWN_TYPES:
        raise DocumentProblem("ingest.unknown_type", value=type_text)
    folio_text = _required(r.text(id_doc, "Folio"), "Folio")
    folio = _int(folio_text, "Folio", required=True)
    if folio is None or folio <= 0:
        raise DocumentProblem("ingest.bad_folio", value=folio_text)
    issuer = _rut(r.text(header, "Emisor/RUTEmisor"), "RUTEmisor")
    return Identity(issuer, dte_type, folio)


def _label(r: _Reader, dte: etree._Element) -> str:
    """Best-effort name of a document for messages, even when it is invalid."""
    body = next(iter(dte), None)
    if body is None:
        return ""
    header = r.el(body, "Encabezado")
    parts = [
        r.text(header, "Emisor/RUTEmisor") or "?",
        r.text(header, "IdDoc/TipoDTE") or "?",
        r.text(header, "IdDoc/Folio") or "?",
    ]
    return " ".join(parts)


def _party(r: _Reader, node: etree._Element | None, prefix: str) -> dict[str, str | None]:
    if prefix == "Emisor":
        return {
            "name": r.text(node, "RznSoc") or r.text(node, "RznSocEmisor"),
            "email": r.text(node, "CorreoEmisor"),
            "address": r.text(node, "DirOrigen"),
            "commune": r.text(node, "CmnaOrigen"),
            "city": r.text(node, "CiudadOrigen"),
        }
    return {
        "name": r.text(node, "RznSocRecep"),
        "email": r.text(node, "CorreoRecep"),
        "contact": r.text(node, "Contacto"),
        "address": r.text(node, "DirRecep"),
        "commune": r.text(node, "CmnaRecep"),
        "city": r.text(node, "CiudadRecep"),
        "foreign_id": r.text(node, "Extranjero/NumId"),
    }


def _references(r: _Reader, body: etree._Element) -> tuple[Reference, ...]:
    found = []
    for index, node in enumerate(r.all(body, "Referencia"), start=1):
        ref_type = r.text(node, "TpoDocRef")
        if ref_type is None:
            continue
        folio = r.text(node, "FolioRef")
        number = None
        if ref_type.isdigit() and int(ref_type) in KNOWN_TYPES and folio and folio.isdigit():
            number = int(folio)
        code_text = r.text(node, "CodRef")
        found.append(
            Reference(
                line_no=_int(r.text(node, "NroLinRef"), "NroLinRef") or index,
                ref_type=ref_type,
                folio=folio,
                folio_number=number,
                ref_date=_date(r.text(node, "FchRef"), "FchRef"),
                code=int(code_text) if code_text and code_text.isdigit() else None,
                reason=r.text(node, "RazonRef"),
                other_issuer_rut=_optional_rut(r.text(node, "RUTOtr")),
            )
        )
    return tuple(found)


def _lines(r: _Reader, body: etree._Element) -> tuple[Line, ...]:
    found = []
    for index, node in enumerate(r.all(body, "Detalle"), start=1):
        found.append(
            Line(
                line_no=_int(r.text(node, "NroLinDet"), "NroLinDet") or index,
                name=r.text(node, "NmbItem") or "",
                quantity=_decimal(r.text(node, "QtyItem"), "QtyItem"),
                unit_price=_decimal(r.text(node, "PrcItem"), "PrcItem"),
                amount=_decimal(r.text(node, "MontoItem"), "MontoItem") or Decimal(0),
            )
        )
    return tuple(found)


def _installments(r: _Reader, id_doc: etree._Element) -> tuple[Installment, ...]:
    found = []
    for node in r.all(id_doc, "MntPagos"):
        when = _date(r.text(node, "FchPago"), "MntPagos/FchPago", required=True)
        assert when is not None
        found.append(
            Installment(
                when,
                _amount(r.text(node, "MntPago"), "MntPagos/MntPago"),
                r.text(node, "GlosaPagos"),
            )
        )
    return tuple(sorted(found, key=lambda item: item.due_date))


def _due_date(
    r: _Reader,
    id_doc: etree._Element,
    issued: date,
    installments: tuple[Installment, ...],
    terms_days: int | None,
    payment_form: int | None,
    default_term_days: int,
) -> tuple[date, DueDateRule]:
    explicit = _date(r.text(id_doc, "FchVenc"), "FchVenc")
    if explicit is not None:
        return explicit, DueDateRule.FCH_VENC
    if installments:
        return installments[0].due_date, DueDateRule.MNT_PAGOS
    if terms_days is not None:
        return issued + timedelta(days=terms_days), DueDateRule.TERM_PAGO_DIAS
    if payment_form == 1:
        return issued, DueDateRule.CONTADO
    return issued + timedelta(days=default_term_days), DueDateRule.DEFAULT_TERM


def extract_dte(dte: etree._Element, default_term_days: int = 30) -> Dte:
    """One ``DTE`` element as a validated :class:`Dte`, or :class:`DocumentProblem`."""
    r = _Reader(_namespace(dte))
    body = r.el(dte, "Documento")
    if body is None:
        body = r.el(dte, "Exportaciones")
    if body is None:
        body = r.el(dte, "Liquidacion")
    if body is None:
        raise DocumentProblem("ingest.missing_field", field="Documento")
    header = r.el(body, "Encabezado")
    identity = _identity(r, header)
    assert header is not None
    id_doc = r.el(header, "IdDoc")
    assert id_doc is not None
    issued = _date(r.text(id_doc, "FchEmis"), "FchEmis", required=True)
    assert issued is not None
    payment_form = _int(r.text(id_doc, "FmaPago"), "FmaPago")
    terms_days = _int(r.text(id_doc, "TermPagoDias"), "TermPagoDias")
    installments = _installments(r, id_doc)
    due, rule = _due_date(
        r, id_doc, issued, installments, terms_days, payment_form, default_term_days
    )
    issuer_node = r.el(header, "Emisor")
    receiver_node = r.el(header, "Receptor")
    receiver_rut = _rut(r.text(receiver_node, "RUTRecep"), "RUTRecep")
    issuer = Party(identity.issuer_rut, **_party(r, issuer_node, "Emisor"))
    receiver = Party(receiver_rut, **_party(r, receiver_node, "Receptor"))

    totals = r.el(header, "Totales")
    if totals is None:
        raise DocumentProblem("ingest.missing_field", field="Totales")
    export = identity.dte_type in _EXPORT_TYPES
    currency = "CLP"
    total_foreign = exchange_rate = None
    if export:
        currency = currency_code(r.text(totals, "TpoMoneda"))
        total_foreign = _decimal(_required(r.text(totals, "MntTotal"), "MntTotal"), "MntTotal")
        clp_total = None
        for other in r.all(header, "OtraMoneda"):
            if currency_code(r.text(other, "TpoMoneda")) == "CLP":
                clp_total = _int(r.text(other, "MntTotOtrMnda"), "OtraMoneda/MntTotOtrMnda")
                exchange_rate = _decimal(r.text(other, "TpoCambio"), "OtraMoneda/TpoCambio")
        if currency == "CLP":
            total_foreign = None
            clp_total = _amount(r.text(totals, "MntTotal"), "MntTotal")
        if clp_total is None:
            raise DocumentProblem("ingest.export_without_clp")
        net = exempt = tax = other_taxes = 0
        exempt = clp_total
        total = clp_total
    else:
        net = _amount(r.text(totals, "MntNeto"), "MntNeto")
        exempt = _amount(r.text(totals, "MntExe"), "MntExe")
        tax = _amount(r.text(totals, "IVA"), "IVA")
        total = _int(r.text(totals, "MntTotal"), "MntTotal", required=True) or 0
        other_taxes = sum(
            _amount(r.text(node, "MontoImp"), "ImptoReten/MontoImp")
            for node in r.all(totals, "ImptoReten")
        )
        other_taxes += _amount(r.text(totals, "IVANoRet"), "IVANoRet")
        other_taxes -= _amount(r.text(totals, "CredEC"), "CredEC")
        if identity.dte_type not in _NO_TOTALS_CHECK and net + exempt + tax + other_taxes != total:
            raise DocumentProblem(
                "ingest.totals_mismatch",
                net=net,
                exempt=exempt,
                tax=tax,
                other=other_taxes,
                total=total,
            )
        ted_amount = r.text(dte, _ted_path(body, r))
        if ted_amount is not None and _int(ted_amount, "TED/DD/MNT") != total:
            raise DocumentProblem("ingest.ted_mismatch", ted=ted_amount, total=total)

    return Dte(
        identity=identity,
        issue_date=issued,
        due_date=due,
        due_date_rule=rule,
        payment_form=payment_form,
        payment_terms_days=terms_days,
        payment_terms_text=r.text(id_doc, "TermPagoGlosa"),
        issuer=issuer,
        receiver=receiver,
        net=net,
        exempt=exempt,
        tax=tax,
        other_taxes=other_taxes,
        total=total,
        currency=currency,
        total_foreign=total_foreign,
        exchange_rate=exchange_rate,
        references=_references(r, body),
        lines=_lines(r, body),
        installments=installments,
        signed_at=r.text(body, "TmstFirma"),
        digest=content_digest(body),
    )


def _ted_path(body: etree._Element, r: _Reader) -> str:
    return f"{local_name(body)}/TED/DD/MNT"


# --------------------------------------------------------------------------- files


def _dte_list(result: ParsedFile, dtes: list[etree._Element], default_term_days: int) -> None:
    for dte in dtes:
        try:
            result.documents.append(extract_dte(dte, default_term_days))
        except DocumentProblem as problem:
            result.rejected.append(
                Problem(problem.key, problem.params, _label(_Reader(_namespace(dte)), dte))
            )


def _envelope(root: etree._Element, result: ParsedFile, default_term_days: int) -> None:
    r = _Reader(_namespace(root))
    dtes = r.all(root, "SetDTE/DTE")
    _dte_list(result, dtes, default_term_days)
    found = Counter[str]()
    for dte in dtes:
        found[
            _Reader(_namespace(dte)).text(dte, "Documento/Encabezado/IdDoc/TipoDTE")
            or r.text(dte, "Exportaciones/Encabezado/IdDoc/TipoDTE")
            or "?"
        ] += 1
    for subtotal in r.all(root, "SetDTE/Caratula/SubTotDTE"):
        dte_type = r.text(subtotal, "TpoDTE") or r.text(subtotal, "TipoDTE") or "?"
        declared = r.text(subtotal, "NroDTE")
        if declared is not None and declared.isdigit() and int(declared) != found[dte_type]:
            result.warnings.append(
                Problem(
                    "ingest.envelope_count",
                    {"dte_type": dte_type, "declared": int(declared), "found": found[dte_type]},
                )
            )


def _aec(root: etree._Element, result: ParsedFile) -> None:
    r = _Reader(_namespace(root))
    document = r.el(root, "DocumentoAEC")
    dte = (
        r.el(document, "Cesiones/DTECedido/DocumentoDTECedido/DTE")
        if document is not None
        else None
    )
    if dte is None:
        result.rejected.append(Problem("ingest.missing_field", {"field": "DTECedido"}))
        return
    dr = _Reader(_namespace(dte))
    try:
        identity = _identity(dr, dr.el(dte, "Documento/Encabezado"))
        cessions = []
        for node in r.all(document, "Cesiones/Cesion") if document is not None else []:
            cr = _Reader(_namespace(node))
            body = cr.el(node, "DocumentoCesion")
            sequence = _int(cr.text(body, "SeqCesion"), "SeqCesion") or 0
            cessions.append((sequence, cr, body))
        if not cessions:
            raise DocumentProblem("ingest.missing_field", field="Cesion")
        sequence, cr, body = max(cessions, key=lambda item: item[0])
        result.cessions.append(
            Cession(
                identity=identity,
                assignee_rut=_rut(cr.text(body, "Cesionario/RUT"), "Cesionario/RUT"),
                assignee_name=cr.text(body, "Cesionario/RazonSocial"),
                amount=_int(cr.text(body, "MontoCesion"), "MontoCesion"),
                sequence=sequence,
                ceded_at=cr.text(body, "TmstCesion"),
            )
        )
    except DocumentProblem as problem:
        result.rejected.append(Problem(problem.key, problem.params, _label(dr, dte)))


def _answer_identity(r: _Reader, node: etree._Element, type_tag: str = "TipoDTE") -> Identity:
    type_value = _int(r.text(node, type_tag), type_tag, required=True)
    folio = _int(r.text(node, "Folio"), "Folio", required=True)
    assert type_value is not None and folio is not None
    return Identity(_rut(r.text(node, "RUTEmisor"), "RUTEmisor"), type_value, folio)


def _respuesta(root: etree._Element, result: ParsedFile) -> None:
    r = _Reader(_namespace(root))
    for node in r.all(root, "Resultado/ResultadoDTE"):
        try:
            status = _int(r.text(node, "EstadoDTE"), "EstadoDTE", required=True)
            assert status is not None
            result.results.append(
                CommercialResult(
                    identity=_answer_identity(r, node),
                    receiver_rut=_rut(r.text(node, "RUTRecep"), "RUTRecep"),
                    status=status,
                    reason=r.text(node, "EstadoDTEGlosa"),
                    answered_at=r.text(root, "Resultado/Caratula/TmstFirmaResp"),
                )
            )
        except DocumentProblem as problem:
            result.rejected.append(Problem(problem.key, problem.params))
    for node in r.all(root, "Resultado/RecepcionEnvio/RecepcionDTE"):
        try:
            result.receipts.append(
                Receipt(
                    identity=_answer_identity(r, node),
                    kind="technical_receipt",
                    receiver_rut=_optional_rut(r.text(node, "RUTRecep")),
                    status=r.text(node, "EstadoRecepDTE"),
                    detail=r.text(node, "RecepDTEGlosa"),
                    at=r.text(root, "Resultado/Caratula/TmstFirmaResp"),
                )
            )
        except DocumentProblem as problem:
            result.rejected.append(Problem(problem.key, problem.params))


def _recibos(root: etree._Element, result: ParsedFile) -> None:
    r = _Reader(_namespace(root))
    for node in r.all(root, "SetRecibos/Recibo/DocumentoRecibo"):
        try:
            result.receipts.append(
                Receipt(
                    identity=_answer_identity(r, node, "TipoDoc"),
                    kind="receipt_ack",
                    receiver_rut=_optional_rut(r.text(node, "RUTRecep")),
                    status=None,
                    detail=r.text(node, "Recinto"),
                    at=r.text(node, "TmstFirmaRecibo"),
                )
            )
        except DocumentProblem as problem:
            result.rejected.append(Problem(problem.key, problem.params))


def parse_file(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, default_term_days: int = 30
) -> ParsedFile:
    """Read one XML file. Raises :class:`XmlFileError` when it is not readable XML."""
    root = parse_xml(data, max_bytes=max_bytes)
    name = local_name(root)
    namespace = _namespace(root)
    if namespace not in (None, SII_NS):
        return ParsedFile(FileKind.OTHER, f"{{{namespace}}}{name}")
    if name == "EnvioDTE":
        result = ParsedFile(FileKind.ENVIO_DTE, name)
        _envelope(root, result, default_term_days)
    elif name == "DTE":
        result = ParsedFile(FileKind.DTE, name)
        _dte_list(result, [root], default_term_days)
    elif name == "AEC":
        result = ParsedFile(FileKind.AEC, name)
        _aec(root, result)
    elif name == "RespuestaDTE":
        r = _Reader(namespace)
        kind = (
            FileKind.RESULTADO_DTE
            if r.el(root, "Resultado/ResultadoDTE") is not None
            else FileKind.RECEPCION_ENVIO
        )
        result = ParsedFile(kind, name)
        _respuesta(root, result)
    elif name == "EnvioRecibos":
        result = ParsedFile(FileKind.ENVIO_RECIBOS, name)
        _recibos(root, result)
    else:
        result = ParsedFile(FileKind.OTHER, name)
    return result
