"""Applying product changes to the catalog, whatever brought them: a webhook or a shop listing.

:mod:`.service` is the one way in: :func:`~.service.apply_event` for a webhook event,
:func:`~.service.apply_listing` for rows of a listing. Both lock the products' ordering state
(:mod:`.state`, the tables in :mod:`.models`), decide with the pure rules —
:func:`.service.is_stale` for events, :func:`.snapshot.plan_product` /
:func:`.snapshot.plan_vanished` for listings — write through :mod:`vitrina.catalog.repository`,
queue the reindex and log each change once. The webhook route (:mod:`.routes`), the importer and
reconciliation (:mod:`vitrina.integrations.bitrix`) only read their source and call them.
"""
