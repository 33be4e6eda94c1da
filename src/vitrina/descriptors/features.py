"""What search keeps per catalog photo besides its embedding, computed by the worker at index time.

The worker already holds the decoded photo when it embeds it, so describing it here adds only the
colour descriptor (how much of the product is each colour name) and ORB (a few ms on a 320-pixel
photo; see ``docs/operations.md``). Search describes its query photos the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from vitrina.descriptors.colour import (
    ColourDescriptor,
    colour_descriptor,
    colour_thumbnail,
    pack_colour,
    unpack_colour,
)
from vitrina.descriptors.verify import QUERY_KEYPOINTS, LocalFeatures, local_features
from vitrina.images.regions import Box, product_region


class Description(Protocol):
    """What search reads of a photo's description: a stored :class:`PhotoDescription`, or a
    customer's photo (:class:`QueryDescription`)."""

    @property
    def colour(self) -> ColourDescriptor | None: ...

    @property
    def features(self) -> LocalFeatures: ...

    @property
    def as_taken(self) -> ColourDescriptor | None: ...


@dataclass(frozen=True, slots=True)
class PhotoDescription:
    """The colour descriptor and local features of one photo; ``colour`` is ``None`` for a stored
    photo described by an earlier version of the descriptor (until it is reindexed)."""

    colour: ColourDescriptor | None
    features: LocalFeatures
    # A query's colours as taken, before the warm-light correction (``colour`` is corrected):
    # a shop photo taken under warm light is compared with itself by these.
    as_taken: ColourDescriptor | None = None

    def pack(self) -> tuple[bytes, bytes]:
        """``(colour, keypoints)`` as the feature table stores them."""
        assert self.colour is not None, "only fresh descriptions are stored"
        return pack_colour(self.colour), self.features.pack()

    @classmethod
    def unpack(cls, colour: bytes, keypoints: bytes) -> PhotoDescription:
        """As stored; an earlier version's colour descriptor reads as ``None``."""
        return cls(unpack_colour(colour), LocalFeatures.unpack(keypoints))


def describe_catalog_photo(image: Image.Image) -> PhotoDescription:
    """A shop photo: the product fills it, so the whole photo is described."""
    return PhotoDescription(colour_descriptor(image), local_features(image))


def product_crop(image: Image.Image) -> tuple[Image.Image, Box | None]:
    """The region of a customer's photo that holds the product (the whole photo if no frame),
    and where it is (``None``: the whole photo)."""
    region = product_region(image)
    if region is None:
        return image, None
    return image.crop((region.left, region.top, region.right, region.bottom)), region


class QueryDescription:
    """A customer's photo, already cut to its product region: its colours at once (every search
    ranks by them), its local features only when verification first reads them. Most searches
    have no candidate worth verifying, and ORB is the costliest part of describing the photo
    (issue 20: ~6 ms a search); the features, when read, are the ones computed eagerly.

    More keypoints than stored, since the product may be small in the photo and only the query
    pays for them; its colour is corrected for warm indoor light, and kept as taken too (the
    correction must never move a photo away from itself). One thumbnail serves both colours.
    """

    __slots__ = ("_crop", "_features", "as_taken", "colour")

    def __init__(self, crop: Image.Image) -> None:
        thumbnail = colour_thumbnail(crop)
        self.colour: ColourDescriptor = colour_descriptor(thumbnail, query=True)
        self.as_taken: ColourDescriptor = colour_descriptor(thumbnail)
        self._crop = crop
        self._features: LocalFeatures | None = None

    @property
    def features(self) -> LocalFeatures:
        """ORB of the region (computed on first read, then kept)."""
        if self._features is None:
            self._features = local_features(self._crop, keypoints=QUERY_KEYPOINTS, query=True)
        return self._features

    @property
    def features_computed(self) -> bool:
        """Whether :attr:`features` has been read (what a search spent on ORB)."""
        return self._features is not None


def describe_query_photo(crop: Image.Image) -> QueryDescription:
    """A customer's photo, already cut to its product region (:class:`QueryDescription`)."""
    return QueryDescription(crop)
