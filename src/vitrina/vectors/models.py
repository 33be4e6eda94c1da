"""The vector table: one embedding per product photo, tagged with the model that made it.

Vectors live in their own table so that price or name updates of the product row never touch
the vector index (on PostgreSQL an HNSW index rebuild is expensive).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from vitrina.db import Base, UTCDateTime, utcnow


class EmbeddingType(TypeDecorator[NDArray[np.float32]]):
    """A float32 vector: pgvector's ``vector`` on PostgreSQL, raw little-endian bytes on SQLite."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from pgvector.sqlalchemy import Vector

            return dialect.type_descriptor(Vector())  # type: ignore[no-any-return]
        return dialect.type_descriptor(LargeBinary())  # type: ignore[no-any-return]

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        array = np.asarray(value, dtype="<f4")
        if dialect.name == "postgresql":
            return array
        return array.tobytes()

    def process_result_value(self, value: Any, dialect: Any) -> NDArray[np.float32] | None:
        if value is None:
            return None
        if isinstance(value, bytes | memoryview):
            return np.frombuffer(bytes(value), dtype="<f4")
        return np.asarray(value, dtype=np.float32)


class ImageVector(Base):
    """The embedding of one product photo by one model."""

    __tablename__ = "image_vectors"

    image_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("product_images.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    product_id: Mapped[int] = mapped_column(BigInteger)
    model: Mapped[str] = mapped_column(String(100), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[NDArray[np.float32]] = mapped_column(EmbeddingType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_image_vectors_model_created", "model", "created_at"),
        Index("ix_image_vectors_product_model", "product_id", "model"),
        Index("ix_image_vectors_content_hash", "content_hash"),
    )
