"""Fixtures: a real photo server on 127.0.0.1 (plain and TLS) and fetchers pointed at it."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.images import photo_server
from tests.images.photo_server import PhotoServer
from vitrina.images.address_policy import AddressPolicy, system_resolver
from vitrina.images.fetch import HttpPhotoFetcher
from vitrina.images.fetched import FetchLimits

BIG = 256 * 1024  # the test byte limit; the "huge" photos are twice that


@pytest.fixture(scope="session")
def server() -> Iterator[PhotoServer]:
    state, stop = photo_server.start()
    state.big_size = 2 * BIG
    yield state
    stop()


@pytest.fixture(autouse=True)
def _fresh_log(request: pytest.FixtureRequest) -> None:
    if "server" in request.fixturenames:
        request.getfixturevalue("server").seen.clear()


def table_resolver(table: dict[str, Sequence[str]]) -> Callable[[str, int], Sequence[str]]:
    """A resolver with a few made-up names (no real DNS in tests), else the system's."""

    def resolve(host: str, port: int) -> Sequence[str]:
        return table.get(host) or system_resolver(host, port)

    return resolve


FetcherFactory = Callable[..., HttpPhotoFetcher]


@pytest.fixture
def make_fetcher() -> Iterator[FetcherFactory]:
    """Build fetchers with an allowlist and small limits; all are closed after the test."""
    made: list[HttpPhotoFetcher] = []

    def make(
        allow: Sequence[str] = ("localhost",),
        resolver: Callable[[str, int], Sequence[str]] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        **limits: float,
    ) -> HttpPhotoFetcher:
        settings: dict[str, float] = {"max_bytes": BIG, "deadline_s": 5.0,
                                      "connect_timeout_s": 2.0, "read_timeout_s": 2.0}
        settings.update(limits)
        fetcher = HttpPhotoFetcher(
            policy=AddressPolicy.from_allowlist(allow),
            limits=FetchLimits(**settings),  # type: ignore[arg-type]
            resolver=resolver,
            ssl_context=ssl_context,
        )
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


# --- TLS: a throwaway CA and a certificate for photos.example ------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context for photos.example, client context trusting only the test CA)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Vitrina test CA"))
        .issuer_name(_name("Vitrina test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("photos.example"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("photos.example")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client_context = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    )
    return server_context, client_context


@pytest.fixture(scope="session")
def tls_server(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[PhotoServer]:
    state, stop = photo_server.start(ssl_context=tls[0])
    yield state
    stop()
