"""Vertex AI ``multimodalembedding@001`` — the provider the original system used.

One ``:predict`` call per photo (the model takes a single instance per request)::

    POST {base}/v1/projects/{project}/locations/{location}/publishers/google/models/
         multimodalembedding@001:predict
    {"instances": [{"image": {"bytesBase64Encoded": "..."}}], "parameters": {"dimension": 512}}
    -> {"predictions": [{"imageEmbedding": [512 floats]}]}

Authenticated with a service account through ``google-auth`` (token requests go through httpx,
so no ``requests`` dependency). 429 and 5xx answers and network errors are retried with
exponential backoff, honouring ``Retry-After``; every answer's length is checked against the
configured dimension, because a silently wrong width would corrupt the vector index.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import numpy as np
from google.auth import exceptions as auth_exceptions
from google.auth import transport
from PIL import Image

from vitrina.config import Settings
from vitrina.embedding.base import Vectors, l2_normalise
from vitrina.embedding.preprocess import ImageInput, load_rgb
from vitrina.errors import ConfigurationError, EmbeddingError
from vitrina.retry import backoff_delay, parse_retry_after

log = logging.getLogger(__name__)

MODEL = "multimodalembedding@001"
DIMENSIONS = (128, 256, 512, 1408)
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_SIDE = 1024  # Vertex downsamples anyway; sending more only costs upload time.
MAX_BACKOFF_S = 30.0


class VertexRejected(EmbeddingError):
    """Vertex AI refused the request; repeating it will not help."""

    code = "vertex_rejected"
    permanent = True


class _HttpxAuthRequest(transport.Request):
    """google-auth's transport interface over httpx (token refreshes need an HTTP client)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> transport.Response:
        try:
            response = self._client.request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or 30.0
            )
        except httpx.HTTPError as exc:
            raise auth_exceptions.TransportError(str(exc)) from exc  # type: ignore[no-untyped-call]
        return _AuthResponse(response)


class _AuthResponse(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return dict(self._response.headers)

    @property
    def data(self) -> bytes:
        return self._response.content


class VertexEmbedder:
    """Embeddings from Google's hosted model; needs a project, credentials and the internet."""

    supports_text = True
    # multimodalembedding@001 image-image cosines: re-encoded copies > 0.9, same-kind photos
    # ~0.6-0.8, unrelated < 0.5 (the original system's figures); tune per shop if needed.
    exact_threshold = 0.90
    similar_threshold = 0.65
    decode_size = MAX_SIDE

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        credentials: Any = None,
    ) -> None:
        if not settings.vertex_project:
            raise ConfigurationError("VITRINA_EMBEDDER=vertex needs VITRINA_VERTEX_PROJECT")
        if settings.vertex_dimension not in DIMENSIONS:
            raise ConfigurationError(
                f"VITRINA_VERTEX_DIMENSION must be one of {', '.join(map(str, DIMENSIONS))}, "
                f"not {settings.vertex_dimension}"
            )
        self.settings = settings
        self.dim = settings.vertex_dimension
        self.name = f"vertex-{MODEL}-{self.dim}"
        base = (
            settings.vertex_endpoint
            or f"https://{settings.vertex_location}-aiplatform.googleapis.com"
        ).rstrip("/")
        self.url = (
            f"{base}/v1/projects/{settings.vertex_project}/locations/"
            f"{settings.vertex_location}/publishers/google/models/{MODEL}:predict"
        )
        self._sleep = sleep
        self._client = httpx.Client(timeout=httpx.Timeout(settings.vertex_timeout_s, connect=10.0))
        self._auth_request = _HttpxAuthRequest(self._client)
        self._credentials = credentials or self._load_credentials()
        self._token_lock = threading.Lock()

    def _load_credentials(self) -> Any:
        path = self.settings.vertex_credentials
        try:
            if path is not None:
                from google.oauth2 import service_account

                return service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                    str(path), scopes=list(SCOPES)
                )
            import google.auth

            credentials, _ = google.auth.default(scopes=list(SCOPES))
            return credentials
        except (auth_exceptions.GoogleAuthError, OSError, ValueError, KeyError) as exc:
            where = f"the service account file {path}" if path else "default Google credentials"
            raise ConfigurationError(
                f"cannot use {where} for Vertex AI ({exc}); set VITRINA_VERTEX_CREDENTIALS to a "
                "service account JSON key"
            ) from exc

    def load(self) -> None:
        """Fetch a token now, so bad credentials show at start-up."""
        self._token(force=False)

    def close(self) -> None:
        self._client.close()

    def _token(self, *, force: bool) -> str:
        with self._token_lock:
            if force or not self._credentials.valid:
                try:
                    self._credentials.refresh(self._auth_request)
                except auth_exceptions.RefreshError as exc:
                    raise ConfigurationError(
                        f"Vertex AI refused the service account credentials: {exc}"
                    ) from exc
                except auth_exceptions.TransportError as exc:
                    raise EmbeddingError(f"cannot reach Google to get a token: {exc}") from exc
            return str(self._credentials.token)

    def embed_images(self, images: Sequence[ImageInput]) -> Vectors:
        if not images:
            return np.empty((0, self.dim), dtype=np.float32)
        instances = [{"image": {"bytesBase64Encoded": self._encode(image)}} for image in images]
        return l2_normalise(
            np.stack([self._predict(instance, "imageEmbedding") for instance in instances])
        )

    def embed_text(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return l2_normalise(np.stack([self._predict({"text": t}, "textEmbedding") for t in texts]))

    def _encode(self, image: ImageInput) -> str:
        """Decode (typed errors for bad photos, EXIF applied), shrink, send as JPEG."""
        rgb = load_rgb(image, draft=MAX_SIDE, max_pixels=self.settings.image_max_pixels)
        if max(rgb.size) > MAX_SIDE:
            rgb = rgb.copy()
            rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        rgb.save(buffer, "JPEG", quality=90)
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def _predict(self, instance: dict[str, Any], field: str) -> np.ndarray[Any, Any]:
        body = {"instances": [instance], "parameters": {"dimension": self.dim}}
        attempts = self.settings.vertex_retries + 1
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"Authorization": f"Bearer {self._token(force=False)}"}
            wait: float | None
            try:
                response = self._client.post(self.url, json=body, headers=headers)
            except httpx.HTTPError as exc:  # timeouts, refused connections, resets
                problem = f"cannot reach Vertex AI: {exc!r}"
                wait = None
            else:
                if response.status_code == 200:
                    return self._vector(response, field)
                if response.status_code == 401 and not refreshed:
                    refreshed = True  # an expired or revoked token: get a new one, once
                    self._token(force=True)
                    attempt -= 1
                    continue
                problem = f"Vertex AI answered {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRY_STATUSES:
                    raise VertexRejected(problem)
                wait = parse_retry_after(response.headers.get("Retry-After"))
            if attempt >= attempts:
                raise EmbeddingError(
                    f"{problem} (gave up after {attempts} attempts)", retry_after=wait
                )
            delay = backoff_delay(attempt - 1, base=0.5, cap=MAX_BACKOFF_S, retry_after=wait)
            log.warning("%s; retrying in %.1f s", problem, delay)
            self._sleep(delay)

    def _vector(self, response: httpx.Response, field: str) -> np.ndarray[Any, Any]:
        try:
            values = response.json()["predictions"][0][field]
            vector = np.asarray(values, dtype=np.float32)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise EmbeddingError(f"Vertex AI sent an answer without {field}: {exc!r}") from exc
        if vector.shape != (self.dim,):
            raise EmbeddingError(
                f"Vertex AI returned {vector.size} numbers; VITRINA_VERTEX_DIMENSION is {self.dim}"
            )
        if not np.isfinite(vector).all():
            raise EmbeddingError("Vertex AI returned a vector with NaN or infinity")
        return vector
