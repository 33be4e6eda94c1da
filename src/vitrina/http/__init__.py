"""What every router shares: the app's services, dependencies, error responses, request ids.

Routes live in their domains (``catalog/routes.py``, ``search/routes.py``, …) and import from
here; the app factory (:mod:`vitrina.api.app`) imports the routes. Nothing here imports a domain
at run time, so the layers only point down.
"""
