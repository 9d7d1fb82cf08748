"""Certificates: one trustme CA for every simulated name, and one self-signed outsider."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class Certificates:
    ca_pem_path: Path  # the simulated web's CA: what the crawler adds as an extra CA bundle
    good: ssl.SSLContext  # server context: chain from that CA, SANs for every host
    self_signed: ssl.SSLContext  # server context: self-signed, from no CA anyone trusts


def _server_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.set_alpn_protocols(["http/1.1"])  # aiohttp speaks HTTP/1.1 only
    return ctx


def _self_signed_pem(names: list[str]) -> tuple[bytes, bytes]:
    name = names[0]
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Self-signed Webmaster"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)  # issuer == subject: the textbook self-signed certificate
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def make_certificates(
    directory: Path, names: list[str], self_signed_names: list[str]
) -> Certificates:
    """Issue a leaf for ``names`` (ASCII/punycode, wildcards allowed) from a fresh CA."""
    ca = trustme.CA(organization_name="SimWeb Test CA")
    leaf = ca.issue_cert(*sorted(set(names)), common_name="simweb")
    good = _server_context()
    leaf.configure_cert(good)
    ca_path = directory / "simweb-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))

    cert_pem, key_pem = _self_signed_pem(sorted(set(self_signed_names)) or ["localhost"])
    cert_path, key_path = directory / "self-signed.pem", directory / "self-signed.key"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(key_pem)
    bad = _server_context()
    bad.load_cert_chain(str(cert_path), str(key_path))
    return Certificates(ca_pem_path=ca_path, good=good, self_signed=bad)
