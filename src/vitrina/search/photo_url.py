"""A customer's photo address: fetched like a shop photo, failures worded for the customer.

The fetcher's messages speak to a shop manager ("re-save the product in Bitrix", "it will be
tried again later"); the worker and the dashboard keep them. A customer who pasted a link gets to
know what went wrong with *their* link and what to do instead; the error code stays the fetcher's.
"""

from __future__ import annotations

from vitrina.errors import (
    GatewayTimeout,
    InvalidPayload,
    PhotoBlocked,
    PhotoFetchError,
    PhotoNotAnImage,
    PhotoNotFound,
    PhotoRejected,
    PhotoTimeout,
    PhotoTooLarge,
    VitrinaError,
)

_UPLOAD_INSTEAD = "Save the photo to your phone and upload it instead."


def for_customer(error: PhotoFetchError) -> VitrinaError:
    """The error to show a customer whose photo address failed with ``error``."""
    if isinstance(error, PhotoTimeout):
        timeout = GatewayTimeout(
            "image_url: the site with this photo took too long to answer. Try again, or save "
            "the photo to your phone and upload it."
        )
        timeout.code = error.code
        return timeout
    if isinstance(error, PhotoNotFound):
        message = "There is no photo at this address any more (the site answered 404)."
    elif isinstance(error, PhotoBlocked):
        message = "Photos cannot be downloaded from this address."
    elif isinstance(error, PhotoTooLarge | PhotoRejected):
        message = "The photo at this address is too large."
    elif isinstance(error, PhotoNotAnImage):
        message = "This address gives a web page, not a photo: copy the photo's own address."
    elif error.code == "photo_invalid_url":
        message = "This is not a web address of a photo (it should start with https://)."
    else:
        message = "The photo could not be downloaded from this address."
    invalid = InvalidPayload(f"image_url: {message} {_UPLOAD_INSTEAD}", field="image_url")
    invalid.code = error.code
    invalid.status_code = 413 if isinstance(error, PhotoTooLarge) else 422
    return invalid
