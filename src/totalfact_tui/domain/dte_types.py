"""SII document (DTE) type codes and what each means for collection."""

from __future__ import annotations

from enum import IntEnum


class DteType(IntEnum):
    FACTURA = 33
    FACTURA_EXENTA = 34
    BOLETA = 39
    BOLETA_EXENTA = 41
    FACTURA_COMPRA = 46
    GUIA_DESPACHO = 52
    NOTA_DEBITO = 56
    NOTA_CREDITO = 61
    FACTURA_EXPORTACION = 110
    NOTA_DEBITO_EXPORTACION = 111
    NOTA_CREDITO_EXPORTACION = 112


KNOWN_TYPES: frozenset[int] = frozenset(int(t) for t in DteType)

#: Notes that reduce (or annul) the invoice they reference.
CREDIT_NOTE_TYPES: frozenset[int] = frozenset({61, 112})

#: Notes that increase the invoice they reference.
DEBIT_NOTE_TYPES: frozenset[int] = frozenset({56, 111})

#: Stored, never collected: dispatch guides carry no debt; boletas are consumer receipts.
NEVER_COLLECTED_TYPES: frozenset[int] = frozenset({39, 41, 52})
