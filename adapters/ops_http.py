"""/healthz, /readyz and /metrics: one implementation for every adapter process.

/healthz answers 200 while the process runs. /readyz answers 200 only when the database
answers and is at the newest migration, and every platform check passes (Slack's
`auth.test` passed or Socket Mode is connected; Discord's gateway is ready); else 503,
with each check's verdict as JSON. /metrics is Prometheus' text format, with the gauges
read from the database first. They are served on `REBOUND_HTTP_PORT`, or beside Slack's
events on its own port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ops_metrics import CONTENT_TYPE, PrometheusRecorder
from bot.api import Clock, SystemClock, counts, schema_state

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"

Check = Callable[[], bool]


class Ops:
    """What a process shows its operators: readiness checks and its metrics."""

    def __init__(
        self,
        engine: AsyncEngine,
        recorder: PrometheusRecorder | None = None,
        clock: Clock | None = None,
        *,
        expecting: Iterable[str] = (),
    ) -> None:
        """`expecting`: the checks a process will `require` once it has built what they
        look at; until then each says "starting", so serving early never reads as ready."""
        self.engine = engine
        self.recorder = recorder or PrometheusRecorder()
        self._clock = clock or SystemClock()
        self._checks: dict[str, Check] = {}
        self._expected = tuple(expecting)

    def require(self, name: str, check: Check) -> None:
        """`/readyz` also needs `check()` (a platform connection) to be true."""
        self._checks[name] = check

    async def verdicts(self) -> dict[str, str]:
        """Each check's verdict: "ok", or what is wrong (never a secret or a member)."""
        verdicts: dict[str, str] = {}
        try:
            state = await schema_state(self.engine)
        except Exception as failure:  # any driver error means: not reachable
            verdicts["database"] = f"unreachable ({type(failure).__name__})"
        else:
            verdicts["database"] = (
                "ok"
                if state.at_head
                else f"at {state.current or 'no migration'}, "
                f"needs {state.head} (run rebound migrate)"
            )
        for name in self._expected:
            verdicts[name] = "starting"
        for name, check in self._checks.items():
            verdicts[name] = "ok" if check() else "not connected"
        return verdicts

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(HEALTH_PATH, _healthy)
        app.router.add_get(READY_PATH, self._ready)
        app.router.add_get(METRICS_PATH, self._metrics)

    def web_app(self) -> web.Application:
        app = web.Application()
        self.add_routes(app)
        return app

    async def _ready(self, _request: web.Request) -> web.Response:
        verdicts = await self.verdicts()
        ready = all(v == "ok" for v in verdicts.values())
        return web.json_response(verdicts, status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            self.recorder.refresh(await counts(self.engine, self._clock.now()))
        except Exception as failure:  # the counters still answer without the database
            log.warning("metrics: database gauges not refreshed (%s)", type(failure).__name__)
        body = self.recorder.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def serve(self, port: int, host: str = "0.0.0.0") -> web.AppRunner:
        """Serve on a port of its own until the runner is cleaned up."""
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        log.info("health checks on port %d (/healthz, /readyz, /metrics)", bound_port(runner))
        return runner


async def _healthy(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def bound_port(runner: web.AppRunner) -> int:
    """The port listened on (the one the system chose, for port 0)."""
    return int(runner.addresses[0][1])
