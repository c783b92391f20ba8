"""Throw-away TLS certificates for the mail servers of the tests: a CA, and a server
certificate for localhost / 127.0.0.1 signed by it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for localhost / 127.0.0.1 signed by it."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)

    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=TotalFact test CA",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca_cert),
    )
    run(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        str(key),
        "-out",
        str(csr),
    )
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey",
        str(ca_key), "-CAcreateserial", "-days", "2", "-out", str(cert),
        "-extfile", str(extensions))  # fmt: skip
    return ca_cert, cert, key
