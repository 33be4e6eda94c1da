"""Vertex AI against a local HTTP server that speaks its real wire format (and Google's OAuth).

The server plays both Google endpoints the embedder talks to: the OAuth token endpoint (the
service-account JWT grant google-auth really performs) and the ``:predict`` endpoint of
``multimodalembedding@001``. Scripted failures exercise retries.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image

from tests.embedding.samples import jpeg_bytes
from vitrina.config import Settings
from vitrina.embedding import get_embedder
from vitrina.embedding.vertex import VertexEmbedder, VertexRejected
from vitrina.errors import ConfigurationError, EmbeddingError, NotAnImage
from vitrina.retry import parse_retry_after

PREDICT_PATH = (
    "/v1/projects/shop-project/locations/europe-west4/publishers/google/models/"
    "multimodalembedding@001:predict"
)


@dataclass
class FakeVertex:
    """What the server saw, and what it should answer next."""

    port: int = 0
    bodies: list[dict] = field(default_factory=list)
    tokens_issued: int = 0
    # (status, headers, body) answers to use before behaving normally.
    script: list[tuple[int, dict[str, str], dict]] = field(default_factory=list)
    wrong_dimension: bool = False

    def embedding(self, image: Image.Image, dimension: int) -> list[float]:
        """A deterministic vector from the mean colour, spread over ``dimension`` numbers."""
        mean = np.asarray(image.convert("RGB"), dtype=np.float64).mean(axis=(0, 1)) / 255
        vector = np.resize(np.concatenate([mean, 1 - mean]), dimension)
        return vector.tolist()


def _handler(state: FakeVertex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/token":
                form = parse_qs(raw.decode())
                assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                assert form["assertion"][0].count(".") == 2  # a signed JWT
                state.tokens_issued += 1
                token = f"token-{state.tokens_issued}"
                return self._send(200, {"access_token": token, "expires_in": 3600})
            if self.path != PREDICT_PATH:
                return self._send(404, {"error": {"code": 404, "message": "no such model"}})
            if self.headers.get("Authorization") != f"Bearer token-{state.tokens_issued}":
                return self._send(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
            body = json.loads(raw)
            state.bodies.append(body)
            if state.script:
                status, headers, answer = state.script.pop(0)
                return self._send(status, answer, headers)
            (instance,) = body["instances"]
            dimension = body["parameters"]["dimension"]
            if state.wrong_dimension:
                dimension //= 2
            if "image" in instance:
                data = base64.b64decode(instance["image"]["bytesBase64Encoded"])
                image = Image.open(io.BytesIO(data))
                prediction = {"imageEmbedding": state.embedding(image, dimension)}
            else:
                prediction = {"textEmbedding": np.resize([0.3, 0.7], dimension).tolist()}
            return self._send(200, {"predictions": [prediction], "deployedModelId": "1"})

    return Handler


@pytest.fixture
def vertex_server() -> Iterator[FakeVertex]:
    state = FakeVertex()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def service_account(tmp_path: Path, vertex_server: FakeVertex, private_key_pem: str) -> Path:
    pem = private_key_pem
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "shop-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "vitrina@shop-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"http://127.0.0.1:{vertex_server.port}/token",
            }
        )
    )
    return path


@pytest.fixture
def vertex_settings(vertex_server: FakeVertex, service_account: Path) -> Settings:
    return Settings(
        embedder="vertex",
        vertex_project="shop-project",
        vertex_location="europe-west4",
        vertex_credentials=service_account,
        vertex_endpoint=f"http://127.0.0.1:{vertex_server.port}",
        vertex_dimension=512,
        vertex_timeout_s=5.0,
        vertex_retries=3,
    )


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def vertex(vertex_settings: Settings, slept: list[float]) -> Iterator[VertexEmbedder]:
    embedder = VertexEmbedder(vertex_settings, sleep=slept.append)
    yield embedder
    embedder.close()


RED = Image.new("RGB", (200, 100), (230, 20, 20))


def test_embeds_photos_over_the_real_wire_format(
    vertex: VertexEmbedder, vertex_server: FakeVertex
) -> None:
    vectors = vertex.embed_images([jpeg_bytes(RED), Image.new("RGB", (3000, 2000), "blue")])
    assert vectors.shape == (2, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert vertex_server.tokens_issued == 1  # one token, reused
    first, second = vertex_server.bodies
    assert first["parameters"] == {"dimension": 512}
    sent = Image.open(
        io.BytesIO(base64.b64decode(second["instances"][0]["image"]["bytesBase64Encoded"]))
    )
    assert sent.format == "JPEG"
    assert max(sent.size) <= 1024  # large photos are shrunk before upload


def test_text_embeddings_use_the_text_field(
    vertex: VertexEmbedder, vertex_server: FakeVertex
) -> None:
    (vector,) = vertex.embed_text(["red roses"])
    assert vector.shape == (512,)
    assert vertex_server.bodies[0]["instances"] == [{"text": "red roses"}]


def test_429_is_retried_honouring_retry_after(
    vertex: VertexEmbedder, vertex_server: FakeVertex, slept: list[float]
) -> None:
    quota = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}
    vertex_server.script = [(429, {"Retry-After": "7"}, quota)]
    vectors = vertex.embed_images([RED])
    assert vectors.shape == (1, 512)
    assert slept == [7.0]
    assert len(vertex_server.bodies) == 2


def test_5xx_backs_off_exponentially_then_succeeds(
    vertex: VertexEmbedder, vertex_server: FakeVertex, slept: list[float]
) -> None:
    vertex_server.script = [(503, {}, {"error": {"code": 503}}), (500, {}, {"error": {}})]
    assert vertex.embed_images([RED]).shape == (1, 512)
    assert len(slept) == 2
    assert slept[1] > slept[0] > 0


def test_gives_up_after_the_configured_retries(
    vertex: VertexEmbedder, vertex_server: FakeVertex, slept: list[float]
) -> None:
    vertex_server.script = [(503, {"Retry-After": "2"}, {"error": {}})] * 10
    with pytest.raises(EmbeddingError, match="4 attempts") as caught:
        vertex.embed_images([RED])
    assert caught.value.retry_after == 2.0
    assert len(vertex_server.bodies) == 4
    assert slept == [2.0, 2.0, 2.0]


def test_client_error_is_not_retried(
    vertex: VertexEmbedder, vertex_server: FakeVertex, slept: list[float]
) -> None:
    vertex_server.script = [(400, {}, {"error": {"code": 400, "message": "bad image"}})]
    with pytest.raises(VertexRejected, match="400"):
        vertex.embed_images([RED])
    assert slept == []


def test_wrong_dimension_is_an_error(vertex: VertexEmbedder, vertex_server: FakeVertex) -> None:
    vertex_server.wrong_dimension = True
    with pytest.raises(EmbeddingError, match="256 numbers; VITRINA_VERTEX_DIMENSION is 512"):
        vertex.embed_images([RED])


def test_expired_token_is_refreshed_once(vertex: VertexEmbedder, vertex_server: FakeVertex) -> None:
    vertex.embed_images([RED])
    vertex_server.tokens_issued += 1  # the server revokes token-1
    assert vertex.embed_images([RED]).shape == (1, 512)
    assert vertex_server.tokens_issued == 3


def test_bad_photo_is_rejected_before_any_request(
    vertex: VertexEmbedder, vertex_server: FakeVertex
) -> None:
    with pytest.raises(NotAnImage):
        vertex.embed_images([b"definitely not a photo"])
    assert vertex_server.bodies == []


def test_unreachable_server_is_retried_then_reported(
    vertex_settings: Settings, slept: list[float], vertex_server: FakeVertex
) -> None:
    embedder = VertexEmbedder(vertex_settings, sleep=slept.append)
    embedder.load()  # token fetched while the server is up
    embedder.url = "http://127.0.0.1:9/predict"  # discard port: connection refused
    with pytest.raises(EmbeddingError, match="cannot reach Vertex AI"):
        embedder.embed_images([RED])
    assert len(slept) == 3


def test_registry_builds_vertex_from_settings(vertex_settings: Settings) -> None:
    embedder = get_embedder(settings=vertex_settings)
    assert (embedder.name, embedder.dim) == ("vertex-multimodalembedding@001-512", 512)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vertex_project": None}, "VITRINA_VERTEX_PROJECT"),
        ({"vertex_dimension": 300}, "VITRINA_VERTEX_DIMENSION"),
        ({"vertex_credentials": Path("/nonexistent/sa.json")}, "VITRINA_VERTEX_CREDENTIALS"),
    ],
)
def test_misconfiguration_is_a_clear_start_up_error(
    vertex_settings: Settings, overrides: dict, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        VertexEmbedder(vertex_settings.model_copy(update=overrides))


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
