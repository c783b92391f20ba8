"""Builds DTE XML for tests: realistic, schema-shaped documents of our own making.

The documents follow the element order of the official SII schema (DTE_v10.xsd,
EnvioDTE_v10.xsd), including a TED stamp and an XML-DSig ``Signature`` block with
placeholder values (structure only: nothing here is really signed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

SII_NS = "http://www.sii.cl/SiiDte"
OWN_RUT = "76086428-5"
OWN_NAME = "Distribuidora Los Andes SpA"
CUSTOMER_RUT = "96790240-3"
CUSTOMER_NAME = "Minera Los Pelambres"
_B64 = "QUJDRA=="
LEY_19983 = (
    "El acuse de recibo que se declara en este acto, de acuerdo a lo dispuesto en la letra b) "
    "del Art. 4, y la letra c) del Art. 5 de la Ley 19.983, acredita que la entrega de "
    "mercaderias o servicio(s) prestado(s) ha(n) sido recibido(s)."
)


@dataclass
class Ref:
    ref_type: str
    folio: str
    ref_date: date = date(2026, 1, 5)
    code: int | None = None
    reason: str | None = None


@dataclass
class Doc:
    folio: int
    dte_type: int = 33
    issue_date: date = date(2026, 1, 10)
    due_date: date | None = date(2026, 2, 9)
    issuer_rut: str = OWN_RUT
    issuer_name: str = OWN_NAME
    receiver_rut: str = CUSTOMER_RUT
    receiver_name: str = CUSTOMER_NAME
    contact: str | None = "Felipe Barría"
    receiver_email: str | None = "pagos@pelambres.cl"
    net: int = 100_000
    exempt: int = 0
    tax: int | None = None  # default: 19% of net for taxed types
    total: int | None = None  # default: net + exempt + tax
    payment_form: int | None = 2
    terms_days: int | None = None
    terms_text: str | None = None
    installments: list[tuple[date, int]] = field(default_factory=list)
    references: list[Ref] = field(default_factory=list)
    item: str = "Servicio de mantención"
    ted_amount: int | None = None  # default: the total

    def amounts(self) -> tuple[int, int, int, int]:
        tax = (
            self.tax
            if self.tax is not None
            else (round(self.net * 0.19) if self.dte_type != 34 else 0)
        )
        total = self.total if self.total is not None else self.net + self.exempt + tax
        return self.net, self.exempt, tax, total


def _el(name: str, value: object | None) -> str:
    if value is None:
        return ""
    return f"<{name}>{escape(str(value))}</{name}>"


def dte_xml(doc: Doc, *, namespace: bool = True, signature: bool = True) -> str:
    net, exempt, tax, total = doc.amounts()
    doc_id = f"T{doc.dte_type}F{doc.folio}"
    id_doc = (
        _el("TipoDTE", doc.dte_type)
        + _el("Folio", doc.folio)
        + _el("FchEmis", doc.issue_date)
        + _el("FmaPago", doc.payment_form)
        + "".join(
            f"<MntPagos>{_el('FchPago', d)}{_el('MntPago', a)}</MntPagos>"
            for d, a in doc.installments
        )
        + _el("TermPagoGlosa", doc.terms_text)
        + _el("TermPagoDias", doc.terms_days)
        + _el("FchVenc", doc.due_date)
    )
    emisor = (
        _el("RUTEmisor", doc.issuer_rut)
        + _el("RznSoc", doc.issuer_name)
        + _el("GiroEmis", "Venta al por mayor")
        + _el("Acteco", 469000)
        + _el("DirOrigen", "Av. Apoquindo 4001")
        + _el("CmnaOrigen", "Las Condes")
        + _el("CiudadOrigen", "Santiago")
    )
    receptor = (
        _el("RUTRecep", doc.receiver_rut)
        + _el("RznSocRecep", doc.receiver_name)
        + _el("GiroRecep", "Minería")
        + _el("Contacto", doc.contact)
        + _el("CorreoRecep", doc.receiver_email)
        + _el("DirRecep", "Av. Andrés Bello 2457")
        + _el("CmnaRecep", "Providencia")
        + _el("CiudadRecep", "Santiago")
    )
    totales = (
        (_el("MntNeto", net) if net else "")
        + (_el("MntExe", exempt) if exempt else "")
        + (_el("TasaIVA", "19") + _el("IVA", tax) if doc.dte_type != 34 else "")
        + _el("MntTotal", total)
    )
    detail = (
        f"<Detalle>{_el('NroLinDet', 1)}"
        + (_el("IndExe", 1) if doc.dte_type == 34 else "")
        + _el("NmbItem", doc.item)
        + (_el("QtyItem", 1) + _el("PrcItem", net + exempt) if net + exempt else "")
        + f"{_el('MontoItem', net + exempt)}</Detalle>"
    )
    refs = "".join(
        f"<Referencia>{_el('NroLinRef', i)}{_el('TpoDocRef', r.ref_type)}{_el('FolioRef', r.folio)}"
        f"{_el('FchRef', r.ref_date)}{_el('CodRef', r.code)}{_el('RazonRef', r.reason)}</Referencia>"
        for i, r in enumerate(doc.references, start=1)
    )
    ted = (
        '<TED version="1.0"><DD>'
        + _el("RE", doc.issuer_rut)
        + _el("TD", doc.dte_type)
        + _el("F", doc.folio)
        + _el("FE", doc.issue_date)
        + _el("RR", doc.receiver_rut)
        + _el("RSR", doc.receiver_name[:40])
        + _el("MNT", doc.ted_amount if doc.ted_amount is not None else total)
        + _el("IT1", doc.item[:40])
        + '<CAF version="1.0"><DA>'
        + _el("RE", doc.issuer_rut)
        + _el("RS", doc.issuer_name[:40])
        + _el("TD", doc.dte_type)
        + "<RNG><D>1</D><H>100000</H></RNG>"
        + _el("FA", "2025-01-01")
        + f"<RSAPK><M>{_B64}</M><E>Aw==</E></RSAPK><IDK>100</IDK></DA>"
        + f'<FRMA algoritmo="SHA1withRSA">{_B64}</FRMA></CAF>'
        + _el("TSTED", f"{doc.issue_date}T10:00:00")
        + "</DD>"
        + f'<FRMT algoritmo="SHA1withRSA">{_B64}</FRMT></TED>'
    )
    body = (
        f'<Documento ID="{doc_id}"><Encabezado><IdDoc>{id_doc}</IdDoc><Emisor>{emisor}</Emisor>'
        f"<Receptor>{receptor}</Receptor><Totales>{totales}</Totales></Encabezado>"
        f"{detail}{refs}{ted}{_el('TmstFirma', f'{doc.issue_date}T10:00:00')}</Documento>"
    )
    sig = signature_xml(doc_id) if signature else ""
    xmlns = f' xmlns="{SII_NS}"' if namespace else ""
    return f'<DTE{xmlns} version="1.0">{body}{sig}</DTE>'


def signature_xml(reference: str) -> str:
    return (
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
        f'<Reference URI="#{reference}"><Transforms>'
        '<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
        f"<DigestValue>{_B64}</DigestValue></Reference></SignedInfo>"
        f"<SignatureValue>{_B64}</SignatureValue><KeyInfo><KeyValue><RSAKeyValue>"
        f"<Modulus>{_B64}</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue>"
        f"<X509Data><X509Certificate>{_B64}</X509Certificate></X509Data></KeyInfo></Signature>"
    )


def single(doc: Doc, **kwargs: bool) -> bytes:
    return encode(dte_xml(doc, **kwargs))


def envelope(*docs: Doc, declared: dict[int, int] | None = None) -> bytes:
    counts: dict[int, int] = {}
    for doc in docs:
        counts[doc.dte_type] = counts.get(doc.dte_type, 0) + 1
    counts = declared or counts
    issuer = docs[0].issuer_rut if docs else OWN_RUT
    caratula = (
        '<Caratula version="1.0">'
        + _el("RutEmisor", issuer)
        + _el("RutEnvia", "13185095-6")
        + _el("RutReceptor", docs[0].receiver_rut if docs else CUSTOMER_RUT)
        + _el("FchResol", "2014-08-22")
        + _el("NroResol", 80)
        + _el("TmstFirmaEnv", "2026-01-10T10:00:00")
        + "".join(
            f"<SubTotDTE>{_el('TpoDTE', t)}{_el('NroDTE', n)}</SubTotDTE>"
            for t, n in counts.items()
        )
        + "</Caratula>"
    )
    body = "".join(dte_xml(doc) for doc in docs)
    return encode(
        f'<EnvioDTE xmlns="{SII_NS}" version="1.0"><SetDTE ID="SetDoc">{caratula}{body}</SetDTE>'
        f"{signature_xml('SetDoc')}</EnvioDTE>"
    )


def encode(xml: str) -> bytes:
    return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + xml).encode("iso-8859-1")


def aec(
    doc: Doc, assignee_rut: str = "76389992-6", assignee: str = "Factoring Austral SpA"
) -> bytes:
    dte = dte_xml(doc)
    total = doc.amounts()[3]
    declaration = (
        f"Se declara bajo juramento que {doc.issuer_name}, RUT {doc.issuer_rut} ha puesto a "
        "disposición del cesionario el documento donde constan los recibos de las mercaderías."
    )
    cedente = (
        f"{_el('RUT', doc.issuer_rut)}{_el('RazonSocial', doc.issuer_name)}"
        f"{_el('Direccion', 'Av. Apoquindo 4001')}{_el('eMail', 'cobranza@losandes.cl')}"
        f"<RUTAutorizado>{_el('RUT', doc.issuer_rut)}{_el('Nombre', doc.issuer_name)}</RUTAutorizado>"
        f"{_el('DeclaracionJurada', declaration)}"
    )
    cesion = (
        f'<Cesion version="1.0"><DocumentoCesion ID="C1">{_el("SeqCesion", 1)}'
        f"<IdDTE>{_el('TipoDTE', doc.dte_type)}{_el('RUTEmisor', doc.issuer_rut)}"
        f"{_el('RUTReceptor', doc.receiver_rut)}{_el('Folio', doc.folio)}"
        f"{_el('FchEmis', doc.issue_date)}{_el('MntTotal', total)}</IdDTE>"
        f"<Cedente>{cedente}</Cedente>"
        f"<Cesionario>{_el('RUT', assignee_rut)}{_el('RazonSocial', assignee)}"
        f"{_el('Direccion', 'Isidora Goyenechea 2939')}{_el('eMail', 'cesiones@factoring.cl')}"
        f"</Cesionario>{_el('MontoCesion', total)}"
        f"{_el('UltimoVencimiento', doc.due_date or doc.issue_date)}"
        f"{_el('TmstCesion', '2026-01-15T09:00:00')}</DocumentoCesion>{signature_xml('C1')}</Cesion>"
    )
    return encode(
        f'<AEC xmlns="{SII_NS}" version="1.0"><DocumentoAEC ID="AEC1"><Caratula version="1.0">'
        f"{_el('RutCedente', doc.issuer_rut)}{_el('RutCesionario', assignee_rut)}"
        f"{_el('MailContacto', 'cobranza@losandes.cl')}"
        f"{_el('TmstFirmaEnvio', '2026-01-15T09:00:00')}</Caratula><Cesiones>"
        f'<DTECedido version="1.0"><DocumentoDTECedido ID="DC1">{dte}'
        f"{_el('TmstFirma', '2026-01-15T09:00:00')}</DocumentoDTECedido>{signature_xml('DC1')}"
        f"</DTECedido>{cesion}</Cesiones></DocumentoAEC>{signature_xml('AEC1')}</AEC>"
    )


def commercial_result(doc: Doc, status: int = 2, reason: str = "Precio no corresponde") -> bytes:
    return encode(
        f'<RespuestaDTE xmlns="{SII_NS}" version="1.0"><Resultado ID="R1"><Caratula version="1.0">'
        f"{_el('RutResponde', doc.receiver_rut)}{_el('RutRecibe', doc.issuer_rut)}"
        f"{_el('IdRespuesta', 1)}{_el('NroDetalles', 1)}{_el('TmstFirmaResp', '2026-01-12T10:00:00')}"
        f"</Caratula><ResultadoDTE>{_el('TipoDTE', doc.dte_type)}{_el('Folio', doc.folio)}"
        f"{_el('FchEmis', doc.issue_date)}{_el('RUTEmisor', doc.issuer_rut)}"
        f"{_el('RUTRecep', doc.receiver_rut)}{_el('MntTotal', doc.amounts()[3])}"
        f"{_el('CodEnvio', 1)}{_el('EstadoDTE', status)}{_el('EstadoDTEGlosa', reason)}"
        f"</ResultadoDTE></Resultado>{signature_xml('R1')}</RespuestaDTE>"
    )


def receipt_ack(doc: Doc) -> bytes:
    return encode(
        f'<EnvioRecibos xmlns="{SII_NS}" version="1.0"><SetRecibos ID="SR1"><Caratula version="1.0">'
        f"{_el('RutResponde', doc.receiver_rut)}{_el('RutRecibe', doc.issuer_rut)}"
        f'{_el("TmstFirmaEnv", "2026-01-12T10:00:00")}</Caratula><Recibo version="1.0">'
        f'<DocumentoRecibo ID="DR1">{_el("TipoDoc", doc.dte_type)}{_el("Folio", doc.folio)}'
        f"{_el('FchEmis', doc.issue_date)}{_el('RUTEmisor', doc.issuer_rut)}"
        f"{_el('RUTRecep', doc.receiver_rut)}{_el('MntTotal', doc.amounts()[3])}"
        f"{_el('Recinto', 'Bodega central')}{_el('RutFirma', '11111111-1')}"
        f"{_el('Declaracion', LEY_19983)}"
        f"{_el('TmstFirmaRecibo', '2026-01-12T10:00:00')}</DocumentoRecibo>{signature_xml('DR1')}"
        f"</Recibo></SetRecibos>{signature_xml('SR1')}</EnvioRecibos>"
    )
