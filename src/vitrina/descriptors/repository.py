"""Reading and writing per-photo search features. Adds and flushes; the caller owns the commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from vitrina.db import utcnow
from vitrina.descriptors.colour import ColourDescriptor, unpack_colour
from vitrina.descriptors.features import PhotoDescription
from vitrina.descriptors.models import PhotoFeatures
from vitrina.descriptors.verify import LocalFeatures


@dataclass(frozen=True, slots=True)
class NewFeatures:
    """One photo's description, ready to store."""

    image_id: int
    content_hash: str
    colour: bytes
    keypoints: bytes


def store_features(session: Session, rows: Sequence[NewFeatures]) -> None:
    """Insert or replace the features of a batch of photos (one DELETE, one INSERT)."""
    if not rows:
        return
    rows = list({row.image_id: row for row in rows}.values())
    now = utcnow()
    session.execute(
        delete(PhotoFeatures).where(PhotoFeatures.image_id.in_([r.image_id for r in rows]))
    )
    session.execute(
        insert(PhotoFeatures),
        [
            {
                "image_id": r.image_id,
                "content_hash": r.content_hash,
                "colour": r.colour,
                "keypoints": r.keypoints,
                "created_at": now,
            }
            for r in rows
        ],
    )


def features_by_content(
    sessions: sessionmaker[Session], content_hashes: Sequence[str]
) -> dict[str, tuple[bytes, bytes]]:
    """Stored ``(colour, keypoints)`` of identical bytes, by content hash."""
    if not content_hashes:
        return {}
    with sessions() as session:
        rows = session.execute(
            select(PhotoFeatures.content_hash, PhotoFeatures.colour, PhotoFeatures.keypoints).where(
                PhotoFeatures.content_hash.in_(set(content_hashes))
            )
        )
        # Features by an earlier colour descriptor are not reused: the photo is described afresh.
        return {
            content_hash: (colour, keypoints)
            for content_hash, colour, keypoints in rows
            if unpack_colour(colour) is not None
        }


def images_with_features(session: Session, image_ids: Sequence[int]) -> set[int]:
    """The photos whose stored features are current: a colour descriptor of an earlier version
    leaves the photo to be described again by the next reindex."""
    rows = _by_image(session, PhotoFeatures.colour, image_ids)
    return {image_id for image_id, colour in rows.items() if unpack_colour(colour) is not None}


def colours(session: Session, image_ids: Sequence[int]) -> dict[int, ColourDescriptor]:
    """Colour descriptors of the candidates of one search (23 bytes each); a photo described by
    an earlier version is left out (unknown colour) until it is reindexed."""
    rows = _by_image(session, PhotoFeatures.colour, image_ids)
    found = {image_id: unpack_colour(data) for image_id, data in rows.items()}
    return {image_id: colour for image_id, colour in found.items() if colour is not None}


def keypoints(session: Session, image_ids: Sequence[int]) -> dict[int, LocalFeatures]:
    """Local features of the few candidates that are verified."""
    rows = _by_image(session, PhotoFeatures.keypoints, image_ids)
    return {image_id: LocalFeatures.unpack(data) for image_id, data in rows.items()}


def _by_image(
    session: Session, column: InstrumentedAttribute[bytes], image_ids: Sequence[int]
) -> dict[int, bytes]:
    """One stored column of the given photos, by primary key (a search's few candidates). Read
    on the session's connection: the ORM's per-row processing cost more than the read (a
    search reads the colours of 100-200 candidates)."""
    if not image_ids:
        return {}
    rows = session.connection().execute(
        select(PhotoFeatures.image_id, column).where(PhotoFeatures.image_id.in_(image_ids))
    )
    return {image_id: data for image_id, data in rows}


def description(session: Session, image_id: int) -> PhotoDescription | None:
    """One stored photo's description (a search by product id uses it as the query's)."""
    row = session.execute(
        select(PhotoFeatures.colour, PhotoFeatures.keypoints).where(
            PhotoFeatures.image_id == image_id
        )
    ).first()
    return None if row is None else PhotoDescription.unpack(row[0], row[1])
