"""What every router shares: the app's services, dependencies, error responses, request ids.

Routes live in their domains (``catalog/routes.py``, ``search/routes.py``, …) and import from
here; the app factory (:mod:`vitrina.api.app`) imports the routes. At run time this package
imports the shared base and one domain, ``ingest`` (its rate limiter and price cap); the domains
``state.py`` holds (search, jobs, images) are named for type checking only, so the routers of
those domains import ``http`` without a cycle.
"""
