"""TLS for the gRPC port, optionally mutual: the phone system must then
present a certificate signed by the configured client CA.

The certificate and key files are read again when they change (checked at
each new connection, by their modification time), so a rotated certificate
(cert-manager, an ACME client, a new file from the facility's CA) is served
without a restart. A file that cannot be read, or does not hold a PEM block,
keeps the certificate in use and is logged.
"""

from __future__ import annotations

import logging
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc

log = logging.getLogger(__name__)


class TlsError(ValueError):
    """A TLS file that is missing, unreadable or not PEM; the message names it."""


@dataclass(frozen=True)
class TlsFiles:
    cert: str  # PEM certificate chain, the server's first
    key: str  # PEM private key
    client_ca: str = ""  # PEM CA bundle; set: clients must present a certificate it signed

    def read(self) -> tuple[bytes, bytes, bytes | None]:
        """(key, chain, client CA or None), checked as OpenSSL will use them."""
        found = (_pem(self.key, "tls_key"), _pem(self.cert, "tls_cert"),
                 _pem(self.client_ca, "tls_client_ca") if self.client_ca else None)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(self.cert, self.key)
        except ssl.SSLError as error:
            raise TlsError(f"tls_cert and tls_key: {self.cert} and {self.key} are not a certificate and "
                           f"its private key ({error.reason or error})") from None
        if self.client_ca:
            try:
                context.load_verify_locations(self.client_ca)
            except ssl.SSLError as error:
                raise TlsError(f"tls_client_ca: {self.client_ca} holds no CA certificate ({error.reason})") from None
        return found

    def stamp(self) -> tuple[float, ...]:
        """The files' modification times: a change means a rotation."""
        try:
            return tuple(os.stat(path).st_mtime_ns for path in (self.cert, self.key, self.client_ca) if path)
        except OSError:
            return ()


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    """Credentials for add_secure_port; refuses files that cannot be used now."""
    key, chain, client_ca = files.read()
    _warn_if_shared(files.key)
    rotation = _Rotation(files)
    return grpc.dynamic_ssl_server_credentials(
        grpc.ssl_server_certificate_configuration([(key, chain)], client_ca), rotation.fetch,
        require_client_authentication=client_ca is not None)


class _Rotation:
    """The fetcher gRPC calls before every handshake: a new configuration
    when the files changed, else None (keep the current one)."""

    def __init__(self, files: TlsFiles):
        self._files = files
        self._stamp = files.stamp()

    def fetch(self) -> grpc.ServerCertificateConfiguration | None:
        stamp = self._files.stamp()
        if stamp == self._stamp or not stamp:
            return None
        self._stamp = stamp
        try:
            key, chain, client_ca = self._files.read()
        except TlsError as error:
            log.error("TLS files changed but cannot be used, keeping the certificate in use: %s", error)
            return None
        log.info("TLS certificate files changed: serving the new certificate")
        return grpc.ssl_server_certificate_configuration([(key, chain)], client_ca)


def _warn_if_shared(key: str) -> None:
    # A warning, not a refusal: Kubernetes mounts secrets 0644 unless told
    # otherwise (defaultMode: 0400), and the pod may be the only user.
    mode = os.stat(key).st_mode & 0o777
    if mode & 0o077:
        log.warning("tls_key: %s can be read by other users (mode %03o): make it owner-only (chmod 600)",
                    key, mode)


def _pem(path: str, setting: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TlsError(f"{setting}: cannot read {path}: {error.strerror}") from None
    if b"-----BEGIN " not in data:
        raise TlsError(f"{setting}: {path} holds no PEM data")
    return data
