"""A file for a member on the console (their data export): written to disk, linked in their DM."""

from __future__ import annotations

from pathlib import Path

from adapters.console.entries import Posted
from adapters.console.outbox import ConsoleOutbox
from adapters.console.places import InDM
from adapters.console.world import World
from bot.contract.intents import Message, SendFile
from tests.adapters.console.console_fakes import MAYA


async def test_a_file_is_written_and_linked_in_the_members_dm(world: World, tmp_path: Path) -> None:
    outbox = ConsoleOutbox(world, files=tmp_path / "files")
    sent = SendFile(
        user_id=MAYA.user_id,
        filename="rebound-my-data-1-of-1.json",
        content=b'{"posts": []}',
        message=Message(text="Your Rebound data, part 1 of 1."),
    )
    made = await outbox.deliver(sent)
    assert made is not None
    ref = made.message_ref
    written = tmp_path / "files" / "rebound-my-data-1-of-1.json"
    assert written.read_bytes() == b'{"posts": []}'
    entry = world.log[-1]
    assert isinstance(entry, Posted) and entry.message.id == ref
    assert entry.message.place == InDM(MAYA.user_id)
    assert entry.message.text.endswith(written.resolve().as_uri())
