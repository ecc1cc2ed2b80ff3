"""The web page under test: a real core on a database of its own, the page served by
aiohttp on 127.0.0.1 (port 0), the fake sign-in servers, all on one event loop in a thread
of their own, so a synchronous browser driver can use them while they run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from adapters.web.app import WebPage, serve
from adapters.web.settings import WebSettings
from bot.api import ManualClock, Rebound, build_rebound
from tests.support import shared_content
from tests.web.fake_oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    DISCORD_BOT_TOKEN,
    MANAGE_THREADS,
    MODERATORS_GROUP,
    SLACK_BOT_TOKEN,
    DiscordUser,
    FakeOAuth,
    SlackUser,
)
from tests.web.story import Seeded, Story

_T = TypeVar("_T")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "a-test-secret-that-is-long-enough-0123456789"

MODERATOR = SlackUser("U-MOD", "T-ONE", "Mona Mod")
MEMBER = SlackUser("U-MEMBER", "T-ONE", "Mel Member")
OTHER_MODERATOR = SlackUser("U-OTHER-MOD", "T-TWO", "Otto Other")
ADMIN = SlackUser("U-ADMIN", "T-ONE", "Ada Admin", admin=True)
DISCORD_GUILD = "900100"
DISCORD_MODERATOR = DiscordUser("D-MOD", "Dana Discord", {DISCORD_GUILD: ["R-THREADS"]})
DISCORD_MEMBER = DiscordUser("D-MEMBER", "Dex Member", {DISCORD_GUILD: []})


class Loop:
    """An event loop running in a thread; `run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, _T], timeout: float = 60) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Site:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.loop = Loop()
        self.clock = ManualClock(START)
        self.fake = FakeOAuth()
        self.core: Rebound
        self.page: WebPage
        self.base_url = ""
        self.seeded = Seeded()
        self._runner: web.AppRunner | None = None

    async def _start(self) -> None:
        fake_url = await self.fake.start()
        self.core = await build_rebound(
            self.database_url, self.clock, content=shared_content(), worker="web-test"
        )
        self.seeded = await Story(self.core, self.clock).tell()
        for user in (MODERATOR, MEMBER, OTHER_MODERATOR, ADMIN):
            self.fake.slack_users[user.user_id] = user
        self.fake.slack_group = [MODERATOR.user_id, OTHER_MODERATOR.user_id]
        for discord_user in (DISCORD_MODERATOR, DISCORD_MEMBER):
            self.fake.discord_users[discord_user.user_id] = discord_user
        self.fake.discord_roles[DISCORD_GUILD] = [
            {"id": DISCORD_GUILD, "permissions": "0"},
            {"id": "R-THREADS", "permissions": str(MANAGE_THREADS)},
        ]
        settings = WebSettings(
            secret=SECRET,
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_api_url=f"{fake_url}/slack/api/",
            slack_authorize_url=f"{fake_url}/slack/authorize",
            slack_bot_token=SLACK_BOT_TOKEN,
            slack_moderators_group=MODERATORS_GROUP,
            discord_client_id=CLIENT_ID,
            discord_client_secret=CLIENT_SECRET,
            discord_api_url=f"{fake_url}/discord/api",
            discord_authorize_url=f"{fake_url}/discord/authorize",
            discord_token=DISCORD_BOT_TOKEN,
        )
        self.page = WebPage(self.core, settings)
        self._runner = await serve(self.page, 0, host="127.0.0.1")
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.page.settings = settings.model_copy(update={"base_url": self.base_url})
        self.fake.redirect_base = self.base_url

    def start(self) -> Site:
        self.loop.run(self._start())
        return self

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.fake.stop()
        await self.core.close()

    def stop(self) -> None:
        self.loop.run(self._stop())
        self.loop.close()

    def signing_in(self, user_id: str) -> None:
        self.fake.signing_in = user_id

    def run(self, work: Coroutine[Any, Any, _T]) -> _T:
        return self.loop.run(work)

    # --- a client without a browser ---------------------------------------------------------

    def client(self) -> Client:
        return Client(self)


async def _jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)


class Client:
    """An HTTP client with its own cookies, on the site's loop (for bad-input tests)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.jar = site.run(_jar())
        self.last_callback = ""

    async def _call(
        self, method: str, path: str, data: dict[str, str] | None, follow: bool
    ) -> tuple[int, str, str]:
        async with aiohttp.ClientSession(cookie_jar=self.jar) as http:
            url = path if path.startswith("http") else f"{self.site.base_url}{path}"
            async with http.request(method, url, data=data, allow_redirects=follow) as answer:
                return answer.status, await answer.text(), str(answer.url)

    async def _headers(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession(cookie_jar=self.jar) as http:
            url = path if path.startswith("http") else f"{self.site.base_url}{path}"
            async with http.get(url, allow_redirects=False) as answer:
                return answer.status, answer.headers.get("Location", "")

    def redirect(self, path: str) -> tuple[int, str]:
        """One step: the status and the Location it answers with."""
        return self.site.run(self._headers(path))

    def dance(self, platform: str) -> tuple[int, str]:
        """Sign in one redirect at a time; the callback's status and Location (the
        callback's URL is kept in `last_callback`)."""
        _, authorize = self.redirect(f"/login/{platform}")
        _, self.last_callback = self.redirect(authorize)
        return self.redirect(self.last_callback)

    def get(self, path: str, *, follow: bool = True) -> tuple[int, str, str]:
        return self.site.run(self._call("GET", path, None, follow))

    def post(self, path: str, data: dict[str, str], *, follow: bool = True) -> tuple[int, str, str]:
        return self.site.run(self._call("POST", path, data, follow))

    def sign_in(self, user_id: str, platform: str = "slack") -> tuple[int, str, str]:
        self.site.signing_in(user_id)
        return self.get(f"/login/{platform}")

    def cookie(self, name: str) -> str | None:
        for cookie in self.jar:
            if cookie.key == name:
                return cookie.value
        return None
