"""The studio's C2PA signing identity: a private CA (the trust anchor) and a signing
certificate it issued, both EC P-256 (ES256), made with ``cryptography``.

Public C2PA validators trust only the C2PA Trust List; a studio's chain of custody needs its
own anchor instead, which works offline (reference/vendor-chain-and-evidence.md §5.3: with
the CA as trust anchor c2pa-rs reports ``Trusted``, without it ``Valid`` plus
``signingCredential.untrusted``). The leaf carries what c2pa-rs checks in a signing
certificate: digitalSignature key usage, an EKU from the C2PA list (emailProtection), no CA
flag, and an AKI naming the CA. Pure: the caller passes ``now`` and stores the PEM bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20
LEAF_DAYS = 5 * 365  # without an RFC 3161 timestamp, validity rests on this window


@dataclass(frozen=True)
class StudioIdentity:
    ca_pem: bytes  # the trust anchor
    chain_pem: bytes  # signing certificate, then the CA
    key_pem: bytes = field(repr=False)  # the signing certificate's private key
    ca_key_pem: bytes = field(default=b"", repr=False)  # to issue a new signer later

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    def describe(self) -> dict[str, str]:
        cert = self.certificate
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        return {
            "signer": cert.subject.rfc4514_string(),
            "issuer": ca.subject.rfc4514_string(),
            "serial": format(cert.serial_number, "x"),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "ca_sha256": ca.fingerprint(hashes.SHA256()).hex(),
        }


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def generate_identity(organization: str, now: datetime) -> StudioIdentity:
    """A new CA and signing certificate for ``organization`` (e.g. the studio's name)."""
    start = now - timedelta(hours=1)  # tolerate small clock differences between machines
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} provenance CA"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + timedelta(days=CA_YEARS * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} delivery signer"),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + timedelta(days=LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return StudioIdentity(
        ca_pem=_pem(ca),
        chain_pem=_pem(leaf) + _pem(ca),
        key_pem=_key_pem(key),
        ca_key_pem=_key_pem(ca_key),
    )
