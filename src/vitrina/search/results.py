"""A search's answer joined with the *current* catalog rows: price, name and availability as they
are now, and a product disabled since it was indexed left out.

Ranking hands over 100-200 candidates (every photo the index found, one per product), and the
answer lists ``top_k`` of them, most of which pass the final checks. So the rows are read for the
leading candidates first and for the rest only when too many of those fail the checks: the
answer is the one reading every candidate's row gives, the ORM builds ~40 products instead of
~150 (issue 20: the read was a tenth of a customer's search).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import null, select
from sqlalchemy.orm import Session

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.search.ranking import Candidate
from vitrina.search.schemas import MatchCheck, SearchResult
from vitrina.vectors.base import SearchFilters

FIRST_READ = 2  # times ``top_k`` candidates read first; the rest only if these fall short


def current_results(
    session: Session,
    candidates: Sequence[Candidate],
    top_k: int,
    threshold: float | None,
    filters: SearchFilters,
    links: ProductLinks,
) -> list[SearchResult]:
    """The first ``top_k`` candidates, in order, whose current rows pass the filters."""
    results: list[SearchResult] = []
    start, size = 0, max(1, FIRST_READ * top_k)
    while start < len(candidates) and len(results) < top_k:
        part = candidates[start : start + size]
        current = _rows(session, [c.hit.image_id for c in part], filters)
        for candidate in part:
            found = current.get(candidate.hit.image_id)
            result = _result(candidate, found, threshold, filters, links)
            if result is not None:
                results.append(result)
                if len(results) == top_k:
                    break
        start += size
        size = len(candidates)  # the rest at once
    return results


def _rows(session: Session, image_ids: list[int], filters: SearchFilters) -> dict[int, Any]:
    """(product, image id, url, shop id, page there) by image id: Any, as the columns differ
    by branch. Within a shop, the product's page on that shop's site (a product may be in
    several); without a shop filter the product's own page is shown, and nothing joins: SQLite
    does not skip an outer join whose condition is false, it scans (300 ms at 100k)."""
    query = select(Product, ProductImage.id, ProductImage.url).join(
        ProductImage, ProductImage.product_id == Product.id
    )
    if filters.shop_id is None:
        query = query.add_columns(null(), null())
    else:
        query = query.add_columns(ProductShop.shop_id, ProductShop.page_url).outerjoin(
            ProductShop,
            (ProductShop.product_id == Product.id) & (ProductShop.shop_id == filters.shop_id),
        )
    rows = session.execute(query.where(ProductImage.id.in_(image_ids)))
    return {row[1]: row for row in rows}


def _result(
    candidate: Candidate,
    found: Any,
    threshold: float | None,
    filters: SearchFilters,
    links: ProductLinks,
) -> SearchResult | None:
    """The candidate as listed, or ``None`` when its row is gone or fails a check."""
    if found is None:
        return None
    hit = candidate.hit
    product, _, url, in_shop, shop_page = found
    if (
        not _passes(product, filters, in_shop is not None)
        or (threshold is not None and hit.similarity < threshold)
        or not (product.available or candidate.exact)  # sold out: only as the match
    ):
        return None
    check = candidate.verification
    return SearchResult(
        product_id=product.id,
        name=product.name,
        price=product.price,
        image_url=product.image,
        matched_image_url=url,
        similarity=round(min(1.0, hit.similarity), 4),
        page_url=links.page_url(product.id, product.page_url if shop_page is None else shop_page),
        available=product.available,
        score=round(candidate.score, 4),
        colour_similarity=None if candidate.colour is None else round(candidate.colour, 4),
        verification=(
            None
            if check is None
            else MatchCheck(
                exact=candidate.exact,
                inliers=check.inliers,
                matches=check.matches,
                colour_agreement=round(check.colour_agreement, 3),
                hue_agreement=round(check.hue_agreement, 3),
            )
        ),
    )


def _passes(product: Product, filters: SearchFilters, in_shop: bool) -> bool:
    """The final check against the current row: what the index knew may be a moment old."""
    return (
        product.enabled
        and (filters.shop_id is None or in_shop)
        and (filters.price_min is None or product.price >= filters.price_min)
        and (filters.price_max is None or product.price <= filters.price_max)
        and (filters.type is None or product.type == filters.type)
        and product.id != filters.exclude_product_id
    )
