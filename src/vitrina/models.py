"""Imports every table module so ``Base.metadata`` holds the whole schema (for Alembic)."""

from vitrina.analytics.models import SearchClick, SearchEvent
from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.db import Base
from vitrina.descriptors.models import PhotoFeatures
from vitrina.http.models import DashboardSession
from vitrina.integrations.bitrix.models import SyncRun
from vitrina.jobs.models import Job
from vitrina.leads.models import Lead
from vitrina.search.models import SearchCalibration
from vitrina.sync.models import EventCount, EventLog, ProductSyncState
from vitrina.vectors.models import ImageVector

__all__ = [
    "Base",
    "DashboardSession",
    "EventCount",
    "EventLog",
    "ImageVector",
    "Job",
    "Lead",
    "PhotoFeatures",
    "Product",
    "ProductImage",
    "ProductShop",
    "ProductSyncState",
    "SearchCalibration",
    "SearchClick",
    "SearchEvent",
    "SyncRun",
]
