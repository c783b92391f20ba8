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
from totalfact_tui.domain.errors import InvalidRut, TotalfactError

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


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag[tag.rfind("}") + 1 :]
    return name


class _Section:
    """The direct children of one element by local name: one pass, no path lookups."""

    __slots__ = ("nodes", "texts")

    def __init__(self, node: etree._Element | None) -> None:
        self.nodes: list[etree._Element] = [] if node is None else list(node)
        texts: dict[str, str | None] = {}
        names = _LOCAL_NAMES
        for child in self.nodes:
            tag = child.tag
            name = names.get(tag) or _local(tag)
            if name not in texts:
                text = child.text
                texts[name] = (text.strip() or None) if text else None
        self.texts = texts

    def text(self, name: str) -> str | None:
        return self.texts.get(name)

    def el(self, name: str) -> etree._Element | None:
        if name not in self.texts:
            return None
        return next(child for child in self.nodes if _local(child.tag) == name)

    def all(self, name: str) -> list[etree._Element]:
        if name not in self.texts:
            return []
        return [child for child in self.nodes if _local(child.tag) == name]


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


_TEXTS = etree.XPath("descendant-or-self::*/text()[normalize-space()]", smart_strings=False)


def content_digest(node: etree._Element) -> str:
    """sha256 of the document's text content, independent of namespace and formatting:
    the same DTE in a bare file or in an envelope gives the same digest."""
    texts = _TEXTS(node)
    assert isinstance(texts, list)
    return hashlib.sha256("\x1f".join(str(text).strip() for text in texts).encode()).hexdigest()


# --------------------------------------------------------------------------- documents


def _identity(header: _Section) -> Identity:
    return _identity_of(_Section(header.el("IdDoc")), _Section(header.el("Emisor")))


def _identity_of(id_doc: _Section, emisor: _Section) -> Identity:
    if not id_doc.texts:
        raise DocumentProblem("ingest.missing_field", field="Encabezado/IdDoc")
    type_text = _required(id_doc.text("TipoDTE"), "TipoDTE")
    dte_type = _int(type_text, "TipoDTE", required=True)
    assert dte_type is not None
    if dte_type not in KNOWN_TYPES:
        raise DocumentProblem("ingest.unknown_type", value=type_text)
    folio_text = _required(id_doc.text("Folio"), "Folio")
    folio = _int(folio_text, "Folio", required=True)
    if folio is None or folio <= 0:
        raise DocumentProblem("ingest.bad_folio", value=folio_text)
    return Identity(_rut(emisor.text("RUTEmisor"), "RUTEmisor"), dte_type, folio)


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


def _issuer(section: _Section, rut: str) -> Party:
    return Party(
        rut,
        name=section.text("RznSoc") or section.text("RznSocEmisor"),
        email=section.text("CorreoEmisor"),
        address=section.text("DirOrigen"),
        commune=section.text("CmnaOrigen"),
        city=section.text("CiudadOrigen"),
    )


def _receiver(section: _Section) -> Party:
    foreign = section.el("Extranjero")
    return Party(
        _rut(section.text("RUTRecep"), "RUTRecep"),
        name=section.text("RznSocRecep"),
        email=section.text("CorreoRecep"),
        contact=section.text("Contacto"),
        address=section.text("DirRecep"),
        commune=section.text("CmnaRecep"),
        city=section.text("CiudadRecep"),
        foreign_id=_Section(foreign).text("NumId") if foreign is not None else None,
    )


def _references(nodes: list[etree._Element]) -> tuple[Reference, ...]:
    found = []
    for index, node in enumerate(nodes, start=1):
        ref = _Section(node)
        ref_type = ref.text("TpoDocRef")
        if ref_type is None:
            continue
        folio = ref.text("FolioRef")
        number = None
        if ref_type.isdigit() and int(ref_type) in KNOWN_TYPES and folio and folio.isdigit():
            number = int(folio)
        code_text = ref.text("CodRef")
        found.append(
            Reference(
                line_no=_int(ref.text("NroLinRef"), "NroLinRef") or index,
                ref_type=ref_type,
                folio=folio,
                folio_number=number,
                ref_date=_date(ref.text("FchRef"), "FchRef"),
                code=int(code_text) if code_text and code_text.isdigit() else None,
                reason=ref.text("RazonRef"),
                other_issuer_rut=_optional_rut(ref.text("RUTOtr")),
            )
        )
    return tuple(found)


def _lines(nodes: list[etree._Element]) -> tuple[Line, ...]:
    found = []
    for index, node in enumerate(nodes, start=1):
        line = _Section(node)
        found.append(
            Line(
                line_no=_int(line.text("NroLinDet"), "NroLinDet") or index,
                name=line.text("NmbItem") or "",
                quantity=_decimal(line.text("QtyItem"), "QtyItem"),
                unit_price=_decimal(line.text("PrcItem"), "PrcItem"),
                amount=_decimal(line.text("MontoItem"), "MontoItem") or Decimal(0),
            )
        )
    return tuple(found)


def _installments(id_doc: _Section) -> tuple[Installment, ...]:
    found = []
    for node in id_doc.all("MntPagos"):
        part = _Section(node)
        when = _date(part.text("FchPago"), "MntPagos/FchPago", required=True)
        assert when is not None
        amount = _amount(part.text("MntPago"), "MntPagos/MntPago")
        found.append(Installment(when, amount, part.text("GlosaPagos")))
    return tuple(sorted(found, key=lambda item: item.due_date))


def _due_date(
    id_doc: _Section,
    issued: date,
    installments: tuple[Installment, ...],
    terms_days: int | None,
    payment_form: int | None,
    default_term_days: int,
) -> tuple[date, DueDateRule]:
    explicit = _date(id_doc.text("FchVenc"), "FchVenc")
    if explicit is not None:
        return explicit, DueDateRule.FCH_VENC
    if installments:
        return installments[0].due_date, DueDateRule.MNT_PAGOS
    if terms_days is not None:
        return issued + timedelta(days=terms_days), DueDateRule.TERM_PAGO_DIAS
    if payment_form == 1:
        return issued, DueDateRule.CONTADO
    return issued + timedelta(days=default_term_days), DueDateRule.DEFAULT_TERM


_BODIES = ("Documento", "Exportaciones", "Liquidacion")


def _export_totals(
    header: _Section, totals: _Section
) -> tuple[str, Decimal | None, Decimal | None, int]:
    currency = currency_code(totals.text("TpoMoneda"))
    total_foreign = _decimal(_required(totals.text("MntTotal"), "MntTotal"), "MntTotal")
    clp_total = None
    exchange_rate = None
    for node in header.all("OtraMoneda"):
        other = _Section(node)
        if currency_code(other.text("TpoMoneda")) == "CLP":
            clp_total = _int(other.text("MntTotOtrMnda"), "OtraMoneda/MntTotOtrMnda")
            exchange_rate = _decimal(other.text("TpoCambio"), "OtraMoneda/TpoCambio")
    if currency == "CLP":
        total_foreign = None
        clp_total = _amount(totals.text("MntTotal"), "MntTotal")
    if clp_total is None:
        raise DocumentProblem("ingest.export_without_clp")
    return currency, total_foreign, exchange_rate, clp_total


def extract_dte(dte: etree._Element, default_term_days: int = 30) -> Dte:
    """One ``DTE`` element as a validated :class:`Dte`, or :class:`DocumentProblem`."""
    outer = _Section(dte)
    body_node = next((outer.el(name) for name in _BODIES if outer.el(name) is not None), None)
    if body_node is None:
        raise DocumentProblem("ingest.missing_field", field="Documento")
    body = _Section(body_node)
    header = _Section(body.el("Encabezado"))
    id_doc = _Section(header.el("IdDoc"))
    emisor = _Section(header.el("Emisor"))
    identity = _identity_of(id_doc, emisor)
    issued = _date(id_doc.text("FchEmis"), "FchEmis", required=True)
    assert issued is not None
    payment_form = _int(id_doc.text("FmaPago"), "FmaPago")
    terms_days = _int(id_doc.text("TermPagoDias"), "TermPagoDias")
    installments = _installments(id_doc)
    due, rule = _due_date(id_doc, issued, installments, terms_days, payment_form, default_term_days)
    issuer = _issuer(emisor, identity.issuer_rut)
    receiver = _receiver(_Section(header.el("Receptor")))
    totals_node = header.el("Totales")
    if totals_node is None:
        raise DocumentProblem("ingest.missing_field", field="Totales")
    totals = _Section(totals_node)
    currency = "CLP"
    total_foreign = exchange_rate = None
    if identity.dte_type in _EXPORT_TYPES:
        currency, total_foreign, exchange_rate, total = _export_totals(header, totals)
        net = tax = other_taxes = 0
        exempt = total
    else:
        net = _amount(totals.text("MntNeto"), "MntNeto")
        exempt = _amount(totals.text("MntExe"), "MntExe")
        tax = _amount(totals.text("IVA"), "IVA")
        total = _int(totals.text("MntTotal"), "MntTotal", required=True) or 0
        other_taxes = sum(
            _amount(_Section(node).text("MontoImp"), "ImptoReten/MontoImp")
            for node in totals.all("ImptoReten")
        )
        other_taxes += _amount(totals.text("IVANoRet"), "IVANoRet")
        other_taxes -= _amount(totals.text("CredEC"), "CredEC")
        if identity.dte_type not in _NO_TOTALS_CHECK and net + exempt + tax + other_taxes != total:
            raise DocumentProblem(
                "ingest.totals_mismatch",
                net=net,
                exempt=exempt,
                tax=tax,
                other=other_taxes,
                total=total,
            )
        ted = body.el("TED")
        if ted is not None:
            ted_amount = _Section(_Section(ted).el("DD")).text("MNT")
            if ted_amount is not None and _int(ted_amount, "TED/DD/MNT") != total:
                raise DocumentProblem("ingest.ted_mismatch", ted=ted_amount, total=total)

    return Dte(
        identity=identity,
        issue_date=issued,
        due_date=due,
        due_date_rule=rule,
        payment_form=payment_form,
        payment_terms_days=terms_days,
        payment_terms_text=id_doc.text("TermPagoGlosa"),
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
        references=_references(body.all("Referencia")),
        lines=_lines(body.all("Detalle")),
        installments=installments,
        signed_at=body.text("TmstFirma"),
        digest=content_digest(body_node),
    )


# --------------------------------------------------------------------------- files


def _check_signature(dte: etree._Element) -> None:
    try:
        from totalfact_tui.domain.dte.signature import verify_dte

        outcome = verify_dte(dte)
    except ImportError:
        raise TotalfactError("ingest.signatures_unavailable") from None
    if not outcome.valid:
        raise DocumentProblem(outcome.reason, detail=outcome.detail)


def _dte_list(
    result: ParsedFile, dtes: list[etree._Element], default_term_days: int, verify: bool
) -> None:
    for dte in dtes:
        try:
            document = extract_dte(dte, default_term_days)
            if verify:
                _check_signature(dte)
            result.documents.append(document)
        except DocumentProblem as problem:
            result.rejected.append(
                Problem(problem.key, problem.params, _label(_Reader(_namespace(dte)), dte))
            )


def _envelope(
    root: etree._Element, result: ParsedFile, default_term_days: int, verify: bool
) -> None:
    r = _Reader(_namespace(root))
    dtes = r.all(root, "SetDTE/DTE")
    _dte_list(result, dtes, default_term_days, verify)
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
        identity = _identity(_Section(dr.el(dte, "Documento/Encabezado")))
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
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    default_term_days: int = 30,
    verify_signatures: bool = False,
) -> ParsedFile:
    """Read one XML file. Raises :class:`XmlFileError` when it is not readable XML.
    With ``verify_signatures`` a DTE whose XML signature does not hold is rejected."""
    root = parse_xml(data, max_bytes=max_bytes)
    name = local_name(root)
    namespace = _namespace(root)
    if namespace not in (None, SII_NS):
        return ParsedFile(FileKind.OTHER, f"{{{namespace}}}{name}")
    if name == "EnvioDTE":
        result = ParsedFile(FileKind.ENVIO_DTE, name)
        _envelope(root, result, default_term_days, verify_signatures)
    elif name == "DTE":
        result = ParsedFile(FileKind.DTE, name)
        _dte_list(result, [root], default_term_days, verify_signatures)
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
