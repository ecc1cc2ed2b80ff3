"""The moderators' page inside another aiohttp process (the Slack HTTP adapter), on its
port, when `REBOUND_WEB_SECRET` is set."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.settings import WebSettings
from bot.api import Rebound

log = logging.getLogger(__name__)


def mount_if_configured(app: web.Application, core: Rebound) -> bool:
    """Add the page's routes to `app` if the page is configured; True if it was added."""
    settings = WebSettings()
    if not settings.secret:
        return False
    problems = settings.problems()
    if problems:
        log.warning("moderators' web page not served: missing %s", "; ".join(problems))
        return False
    # Loaded only when the page is served: the Slack process starts without Jinja2 otherwise.
    from adapters.web.app import WebPage, add_routes  # noqa: PLC0415

    add_routes(app, WebPage(core, settings), mounted=True)
    log.info("moderators' web page served on this port too")
    return True
