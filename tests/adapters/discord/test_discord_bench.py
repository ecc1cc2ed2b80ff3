"""The Discord latency benchmark runs end to end in quick mode (figures only, no timing goals)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench import discord_latency


async def test_discord_latency_quick(tmp_path: Path) -> None:
    result = await discord_latency.run(samples=3, workdir=tmp_path)

    for side in ("bare", "rebound"):
        for label in ("/setback to callback", "message to stored"):
            p50 = result.figure(f"{side} {label} p50").value
            assert 0 < p50 <= result.figure(f"{side} {label} p99").value
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []
