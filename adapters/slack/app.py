"""The Slack adapter assembled: client, outbox, listeners, App Home and the tick loop.

`SlackAdapter` is built around an existing core (tests and benchmarks pass their own);
`serve` builds the core from the settings and runs HTTP or Socket Mode until a stop
signal, then stops in order (docs/slack.md, "Stopping"): no new events, what was
acknowledged decided and delivered, the tick loop's current pass finished, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from adapters.lifecycle import STOP_BUDGET_S, Deadline, InFlight, stop_requested, unless_stopped
from adapters.ops_http import Ops, bound_port
from adapters.slack.bridge import VIEW_ANSWER_BUDGET_S, SlackBridge
from adapters.slack.catch_up import CatchUp
from adapters.slack.config import SlackSettings
from adapters.slack.directory import LOOKUP_BUDGET_S, Directory
from adapters.slack.distribution import Distribution
from adapters.slack.form_metadata import FormMetadata
from adapters.slack.home import HomeTab
from adapters.slack.http import EventsEndpoint, RefusalLog, events_app
from adapters.slack.inbound import PLATFORM, community_id
from adapters.slack.oauth import add_oauth_routes
from adapters.slack.outbox import SlackOutbox, where_of
from adapters.slack.pacing import Pacer
from adapters.slack.startup import with_retries
from adapters.slack.web import web_client
from adapters.slack.workspaces import Parts, Workspace
from adapters.web.mount import mount_if_configured
from bot.api import (
    OpenThread,
    Outbox,
    Rebound,
    SystemClock,
    build_rebound,
    log_failure,
    run_workers,
)

log = logging.getLogger(__name__)

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
        pacer: Pacer | None = None,
        view_answer_budget_s: float = VIEW_ANSWER_BUDGET_S,
        profile_budget_s: float = LOOKUP_BUDGET_S,
        ops: Ops | None = None,
    ) -> None:
        bolt_logger = quiet_library_logs()
        self.settings = settings
        self.core = core
        # Health, readiness and metrics; the core records through the ops' recorder.
        self.ops = ops or Ops(core.store.engine, clock=core.clock)
        core.metrics = self.ops.recorder
        # Built inside the running loop (as `serve` and the tests do); `close` closes it.
        self.session = aiohttp.ClientSession(
            trace_configs=[self.ops.recorder.trace_config(PLATFORM)]
        )
        self.client = web_client(settings.bot_token, settings.web_api_url, self.session)
        self.pacer = pacer or Pacer(settings.channel_interval_s, settings.workspace_rate_per_s)
        form_metadata = FormMetadata(settings.signing_secret)
        self.outbox = SlackOutbox(self.client, self.pacer, form_metadata=form_metadata)
        self.in_flight = InFlight()
        self.stopping = asyncio.Event()
        self._stop_deadline: Deadline | None = None
        self.directory = Directory(
            self.client, settings.moderators_group, lookup_budget_s=profile_budget_s
        )
        self.home = HomeTab(core, self.client)
        one = Workspace(
            "", self.client, self.outbox, self.directory, self.home, settings.support_channel or ""
        )
        parts = Parts(
            self.session,
            settings.web_api_url,
            form_metadata,
            lambda: Pacer(settings.channel_interval_s, settings.workspace_rate_per_s),
            profile_budget_s,
        )
        self._one = one
        self.distribution = Distribution(settings, core, parts, one)
        self.workspaces = self.distribution.workspaces
        self.app = AsyncApp(
            # Named, or bolt names it from inspect.stack(), which reads every frame's source.
            name="rebound",
            # A client of bolt's own: bolt builds a client per request sharing this one's
            # headers, and slack-sdk resets the User-Agent in them, dropping Rebound's suffix.
            client=web_client(settings.bot_token, settings.web_api_url, self.session),
            signing_secret=settings.signing_secret,
            # SlackBridge return once the event's decision is stored: the ack waits for that.
            process_before_response=True,
            logger=bolt_logger,
            # Bolt drops every event about the bot's own messages, the deletion of a post's
            # root (the bot's message) by a moderator among them. SlackBridge filter instead:
            # messages by bots (the bot included) are ignored, deletions are not.
            ignoring_self_events_enabled=False,
            **self.distribution.bolt_options(),
        )
        # Bolt's default handler logs str(error), which can quote members' words.
        self.app.error(_log_listener_failure)
        listeners = SlackBridge(
            core,
            self.workspaces,
            in_flight=self.in_flight,
            form_metadata=form_metadata,
            view_answer_budget_s=view_answer_budget_s,
        )
        listeners.register(self.app, taken=self.distribution.taken)
        self.distribution.register(self.app, self.in_flight, listeners.on_command)
        self.refusals = RefusalLog()
        self.community_id: str | None = None
        # Ready once started (auth.test passed, or installed by OAuth: nothing to check);
        # Socket Mode adds its connection.
        self.started = False
        self.ops.require("slack", lambda: self.started)
        self._recorded_at_start: dict[str, list[OpenThread]] | None = None
        # Set once events can arrive (listening, or connected in Socket Mode).
        self.serving = asyncio.Event()

    async def _retrying(self, call: Any, what: str, setting: str) -> Any:
        settings = self.settings
        return await with_retries(
            call, what, setting, settings.startup_tries, settings.startup_first_retry_s
        )

    async def start(self) -> str:
        """Find the workspace (`auth.test`), make sure its community exists, and note what
        each open thread has recorded, before any event arrives (see `catch_up`). Installed
        into many workspaces, there is no one workspace to find: each comes with its
        requests, and what is noted is every installed workspace's open threads."""
        if self.settings.distributed:
            log.info("Slack adapter serving the workspaces that installed it")
            await self.distribution.check_scopes()
        else:
            await self._start_one()
        self._recorded_at_start = {
            community: await self.core.open_threads(community)
            for community in await self.distribution.communities()
        }
        self.started = True
        return self.community_id or ""

    async def _start_one(self) -> None:
        identity = await self._retrying(self.client.auth_test, "auth.test", "SLACK_BOT_TOKEN")
        self.community_id = community_id(str(identity["team_id"]))
        self._one.community_id = self.community_id
        log.info(
            "Slack adapter serving one workspace, %s, set up from the environment (SLACK_*)",
            self.community_id,
        )
        await self.core.ensure_community(
            self.community_id, PLATFORM, self.settings.community_settings()
        )

    async def catch_up(self, stop: asyncio.Event | None = None) -> int:
        """Record the thread replies written while Rebound was away, in every workspace
        served (after `start`; again at any time: what is recorded already is not recorded
        twice). Reads from what was recorded at start, so replies arriving live meanwhile
        cannot hide earlier ones. Once `stop` is set it finishes the reply in hand and
        leaves the rest to the next start."""
        recorded = self._recorded_at_start
        self._recorded_at_start = None
        if recorded is None:
            recorded = {
                community: await self.core.open_threads(community)
                for community in await self.distribution.communities()
            }
        handed = 0
        for community, threads in recorded.items():
            ws = await self.workspaces.at(community)
            if ws is None or (stop is not None and stop.is_set()):
                continue  # uninstalled meanwhile, or stopping: the next start reads it
            reader = CatchUp(self.core, ws.client, ws.directory, ws.outbox)
            handed += await reader.run(community, threads, stop)
        return handed

    async def close(self) -> None:
        await self.session.close()

    def outbox_for(self, community: str) -> Outbox | None:
        return self.workspaces.outbox_for(community)

    async def tick_forever(
        self,
        interval_s: float = TICK_INTERVAL_S,
        senders: int = SENDERS,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Retry undelivered intents and fire due follow-ups, until `stop` is set (each
        sender then finishes the pass it is in) or until cancelled."""
        stop = stop or asyncio.Event()
        await asyncio.gather(
            run_workers(
                self.core,
                self.outbox_for,
                frozenset({PLATFORM}),
                interval_s,
                stop,
                senders=senders,
            ),
            self._replaying(interval_s, stop),
        )

    async def replay_accepted(self) -> int:
        """Decide and deliver the events acknowledged by a process that stopped before it
        decided them (see `Rebound.replay_accepted`); how many were taken."""

        async def outbox_at(community: str, route: Mapping[str, Any]) -> Outbox | None:
            ws = await self.workspaces.at(community)
            return None if ws is None else ws.outbox.at(where_of(route))

        return await self.core.replay_accepted(PLATFORM, outbox_at)

    async def _replaying(self, interval_s: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.replay_accepted()
            except Exception as failure:
                log_failure(log, "replaying accepted events", failure)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    def web_app(self) -> web.Application:
        """Events, commands and interactivity at /slack/events, beside /healthz, /readyz
        and /metrics."""
        endpoint = EventsEndpoint(
            self.app,
            self.settings.signing_secret,
            self.in_flight,
            self.refusals,
            on_ack=lambda seconds: self.ops.recorder.acknowledged("slack_http", seconds),
        )
        application = events_app(endpoint, self.ops)
        add_oauth_routes(application, self.app)
        mount_if_configured(application, self.core)  # the moderators' page (docs/web.md)
        return application

    def _begin_stop(self) -> Deadline:
        """Stopping starts: the tick loop finishes its pass; one budget for everything."""
        if self._stop_deadline is None:
            self._stop_deadline = Deadline()
            self.stopping.set()
        return self._stop_deadline

    @contextlib.asynccontextmanager
    async def ticking(self, after: asyncio.Event | None = None) -> AsyncIterator[None]:
        """The tick loop, and catching up once, beside whatever serves events (from when
        `after` is set: background work does not hold up listening). On leaving, the tick
        loop's current pass and the reply being caught up finish (within the stop budget,
        else they are cancelled: their rows wait for the next start, which catches up
        again)."""
        stop = self.stopping
        ticker = asyncio.create_task(_once_set(after, lambda: self.tick_forever(stop=stop)))
        catching_up = asyncio.create_task(_once_set(after, lambda: self.catch_up(stop=stop)))
        try:
            yield
        finally:
            deadline = self._begin_stop()
            if after is not None and not after.is_set():  # stopped before serving: not begun
                for task in (ticker, catching_up):
                    task.cancel()
                await asyncio.gather(ticker, catching_up, return_exceptions=True)
            else:
                await _finish(((catching_up, "catch-up"), (ticker, "tick loop's pass")), deadline)

    async def serve_http(self, port: int, stop: asyncio.Event, host: str = "0.0.0.0") -> None:
        """Serve until `stop`; then stop listening, let requests in flight finish (each
        one's decision stored and acknowledged) and their deliveries end."""
        runner = web.AppRunner(self.web_app(), access_log=None, shutdown_timeout=STOP_BUDGET_S)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            log.info("Slack adapter listening on port %d", bound_port(runner))
            self.serving.set()
            await stop.wait()
        finally:
            deadline = self._begin_stop()
            await runner.cleanup()
            await self.in_flight.drain(deadline.left())

    async def serve_socket_mode(
        self, app_token: str, stop: asyncio.Event, health_port: int | None = None
    ) -> None:
        """Socket Mode until `stop` (with /healthz, /readyz and /metrics on `health_port`);
        then new envelopes are left for Slack to send again while those taken finish."""
        from adapters.slack.socket_mode import SocketMode  # noqa: PLC0415  (HTTP needs none of it)

        handler = SocketMode(
            self.app,
            app_token,
            self.in_flight,
            on_ack=lambda seconds: self.ops.recorder.acknowledged("slack_socket", seconds),
        )
        self.ops.require("slack_socket_mode", handler.connected)
        health = await self.ops.serve(health_port) if health_port is not None else None
        try:
            handler.client.wss_uri = await self._retrying(
                lambda: _connection_url(self.client, app_token),
                "apps.connections.open",
                "SLACK_APP_TOKEN",
            )
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack adapter connected in Socket Mode")
            self.serving.set()
            refused = asyncio.ensure_future(handler.refused())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({refused, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if refused.done():
                raise refused.result()
            refused.cancel()
        finally:
            deadline = self._begin_stop()
            handler.stopping = True
            await self.in_flight.drain(deadline.left())
            await handler.close_async()  # type: ignore[no-untyped-call]
            if health is not None:
                await health.cleanup()


async def _finish(tasks: tuple[tuple[asyncio.Task[None], str], ...], deadline: Deadline) -> None:
    """Each task's end, within what is left of the stop budget (else it is cancelled)."""
    for task, what in tasks:
        try:
            await asyncio.wait_for(task, deadline.left())
        except TimeoutError:
            log.warning("stop: the %s did not finish in time", what)


async def _once_set(event: asyncio.Event | None, work: Callable[[], Awaitable[object]]) -> None:
    """`work()`, once `event` is set (at once without one)."""
    if event is not None:
        await event.wait()
    await work()


async def _connection_url(client: Any, app_token: str) -> str:
    """A Socket Mode URL: checks the app token before the client would retry it forever."""
    opened = await client.apps_connections_open(app_token=app_token)
    return str(opened["url"])


async def _log_listener_failure(error: Exception) -> None:
    """Bolt's error handler: the failure's type and stack, never its message."""
    log_failure(log, "a Slack listener", error)


async def serve(settings: SlackSettings, port: int) -> None:
    """Build the core from the settings and run until SIGTERM or SIGINT."""
    stop = stop_requested()
    core = await build_rebound(settings.database_url, SystemClock())
    adapter = SlackAdapter(settings, core)
    try:
        if not await unless_stopped(adapter.start(), stop):
            log.info("stopped while starting")
            return
        async with adapter.ticking(after=adapter.serving):
            if settings.app_token:
                await adapter.serve_socket_mode(settings.app_token, stop, port)
            else:
                await adapter.serve_http(port, stop)
        log.info("stopped")
    finally:
        await adapter.close()
        await core.close()
