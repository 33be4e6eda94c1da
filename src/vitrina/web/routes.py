"""The pages, server-rendered, mounted on the app: each page's routes live in its own module.

- :mod:`~vitrina.web.search_page` — search by photo (``/``, ``/search``);
- :mod:`~vitrina.web.dashboard_page` and :mod:`~vitrina.web.login` — the sync dashboard;
- :mod:`~vitrina.web.dashboard_api` — the dashboard's numbers as JSON;
- :mod:`~vitrina.web.error_pages` — errors as HTML; :mod:`~vitrina.web.rendering` — templates.

Every page works as plain HTML forms and links; a little JavaScript (``static/``) makes them
nicer — drag and drop, results without a reload, a dashboard that refreshes itself.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from vitrina.web import dashboard_api, dashboard_page, login, search_page
from vitrina.web.error_pages import render_error
from vitrina.web.rendering import HERE, make_templates
from vitrina.web.widget import install_widget


def install_web(app: FastAPI) -> None:
    """Add the pages, their static files and HTML error pages to ``app``."""
    app.state.templates = make_templates()
    app.state.html_error_renderer = render_error
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (search_page.router, dashboard_page.router, login.router, dashboard_api.router):
        app.include_router(router)
    install_widget(app)
