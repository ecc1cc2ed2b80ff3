"""ConsoleOutbox renders each intent faithfully and returns the ids of what it created."""

from __future__ import annotations

import pytest

from adapters.console.entries import Edited, FormRejected, FormShown, Posted, TagsSet, ThreadClosed
from adapters.console.outbox import ConsoleOutbox
from adapters.console.places import InChannel, InDM, InThread
from adapters.console.world import World
from bot.contract.intents import (
    Button,
    Channel,
    CloseThread,
    DirectTo,
    EditMessage,
    Intent,
    Link,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    SetThreadTags,
    StartThread,
    Thread,
)
from bot.contract.ports import Capabilities, DeliveryFailed
from tests.adapters.console.console_fakes import JO, MAYA, PSEUDONYM, SETBACK_FORM


@pytest.fixture
def outbox(world: World) -> ConsoleOutbox:
    return ConsoleOutbox(world)


async def made_by(outbox: ConsoleOutbox, intent: Intent) -> str:
    """The ref of the message `intent` made."""
    made = await outbox.deliver(intent)
    assert made is not None
    return made.message_ref


async def _root(outbox: ConsoleOutbox) -> str:
    return await made_by(
        outbox, StartThread(channel_id="support", title="Froze", message=Message(text="body"))
    )


def test_the_console_can_show_everything() -> None:
    assert ConsoleOutbox.capabilities == Capabilities(
        threads=True,
        forms=True,
        buttons=True,
        reactions=True,
        ephemeral=True,
        direct_messages=True,
        tags=True,
        named_threads=True,
    )


async def test_send_to_a_channel_posts_for_everyone(outbox: ConsoleOutbox, world: World) -> None:
    buttons = (Button(label="Appreciate", action_id="rb:appreciate:1"),)
    links = (Link(label="Best", message_ref="m9"),)
    ref = await made_by(
        outbox,
        Send(
            target=Channel(channel_id="helpers"),
            message=Message(text="Hi", buttons=buttons, links=links),
        ),
    )
    message = world.message(ref or "")
    assert (message.place, message.author, message.text) == (InChannel("helpers"), "Rebound", "Hi")
    assert (message.buttons, message.links) == (buttons, links)
    assert isinstance(world.log[-1], Posted)


async def test_send_to_a_thread_keeps_the_intents_author(
    outbox: ConsoleOutbox, world: World
) -> None:
    root = await _root(outbox)
    ref = await made_by(
        outbox,
        Send(target=Thread(thread_ref=root), message=Message(text="thanks", author=PSEUDONYM)),
    )
    message = world.message(ref or "")
    assert message.place == InThread("support", root)
    assert message.author == PSEUDONYM


async def test_send_to_a_member_is_a_dm(outbox: ConsoleOutbox, world: World) -> None:
    ref = await made_by(
        outbox, Send(target=DirectTo(user_id=JO.user_id), message=Message(text="psst"))
    )
    message = world.message(ref or "")
    assert message.place == InDM(JO.user_id)
    assert not world.can_see(MAYA.user_id, message)


async def test_start_thread_posts_a_titled_tagged_root(outbox: ConsoleOutbox, world: World) -> None:
    ref = await made_by(
        outbox,
        StartThread(
            channel_id="support", title="Froze", message=Message(text="body"), tags=("Panel",)
        ),
    )
    assert ref is not None
    root = world.message(ref)
    assert (root.place, root.title, root.tags, root.text) == (
        InChannel("support"),
        "Froze",
        ("Panel",),
        "body",
    )
    assert world.thread(ref).tags == ("Panel",)


async def test_a_notice_appears_where_the_member_last_acted(
    outbox: ConsoleOutbox, world: World
) -> None:
    root = await _root(outbox)
    world.acted_at(JO.user_id, InThread("support", root))
    ref = await made_by(outbox, Notice(user_id=JO.user_id, message=Message(text="Noted.")))
    notice = world.message(ref or "")
    assert world.where(notice.place, notice.only) == f"#support > thread {root} (only Jo)"
    assert world.audience(notice.place, notice.only) == ("Jo",)


async def test_edit_replaces_a_bot_message(outbox: ConsoleOutbox, world: World) -> None:
    root = await _root(outbox)
    new = Message(text="closed", buttons=(Button(label="Reopen", action_id="rb:x:1"),))
    assert await outbox.deliver(EditMessage(message_ref=root, message=new)) is None
    edited = world.message(root)
    assert (edited.text, edited.buttons, edited.title) == ("closed", new.buttons, "Froze")
    assert isinstance(world.log[-1], Edited)


async def test_a_members_message_cannot_be_edited_by_the_bot(
    outbox: ConsoleOutbox, world: World
) -> None:
    mine = world.post(InChannel("support"), author="Jo", author_id=JO.user_id, text="mine")
    with pytest.raises(DeliveryFailed, match="member's"):
        await outbox.deliver(EditMessage(message_ref=mine.id, message=Message(text="x")))


async def test_a_form_waits_for_its_member_and_comes_back_when_rejected(
    outbox: ConsoleOutbox, world: World
) -> None:
    await outbox.deliver(OpenForm(user_id=MAYA.user_id, form=SETBACK_FORM))
    assert world.forms.pending(MAYA.user_id) == SETBACK_FORM
    assert isinstance(world.log[-1], FormShown)
    world.forms.take(MAYA.user_id)
    errors = {"title": "Please add a title."}
    await outbox.deliver(RejectForm(form_id=SETBACK_FORM.form_id, errors=errors))
    assert world.forms.pending(MAYA.user_id) == SETBACK_FORM
    rejected = world.log[-1]
    assert isinstance(rejected, FormRejected)
    assert (rejected.errors, rejected.audience) == (errors, ("Maya",))


async def test_a_rejected_form_goes_back_to_its_submitter_when_others_have_it_open(
    outbox: ConsoleOutbox, world: World
) -> None:
    await outbox.deliver(OpenForm(user_id=MAYA.user_id, form=SETBACK_FORM))
    await outbox.deliver(OpenForm(user_id=JO.user_id, form=SETBACK_FORM))
    world.forms.take(MAYA.user_id)
    await outbox.deliver(RejectForm(form_id=SETBACK_FORM.form_id, errors={"title": "Add one."}))
    rejected = world.log[-1]
    assert isinstance(rejected, FormRejected)
    assert rejected.audience == ("Maya",)
    assert world.forms.pending(MAYA.user_id) == SETBACK_FORM
    assert world.forms.pending(JO.user_id) == SETBACK_FORM


async def test_close_and_tag_a_thread(outbox: ConsoleOutbox, world: World) -> None:
    root = await _root(outbox)
    assert await outbox.deliver(SetThreadTags(thread_ref=root, tags=("Answered",))) is None
    assert await outbox.deliver(CloseThread(thread_ref=root)) is None
    assert world.thread(root).closed
    assert world.thread(root).tags == ("Answered",)
    assert [type(e) for e in world.log[-2:]] == [TagsSet, ThreadClosed]


@pytest.mark.parametrize(
    "intent",
    [
        Send(target=Channel(channel_id="random"), message=Message(text="x")),
        Send(target=Thread(thread_ref="m404"), message=Message(text="x")),
        Send(target=DirectTo(user_id="U404"), message=Message(text="x")),
        Notice(user_id="U404", message=Message(text="x")),
        CloseThread(thread_ref="m404"),
        RejectForm(form_id="rb:form:never"),
    ],
)
async def test_what_the_platform_cannot_do_fails_delivery(
    outbox: ConsoleOutbox, intent: Send | Notice | CloseThread | RejectForm
) -> None:
    with pytest.raises(DeliveryFailed):
        await outbox.deliver(intent)
