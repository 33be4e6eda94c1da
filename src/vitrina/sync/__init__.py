"""Applying product changes to the catalog, whatever brought them: a webhook or a shop listing.

:func:`vitrina.sync.service.apply_changes` is the one way in. It locks the products' ordering
state (:mod:`.state`), decides with the pure rules — :func:`.service.is_stale` for events,
:func:`.snapshot.plan_product` / :func:`.snapshot.plan_vanished` for listings — writes through
:mod:`vitrina.catalog.repository`, queues the reindex and logs each change once. The webhook route
(:mod:`.routes`), the importer and reconciliation (:mod:`vitrina.integrations.bitrix`) only read
their source and call it.
"""
