"""`rebound web`: the page on its own port until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from adapters.web.app import WebPage, serve
from adapters.web.settings import WebSettings
from bot.api import SystemClock, build_rebound

log = logging.getLogger(__name__)


async def run_web(settings: WebSettings, database_url: str, port: int) -> None:
    core = await build_rebound(database_url, SystemClock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    runner = await serve(WebPage(core, settings), port)
    try:
        await stop.wait()
    finally:
        log.info("web page stopping")
        await runner.cleanup()
        await core.close()
