"""Links to a post's thread made before the thread exists (a new post's crisis alert, made
in the same transaction as the post): the thread's ref is filled in just before delivery.
The post's thread goes out first in the same source, so it is known by then; if not yet,
the delivery waits and is retried like any other transient failure."""

from __future__ import annotations

from dataclasses import replace

from bot.contract.intents import Intent, Link, Message
from bot.contract.ports import Attempt, Delivered, DeliveryFailed, FailureKind, Outbox
from bot.store.repo import Store

THREAD_PENDING = "thread_pending"


class ResolvingLinks:
    """An outbox that fills in links naming a post (`Link.post_id`) before delivering."""

    def __init__(self, outbox: Outbox, store: Store, community_id: str) -> None:
        self._outbox = outbox
        self._store = store
        self._community_id = community_id
        self.capabilities = outbox.capabilities

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        message = getattr(intent, "message", None)
        if isinstance(message, Message) and any(_pending(link) for link in message.links):
            links = await self._resolved(message.links)
            intent = replace(intent, message=replace(message, links=links))  # type: ignore[arg-type]
        return await self._outbox.deliver(intent, attempt)

    async def _resolved(self, links: tuple[Link, ...]) -> tuple[Link, ...]:
        ids = {link.post_id for link in links if _pending(link) and link.post_id is not None}
        async with self._store.transaction() as repo:
            posts = await repo.posts_by_id(self._community_id, ids)
        resolved = []
        for link in links:
            if not _pending(link):
                resolved.append(link)
                continue
            post = posts.get(link.post_id) if link.post_id is not None else None
            if post is None or post.thread_ref is None:
                raise DeliveryFailed(THREAD_PENDING, FailureKind.TRANSIENT)
            resolved.append(replace(link, message_ref=post.thread_ref))
        return tuple(resolved)


def _pending(link: Link) -> bool:
    return link.post_id is not None and not link.message_ref
