"""What an adapter needs to catch up after downtime: each open post's thread and the
messages already recorded in it.

An adapter that was away (a restart, a lost gateway connection) reads each open thread on
its platform from the newest message recorded here and hands what it missed to
`Rebound.handle` as ordinary `MessagePosted` events, with stable event ids. Recording is
idempotent (by event id, and by message ref), so catching up twice changes nothing. Only
the adapter can order its platform's message ids, so it picks the newest itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.repo import Store


@dataclass(frozen=True)
class OpenThread:
    thread_ref: str
    channel_id: str
    # The thread's own ref, its status message and every reply recorded in it.
    recorded: tuple[str, ...]


async def open_threads(store: Store, community_id: str) -> list[OpenThread]:
    async with store.transaction() as repo:
        posts = await repo.open_posts(community_id)
        replies = await repo.replies_of(community_id, [post.id for post in posts])
    threads = []
    for post in posts:
        assert post.thread_ref is not None
        refs = [post.thread_ref, post.status_message_ref]
        refs += [reply.message_ref for reply in replies.get(post.id, [])]
        recorded = tuple(dict.fromkeys(ref for ref in refs if ref))
        threads.append(OpenThread(post.thread_ref, post.channel_id, recorded))
    return threads
