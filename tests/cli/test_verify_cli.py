"""``totalfact ingest --verify-signatures`` on generated (unsigned) documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.dte_factory import OWN_RUT, Doc, single


def test_placeholder_signatures_are_rejected_when_verifying(
    cli: Any, sqlite_url: str, tmp_path: Path
) -> None:
    cli("--db", sqlite_url, "init", "--company-rut", OWN_RUT, "--company-name", "Andes")
    path = tmp_path / "doc.xml"
    path.write_bytes(single(Doc(1)))
    checked = json.loads(
        cli("--db", sqlite_url, "ingest", str(path), "--json", "--verify-signatures").out
    )
    assert (checked["new"], checked["rejected"]) == (0, 1)
    assert checked["errors"][0]["code"] == "ingest.signature_digest"
    path.write_bytes(single(Doc(2), signature=False))
    unsigned = json.loads(
        cli("--db", sqlite_url, "ingest", str(path), "--json", "--verify-signatures").out
    )
    assert unsigned["errors"][0]["reason"] == "Firma: el documento no está firmado."
