"""One error hierarchy for the whole service.

Every error a user can cause or see is a :class:`VitrinaError` carrying its HTTP status and a
message a shop manager understands. Services raise these; the API renders them once (JSON for the
API, HTML for pages) — nothing below the API layer knows about HTTP exceptions.
"""

from __future__ import annotations


class VitrinaError(Exception):
    """Something went wrong in Vitrina.

    ``permanent`` and ``retry_after`` tell whoever would try again (the job queue) whether that
    can help and how soon. By default it can, at the queue's own pace: a database or model
    hiccup passes. Errors that will fail the same way again say ``permanent = True``.
    """

    status_code: int = 500
    code: str = "internal_error"
    permanent: bool = False
    retry_after: float | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or self.__class__.__name__).strip()
        super().__init__(self.message)


# --- request problems --------------------------------------------------------------------------


class BadRequest(VitrinaError):
    """The request could not be read."""

    status_code = 400
    code = "bad_request"


class InvalidPayload(VitrinaError):
    """A value in the request could not be understood."""

    status_code = 422
    code = "invalid_payload"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class Unauthorized(VitrinaError):
    """Missing or invalid credentials."""

    status_code = 401
    code = "unauthorized"


class NotFound(VitrinaError):
    """No such object."""

    status_code = 404
    code = "not_found"


class PayloadTooLarge(VitrinaError):
    """The request body is too large."""

    status_code = 413
    code = "payload_too_large"


class RateLimited(VitrinaError):
    """Too many requests; retry later."""

    status_code = 429
    code = "rate_limited"
    retry_after: float = 1.0

    def __init__(self, message: str | None = None, *, retry_after: float = 1.0) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ServiceUnavailable(VitrinaError):
    """The database is unavailable; retry later."""

    status_code = 503
    code = "service_unavailable"
    retry_after: float | None = None  # seconds for ``Retry-After``; None: the handler's default


class GatewayTimeout(VitrinaError):
    """Another site took too long to answer."""

    status_code = 504
    code = "gateway_timeout"


class ConfigurationError(VitrinaError):
    """The configuration is invalid."""

    status_code = 500
    code = "configuration_error"


# --- images ------------------------------------------------------------------------------------


class ImageRejected(VitrinaError):
    """The file is not an image Vitrina can use.

    ``permanent`` tells the job queue not to retry: the same bytes will fail the same way.
    """

    status_code = 422
    code = "image_rejected"
    permanent = True


class EmptyImage(ImageRejected):
    """The image file is empty."""

    code = "image_empty"


class NotAnImage(ImageRejected):
    """The file is not an image (JPEG, PNG, WebP, GIF, BMP or TIFF expected)."""

    code = "not_an_image"


class TruncatedImage(ImageRejected):
    """The image file is damaged or cut short."""

    code = "image_truncated"


class ImageTooLarge(ImageRejected):
    """The image is too large."""

    status_code = 413
    code = "image_too_large"


class DecompressionBomb(ImageRejected):
    """The image has too many pixels (a decompression bomb?)."""

    status_code = 413
    code = "image_decompression_bomb"


# --- photo fetching ----------------------------------------------------------------------------


class PhotoFetchError(VitrinaError):
    """The photo could not be downloaded.

    ``permanent`` errors (404, blocked address, not an image) are not retried; transient ones
    (timeouts, 5xx, 429) are, honouring ``retry_after`` when the server gave one.
    """

    status_code = 422
    code = "photo_fetch_failed"
    permanent = False

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.url = url
        self.retry_after = retry_after
        super().__init__(message)


class PhotoNotFound(PhotoFetchError):
    """The shop's server says the photo does not exist (404/410)."""

    code = "photo_not_found"
    permanent = True


class PhotoBlocked(PhotoFetchError):
    """The photo address is not allowed (private, loopback or metadata address, or bad scheme)."""

    code = "photo_blocked"
    permanent = True


class PhotoTooLarge(PhotoFetchError):
    """The photo is larger than the download limit."""

    code = "photo_too_large"
    permanent = True


class PhotoTimeout(PhotoFetchError):
    """The shop's server took too long to send the photo."""

    code = "photo_timeout"


class PhotoServerError(PhotoFetchError):
    """The shop's server answered with an error; it will be retried."""

    code = "photo_server_error"


class TooManyRedirects(PhotoFetchError):
    """The photo address redirects too many times."""

    code = "photo_too_many_redirects"
    permanent = True


class PhotoNotAnImage(PhotoFetchError):
    """The address gives something that is not a photo (a web page, for example)."""

    code = "photo_not_an_image"
    permanent = True


class PhotoRejected(PhotoFetchError):
    """The photo was downloaded but cannot be used (too many pixels, or a damaged header)."""

    code = "photo_rejected"
    permanent = True


class PhotoRefused(PhotoFetchError):
    """The shop's server refuses to give out the photo (403 and other client errors)."""

    code = "photo_refused"
    permanent = True


class PhotoRateLimited(PhotoServerError):
    """The shop's server asks us to slow down (429); it will be retried."""

    code = "photo_rate_limited"


class PhotoUnreachable(PhotoFetchError):
    """The shop's server could not be reached (DNS, refused connection, broken response)."""

    code = "photo_unreachable"


class InvalidPhotoUrl(PhotoFetchError):
    """The photo address is not a valid web address."""

    code = "photo_invalid_url"
    permanent = True


# --- embedding ---------------------------------------------------------------------------------


class EmbeddingError(VitrinaError):
    """The image model failed."""

    status_code = 503
    code = "embedding_failed"
    permanent = False

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)
