"""The Slack adapter assembled: client, outbox, listeners, App Home and the tick loop.

`SlackAdapter` is built around an existing core (tests and benchmarks pass their own);
`serve` builds the core from the settings and runs HTTP or Socket Mode until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from adapters.slack.catch_up import CatchUp
from adapters.slack.config import SlackSettings
from adapters.slack.directory import Directory
from adapters.slack.home import HomeTab
from adapters.slack.inbound import PLATFORM, community_id
from adapters.slack.listeners import VIEW_ANSWER_BUDGET_S, Listeners
from adapters.slack.outbox import SlackOutbox
from adapters.slack.pacing import Pacer
from adapters.slack.web import web_client
from bot.catch_up import OpenThread, open_threads
from bot.ports import Outbox
from bot.runtime import Rebound
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
TICK_INTERVAL_S = 5.0
SENDERS = 4
# slack-sdk and slack-bolt log request and response bodies (members' words) at DEBUG.
LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt")


def quiet_library_logs() -> logging.Logger:
    """Keep the libraries at INFO or above; returns the logger bolt should build on."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))
    return logging.getLogger("slack_bolt")


class SlackAdapter:
    """One Slack workspace served by `core`."""

    def __init__(
        self,
        settings: SlackSettings,
        core: Rebound,
        *,
        process_before_response: bool = False,
        pacer: Pacer | None = None,
        view_answer_budget_s: float = VIEW_ANSWER_BUDGET_S,
    ) -> None:
        bolt_logger = quiet_library_logs()
        self.settings = settings
        self.core = core
        # Built inside the running loop (as `serve` and the tests do); `close` closes it.
        self.session = aiohttp.ClientSession()
        self.client = web_client(settings.bot_token, settings.web_api_url, self.session)
        self.pacer = pacer or Pacer(settings.channel_interval_s, settings.workspace_rate_per_s)
        self.outbox = SlackOutbox(self.client, self.pacer)
        self.directory = Directory(self.client, settings.moderators_group)
        self.home = HomeTab(core, self.client)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret,
            process_before_response=process_before_response,
            logger=bolt_logger,
            # Bolt drops every event about the bot's own messages, the deletion of a post's
            # root (the bot's message) by a moderator among them. Listeners filter instead:
            # messages by bots (the bot included) are ignored, deletions are not.
            ignoring_self_events_enabled=False,
        )
        listeners = Listeners(
            core,
            self.outbox,
            self.directory,
            self.home.publish,
            view_answer_budget_s=view_answer_budget_s,
        )
        listeners.register(self.app)
        self.community_id: str | None = None
        self._recorded_at_start: list[OpenThread] | None = None

    async def start(self) -> str:
        """Find the workspace (`auth.test`), make sure its community exists, and note what
        each open thread has recorded, before any event arrives (see `catch_up`)."""
        identity = await self.client.auth_test()
        self.community_id = community_id(str(identity["team_id"]))
        await self.core.ensure_community(
            self.community_id, PLATFORM, self.settings.community_settings()
        )
        self._recorded_at_start = await open_threads(self.core.store, self.community_id)
        return self.community_id

    async def catch_up(self) -> int:
        """Record the thread replies written while Rebound was away (after `start`; again at
        any time: what is recorded already is not recorded twice). Reads from what was
        recorded at start, so replies arriving live meanwhile cannot hide earlier ones."""
        assert self.community_id is not None, "start first"
        threads = self._recorded_at_start
        self._recorded_at_start = None
        if threads is None:
            threads = await open_threads(self.core.store, self.community_id)
        reader = CatchUp(self.core, self.client, self.directory, self.outbox)
        return await reader.run(self.community_id, threads)

    async def close(self) -> None:
        await self.session.close()

    def outbox_for(self, community: str) -> Outbox | None:
        return self.outbox if community == self.community_id else None

    def schedulers(self, senders: int) -> list[Scheduler]:
        """The core's scheduler and `senders - 1` more: each claims its own batches, so one
        batch waiting on a paced channel does not hold back the rest."""
        extra = [Scheduler(self.core, f"{self.core.worker_id}/{n}") for n in range(1, senders)]
        return [self.core.scheduler, *extra]

    async def tick_forever(
        self, interval_s: float = TICK_INTERVAL_S, senders: int = SENDERS
    ) -> None:
        """Retry undelivered intents and fire due follow-ups, until cancelled."""
        platforms = frozenset({PLATFORM})
        await asyncio.gather(
            *(s.run(self.outbox_for, platforms, interval_s) for s in self.schedulers(senders))
        )

    def web_app(self) -> web.Application:
        """Events, commands and interactivity at /slack/events; GET /healthz answers 200."""
        application = self.app.web_app(path=EVENTS_PATH)
        application.router.add_get(HEALTH_PATH, _healthy)
        return application

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[None]:
        """The tick loop, and catching up once, beside whatever serves events."""
        ticker = asyncio.create_task(self.tick_forever())
        catching_up = asyncio.create_task(self.catch_up())
        try:
            yield
        finally:
            for task in (catching_up, ticker):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def serve_http(self, port: int, host: str = "0.0.0.0") -> None:
        runner = web.AppRunner(self.web_app())
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            log.info("Slack adapter listening on port %d", port)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def serve_socket_mode(self, app_token: str) -> None:
        handler = AsyncSocketModeHandler(self.app, app_token)
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack adapter connected in Socket Mode")
            await asyncio.Event().wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]


async def _healthy(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def serve(settings: SlackSettings, port: int) -> None:
    """Build the core from the settings and run until cancelled (Ctrl-C)."""
    from bot.bootstrap import build_rebound  # noqa: PLC0415
    from bot.clock import SystemClock  # noqa: PLC0415

    core = await build_rebound(settings.database_url, SystemClock())
    adapter = SlackAdapter(settings, core)
    try:
        await adapter.start()
        async with adapter.ticking():
            if settings.app_token:
                await adapter.serve_socket_mode(settings.app_token)
            else:
                await adapter.serve_http(port)
    finally:
        await adapter.close()
        await core.close()
