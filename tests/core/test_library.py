"""The library on both databases: relevance on a small corpus whose right order is known,
outcomes lifting what worked, bad searches taken as plain words, similar setbacks after
posting (and turning them off), and anonymous posters shown only by their pseudonym."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.actions import Verb, action_id
from bot.contract.events import ButtonPressed
from bot.contract.intents import Button, Intent, Notice, Send, Thread
from bot.domain.model import Member
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, START, Harness, form_in, harness, words

DEV = Member(user_id="U-dev", display_name="Dev")


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def _featured(
    h: Harness, entry: tuple[str, str, str, str, str], **post: str
) -> tuple[str, str]:
    """Maya posts (title, story), Jo replies, Sam features the reply (topic, summary)."""
    title, body, reply, topic, summary = entry
    thread = await h.post(MAYA, title=title, body=body, ask_outcome_on="3d", **post)
    ref = await h.reply(JO, thread, reply)
    form = form_in(await h.mark(SAM, ref, "feature_answer"))
    await h.submit(SAM, form.form_id, topic=topic, summary=summary)
    return thread, ref


async def _corpus(h: Harness) -> None:
    await _featured(
        h,
        (
            "Froze in the SQL screen",
            "My mind went blank on joins.",
            "Practise SQL joins out loud the day before.",
            "Technical interviews",
            "Practise SQL joins out loud",
        ),
    )
    await _featured(
        h,
        (
            "Ghosted after the final round",
            "Three weeks of silence.",
            "Send one polite follow-up after a week.",
            "Ghosting",
            "One polite follow-up",
        ),
    )
    await _featured(
        h,
        (
            "Rejected after a panel",
            "They said my answers were thin.",
            "Ask the panel for feedback on your SQL answers.",
            "Feedback requests",
            "Ask the panel for feedback",
        ),
    )


def _notice(intents: list[Intent]) -> Notice:
    return next(i for i in intents if isinstance(i, Notice))


async def _search(h: Harness, words: str) -> list[str]:
    """The summaries found for `words`, best first."""
    notice = _notice(await h.command(RUTH, "rebound", f"library {words}"))
    assert notice.message.key in ("library.header", "library.none"), notice.message.key
    lines = notice.message.text.splitlines()[1:] if notice.message.key == "library.header" else []
    return [line.split(" [", 1)[0].removeprefix("• ") for line in lines]


async def test_hits_come_best_first_on_a_corpus_whose_order_is_known(h: Harness) -> None:
    await _corpus(h)
    assert await _search(h, "sql joins") == [
        "Practise SQL joins out loud",
        "Ask the panel for feedback",
    ]
    assert await _search(h, "ghosting") == ["One polite follow-up"]  # stems meet: ghosted
    assert await _search(h, "feedback") == ["Ask the panel for feedback"]
    assert await _search(h, "Ghosting") == ["One polite follow-up"]  # a topic's name
    assert await _search(h, "salary") == []
    everything = await _search(h, "")
    assert everything == [
        "Ask the panel for feedback",
        "One polite follow-up",
        "Practise SQL joins out loud",
    ]  # newest first


async def test_what_worked_for_its_poster_lifts_an_answer(h: Harness) -> None:
    first, first_reply = await _featured(
        h,
        (
            "Salary talk went badly",
            "I named a number too early.",
            "Let them name the salary first.",
            "Negotiating",
            "Let them name the salary first",
        ),
    )
    await _featured(
        h,
        (
            "Salary offer felt low",
            "I did not know what to say.",
            "Ask what the salary band is.",
            "Negotiating",
            "Ask for the salary band",
        ),
    )
    assert await _search(h, "salary") == [
        "Ask for the salary band",
        "Let them name the salary first",
    ]  # equally relevant: the newer first
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, first)
    assert post is not None
    await h.wait(timedelta(days=3))
    button = Button(label="", action_id=action_id(Verb.OUTCOME, post.id, "worked"))
    form = form_in(await h.press(MAYA, button))
    acted = next(f for f in form.fields if f.name == "acted_on")
    jo = next(c.value for c in acted.choices if c.label.startswith("Jo"))
    await h.submit(MAYA, form.form_id, result="worked", acted_on=jo)
    assert await _search(h, "salary") == [
        "Let them name the salary first",
        "Ask for the salary band",
    ]
    text = _notice(await h.command(RUTH, "rebound", "library salary")).message.text
    assert (
        words("library.record.acted", author="Maya Okafor", result=words("result.worked")) in text
    )
    del first_reply


BAD_SEARCHES = [
    '"',
    "*",
    "NEAR(sql joins)",
    "-sql",
    "sql:joins",
    "(sql",
    "'; DROP TABLE reply; --",
    "sql OR 1=1",
    "doc:sql",  # an FTS5 column filter
    "community_id:other",
    "sql* ^joins {doc}",
    "sql AND NOT joins",
    "sql <-> joins & !feedback | panel:*",  # tsquery operators
    "😀 naïve Ünïcode",
    "x" * 500,
    "joins " * 90,
    "",
    "   ",
]


async def test_any_search_is_plain_words_never_an_error(h: Harness) -> None:
    await _corpus(h)
    for search in BAD_SEARCHES:
        found = await _search(h, search)
        assert found is not None
    assert (await _search(h, "sql:joins"))[0] == "Practise SQL joins out loud"
    assert (await _search(h, "NEAR(sql joins)"))[0] == "Practise SQL joins out loud"
    assert await _search(h, "'; DROP TABLE reply; --") == []
    assert await _search(h, "feedback") == ["Ask the panel for feedback"]  # nothing dropped
    assert (await _search(h, "doc:joins"))[0] == "Practise SQL joins out loud"  # doc, a word


async def test_a_new_poster_sees_similar_setbacks_and_can_turn_them_off(h: Harness) -> None:
    await _corpus(h)
    h.outbox.clear()
    await h.post(RUTH, title="Blanked on SQL joins", body="The screen was a disaster.")
    await h.wait(timedelta())  # similar setbacks follow the post at once
    shown = [n for n in h.outbox.notices_to(RUTH) if n.message.key == "library.suggestions.header"]
    assert len(shown) == 1
    lines = shown[0].message.text.splitlines()[1:]
    assert len(lines) == 2 and "Practise SQL joins out loud" in lines[0]
    off = shown[0].message.buttons[-1]
    assert _notice(await h.press(RUTH, off)).message.key == "library.suggestions.off"
    h.outbox.clear()
    await h.post(RUTH, title="Blanked on SQL joins again", body="Same again.")
    await h.wait(timedelta())  # similar setbacks follow the post at once
    assert "library.suggestions.header" not in [n.message.key for n in h.outbox.notices_to(RUTH)]
    assert _notice(await h.command(RUTH, "rebound", "suggestions on")).message.key == (
        "library.suggestions.on"
    )
    h.outbox.clear()
    await h.post(DEV, title="Nothing in common", body="Completely unrelated words.")
    await h.wait(timedelta())  # similar setbacks follow the post at once
    assert not [
        n for n in h.outbox.notices_to(DEV) if n.message.key == "library.suggestions.header"
    ]


async def test_an_anonymous_poster_appears_only_as_the_pseudonym(h: Harness) -> None:
    thread, _ = await _featured(
        h,
        (
            "Froze in the SQL screen",
            "My mind went blank on joins.",
            "Practise SQL joins out loud.",
            "Technical interviews",
            "Practise SQL joins",
        ),
        anonymous="yes",
    )
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None and post.anonymous
    await h.wait(timedelta(days=3))
    button = Button(label="", action_id=action_id(Verb.OUTCOME, post.id, "worked"))
    form = form_in(await h.press(MAYA, button))
    acted = next(f for f in form.fields if f.name == "acted_on")
    await h.submit(MAYA, form.form_id, result="worked", acted_on=acted.choices[0].value)
    await h.command(SAM, "rebound", f"lock {post.id} cooling off")
    h.outbox.clear()
    await h.post(RUTH, title="Blanked on SQL joins", body="Help.")
    await h.wait(timedelta())  # similar setbacks follow the post at once
    found = _notice(await h.command(RUTH, "rebound", "library sql"))
    shared = await h.press(RUTH, found.message.buttons[0])  # into Ruth's own thread
    assert any(isinstance(i, Send) and i.message.key == "library.share.post" for i in shared)
    await h.command(SAM, "rebound", "audit")
    await h.command(SAM, "rebound", f"audit <@{MAYA.user_id}>")
    seen = " ".join(h.outbox.texts())
    assert post.pseudonym in seen
    assert "Maya" not in seen and MAYA.user_id not in seen
    audit_by_maya = [n for n in h.outbox.notices_to(SAM) if n.message.key == "audit.none"]
    assert audit_by_maya  # her anonymous post is not tied to her


async def test_stage_kind_and_tags_are_searchable(h: Harness) -> None:
    await _featured(
        h,
        (
            "Went quiet in the panel",
            "Five people, one question.",
            "Pause and ask them to repeat it.",
            "Handling nerves",
            "Ask them to repeat the question",
        ),
        stage="panel",
        tags="nerves, whiteboard",
    )
    assert await _search(h, "whiteboard") == ["Ask them to repeat the question"]
    assert await _search(h, "onsite") == ["Ask them to repeat the question"]  # Panel or onsite


async def test_mine_lists_states_and_open_lists_posts_waiting_for_a_reply(h: Harness) -> None:
    answered, _ = await _featured(
        h, ("Froze in the SQL screen", "Blank.", "Practise joins.", "Ghosting", "Practise")
    )
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, answered)
        replies = await repo.replies(COMMUNITY, post.id if post else 0)
    await h.mark(MAYA, str(replies[0].message_ref))
    await h.post(MAYA, title="Ghosted by the studio", body="Nothing for weeks.", anonymous="yes")
    await h.post(RUTH, title="Second waiting post", body="Still nothing.")
    mine = _notice(await h.command(MAYA, "rebound", "mine")).message
    async with h.core.store.transaction() as repo:
        ghosted, froze = await repo.posts_by_poster(COMMUNITY, MAYA.user_id, 10)
        (second,) = await repo.posts_by_poster(COMMUNITY, RUTH.user_id, 10)
    day = words("date.day", date=START)
    assert mine.key == "home.posts_heading"
    assert mine.text.splitlines() == [
        words("home.posts_heading"),
        words("home.post", title=ghosted.title, status=words("setback.status.open"), date=day),
        words("home.post", title=froze.title, status=words("library.state.answered"), date=day),
        words("home.asks_heading"),
        *(
            words("home.ask", title=p.title, date=words("date.day", date=p.outcome_ask_at))
            for p in (ghosted, froze)
        ),
    ]
    listed = _notice(await h.command(JO, "rebound", "open")).message
    assert listed.key == "library.open.header"
    waiting = listed.text.splitlines()
    anonymous = words("anonymous.label", pseudonym=ghosted.pseudonym)
    assert waiting[1:] == [  # oldest first, the answered post left out
        words("library.open.post", number=p.id, title=p.title, author=author, date=day)
        for p, author in ((ghosted, anonymous), (second, RUTH.display_name))
    ]
    assert "Maya" not in waiting[1]
    empty = _notice(await h.command(DEV, "rebound", "mine")).message.key
    assert empty == "home.no_posts"


async def test_best_answers_are_found_below_featured_ones_and_hidden_ones_never(
    h: Harness,
) -> None:
    story = ("Blanked in the take-home review", "They asked why I chose pandas.")
    await _featured(
        h,
        (
            *story,
            "Walk them through your pandas choice.",
            "Technical interviews",
            "Explain the pandas choice",
        ),
    )
    thread = await h.post(DEV, title=story[0], body=story[1])
    best = await h.reply(JO, thread, "Walk them through your pandas choice.")
    assert await _search(h, "pandas") == ["Explain the pandas choice"]  # not marked yet
    await h.mark(DEV, best)
    found = await _search(h, "pandas")
    assert found == ["Explain the pandas choice", "Walk them through your pandas choice."]
    await h.mark(DEV, best, "unmark_best")
    assert await _search(h, "pandas") == ["Explain the pandas choice"]
    await h.mark(DEV, best)
    form = form_in(await h.mark(SAM, best, "hide_reply"))
    await h.submit(SAM, form.form_id, reason="Off topic")
    assert await _search(h, "pandas") == ["Explain the pandas choice"]


async def test_a_hit_is_posted_once_into_the_askers_latest_open_thread(h: Harness) -> None:
    await _corpus(h)
    await h.post(RUTH, title="An older post", body="Closed soon.")
    thread = await h.post(RUTH, title="Blanked on SQL joins", body="Help.")
    found = _notice(await h.command(RUTH, "rebound", "library sql joins"))
    share = found.message.buttons[0]
    assert share.label.startswith("Post in my thread")
    h.outbox.clear()
    press = ButtonPressed(**h._base(RUTH), action_id=share.action_id)
    intents = await h.send(press)
    (posted,) = [
        i for i in intents if isinstance(i, Send) and i.target == Thread(thread_ref=thread)
    ]
    assert posted.message.key == "library.share.post"
    assert "Practise SQL joins out loud" in posted.message.text and posted.message.links
    assert _notice(intents).message.key == "library.share.done"
    assert await h.send(press) == []  # the same press redelivered: nothing again
    again = await h.press(RUTH, share)
    assert _notice(again).message.key == "library.share.already"
    assert [
        i for i in h.outbox.sent if isinstance(i, Send) and i.target == Thread(thread_ref=thread)
    ] == [posted]


async def test_sharing_without_an_open_post_is_refused_privately(h: Harness) -> None:
    await _corpus(h)
    found = _notice(await h.command(DEV, "rebound", "library feedback"))
    h.outbox.clear()
    refused = await h.press(DEV, found.message.buttons[0])
    assert _notice(refused).message.key == "library.share.no_post"
    assert not [i for i in h.outbox.sent if isinstance(i, Send)]
    forged = Button(label="", action_id=action_id(Verb.LIBRARY_SHARE, 999_999))
    assert _notice(await h.press(DEV, forged)).message.key == "library.share.gone"


async def _post_id(h: Harness, thread: str) -> int:
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None
    return post.id


async def _acted_on_shared_answer(h: Harness, member: Member, title: str) -> None:
    """`member` posts, posts the SQL answer into their thread, and later says it worked."""
    thread = await h.post(member, title=title, body="Joins again.", ask_outcome_on="3d")
    found = _notice(await h.command(member, "rebound", "library sql joins"))
    await h.press(member, found.message.buttons[0])
    await h.wait(timedelta(days=3))
    button = Button(
        label="", action_id=action_id(Verb.OUTCOME, await _post_id(h, thread), "worked")
    )
    form = form_in(await h.press(member, button))
    acted = next(f for f in form.fields if f.name == "acted_on")
    from_library = [c for c in acted.choices if "Practise SQL joins" in c.label]
    assert len(from_library) == 1, acted.choices
    await h.submit(member, form.form_id, result="worked", acted_on=from_library[0].value)


async def test_the_record_counts_every_poster_who_acted_on_the_answer(h: Harness) -> None:
    _, answer = await _featured(
        h,
        (
            "Froze in the SQL screen",
            "My mind went blank on joins.",
            "Practise SQL joins out loud the day before.",
            "Technical interviews",
            "Practise SQL joins out loud",
        ),
    )
    await h.mark(MAYA, answer)  # Maya acted on it; no outcome from her yet
    assert "1 poster acted on this: Still waiting 1." in (await _hit_lines(h))[0]
    await _acted_on_shared_answer(h, RUTH, "Blanked on SQL joins")
    await _acted_on_shared_answer(h, DEV, "SQL joins, round two")
    (line,) = await _hit_lines(h)
    assert "3 posters acted on this: It worked 2, Still waiting 1." in line


async def _hit_lines(h: Harness) -> list[str]:
    notice = _notice(await h.command(SAM, "rebound", "library sql joins"))
    return notice.message.text.splitlines()[1:]


async def test_an_unfeatured_best_answer_stays_as_a_best_answer(h: Harness) -> None:
    _, ref = await _featured(
        h,
        (
            "Ghosted after the final round",
            "Three weeks of silence.",
            "Send one polite follow-up after a week.",
            "Ghosting",
            "One polite follow-up",
        ),
    )
    await h.mark(MAYA, ref)
    assert await _search(h, "silence") == ["One polite follow-up"]
    form = form_in(await h.mark(SAM, ref, "feature_answer"))
    await h.submit(SAM, form.form_id, topic="Ghosting", summary="x", unfeature="yes")
    assert await _search(h, "silence") == ["Send one polite follow-up after a week."]
    await h.mark(MAYA, ref, "unmark_best")
    assert await _search(h, "silence") == []


async def test_a_summary_written_again_is_found_by_its_new_words_only(h: Harness) -> None:
    entry = ("Ghosted after the final round", "Three weeks of silence.", "Follow up once.")
    _, ref = await _featured(h, (*entry, "Ghosting", "Patience pays"))
    assert await _search(h, "patience") == ["Patience pays"]
    form = form_in(await h.mark(SAM, ref, "feature_answer"))
    await h.submit(SAM, form.form_id, topic="Ghosting", summary="A gentle nudge")
    assert await _search(h, "patience") == []
    assert await _search(h, "gentle") == ["A gentle nudge"]
    await h.mark(MAYA, ref)  # a best mark leaves what the moderator wrote
    assert await _search(h, "gentle") == ["A gentle nudge"]
