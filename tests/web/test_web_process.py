"""`rebound web` as a real process: refuses to start without its settings (exit 2, naming
them), serves the sign-in page and its stylesheet on the port it logs, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from tests.processes import REBOUND, eventually, running
from tests.web.web_site import SECRET

WEB_PORT = re.compile(r"web page on port (\d+)")


async def test_rebound_web_needs_its_settings(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        str(REBOUND),
        "web",
        env={
            "PATH": "/usr/bin:/bin",
            "REBOUND_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 2
    assert b"REBOUND_WEB_SECRET" in err and b"SLACK_CLIENT_ID" in err


async def test_rebound_web_serves_the_page_and_stops(tmp_path: Path) -> None:
    env = {
        "REBOUND_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
        "REBOUND_WEB_SECRET": SECRET,
        "DISCORD_CLIENT_ID": "id",
        "DISCORD_CLIENT_SECRET": "secret",
        "DISCORD_TOKEN": "token",
    }
    async with running(["web", "--port", "0"], env, tmp_path / "web.log") as child:

        async def listening() -> bool:
            assert child.process.returncode is None, child.output()[-2000:]
            return WEB_PORT.search(child.output()) is not None

        await eventually(listening, timeout_s=60)
        found = WEB_PORT.search(child.output())
        assert found is not None
        base = f"http://127.0.0.1:{found.group(1)}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/") as page:
                body = await page.text()
                assert page.status == 200 and "Sign in with Discord" in body
                assert "Sign in with Slack" not in body  # not configured
            async with http.get(f"{base}/static/style.css") as style:
                assert style.status == 200 and "font" in await style.text()
            async with http.get(f"{base}/library") as refused:
                assert refused.status == 401
        assert await child.stop() == 0
