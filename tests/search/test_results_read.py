"""The answer's rows read for the leading candidates first give the answer of reading them all.

``search/results.py`` reads the current rows of ``2 * top_k`` candidates and the rest only when
too many of those fail the final checks. On a real SQLite catalog of products in every state
(disabled, sold out, another price or type, in the asked shop or not, photo deleted), any
candidate order, ``top_k``, threshold and filter: the same results as one read of every row.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.db import make_engine
from vitrina.descriptors.verify import Verification
from vitrina.search.ranking import Candidate
from vitrina.search.results import _result, _rows, current_results
from vitrina.vectors.base import Hit, SearchFilters

PRODUCTS = 80
GONE = {7, 19, 44}  # photos deleted since they were indexed
LINKS = ProductLinks(base_url="https://shop.example/", template=None)


@pytest.fixture(scope="module")
def sessions(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[sessionmaker[Session]]:
    path = tmp_path_factory.mktemp("results") / "vitrina.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    rng = random.Random(20)
    with engine.begin() as conn:
        conn.execute(
            insert(Product),
            [
                {"id": i, "shop_id": 1, "name": f"Букет {i}", "price": rng.choice([5, 10, 20]) * 1000,
                 "enabled": rng.random() > 0.25, "available": rng.random() > 0.3,
                 "type": rng.choice(["vitrina", "catalog"]), "page_url": f"/p/{i}",
                 "image": f"https://shop.example/{i}.jpg", "source_payload": {}}
                for i in range(1, PRODUCTS + 1)
            ],
        )  # fmt: skip
        conn.execute(
            insert(ProductImage),
            [
                {"id": i, "product_id": i, "position": 0, "url": f"https://shop.example/{i}.jpg",
                 "is_primary": True}
                for i in range(1, PRODUCTS + 1) if i not in GONE
            ],
        )  # fmt: skip
        conn.execute(
            insert(ProductShop),
            [
                {"product_id": i, "shop_id": 2, "page_url": f"https://second.example/{i}"}
                for i in range(1, PRODUCTS + 1) if rng.random() > 0.4
            ],
        )  # fmt: skip
    yield sessionmaker(engine)
    engine.dispose()


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    """Candidates in ranking order: any photos, cosine and score falling, some verified."""
    ids = draw(st.permutations(range(1, PRODUCTS + 1)))[: draw(st.integers(0, PRODUCTS))]
    out = []
    for rank, image_id in enumerate(ids):
        exact = draw(st.booleans()) and rank < 3
        out.append(
            Candidate(
                Hit(image_id, image_id, 0.95 - 0.01 * rank),
                colour=draw(st.sampled_from([None, 0.5, 0.9])),
                score=1.0 - 0.01 * rank,
                verification=Verification(40, 60, 0.9, 0.95) if exact else None,
                exact=exact,
            )
        )
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    candidates(),
    st.integers(1, 30),
    st.sampled_from([None, 0.5, 0.9]),
    st.sampled_from(
        [
            SearchFilters(),
            SearchFilters(shop_id=2),
            SearchFilters(price_max=10000),
            SearchFilters(type="vitrina", price_min=10000),
            SearchFilters(exclude_product_id=3),
        ]
    ),
)
def test_reading_the_leading_rows_first_gives_the_answer_of_reading_all(
    sessions: sessionmaker[Session],
    ranked: list[Candidate],
    top_k: int,
    threshold: float | None,
    filters: SearchFilters,
) -> None:
    with sessions() as session:
        answer = current_results(session, ranked, top_k, threshold, filters, LINKS)
        every_row = _rows(session, [c.hit.image_id for c in ranked], filters) if ranked else {}
    full = [
        result
        for candidate in ranked
        for result in [_result(candidate, every_row.get(candidate.hit.image_id), threshold,
                               filters, LINKS)]
        if result is not None
    ][:top_k]  # fmt: skip
    assert answer == full
