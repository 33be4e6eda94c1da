"""The photo descriptors' table: per-photo data besides the embedding (colour and local features).

Kept out of ``image_vectors`` on purpose: they do not depend on the embedding model (a model
change does not recompute them), the vector index never reads them, and only the few candidates
of a search are loaded, by primary key. About 7 kB a photo (see ``docs/operations.md``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow


class PhotoFeatures(Base):
    """Colour descriptor and ORB keypoints of one product photo, computed when it is indexed."""

    __tablename__ = "photo_features"

    image_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("product_images.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    colour: Mapped[bytes] = mapped_column(LargeBinary)
    keypoints: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
