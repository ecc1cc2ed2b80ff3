"""Block Kit limits, escaping, modals and pacing, without a workspace."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks import MAX_BLOCKS, SECTION_LIMIT, posts
from adapters.slack.modals import modal, submitted_values
from adapters.slack.outbox import ViewAnswer
from adapters.slack.pacing import Pacer
from adapters.slack.text import escape, split_escaped
from bot.contract.intents import Button, Channel, Choice, Form, FormField, Link, Message, Send
from bot.contract.ports import Delivered
from tests.adapters.slack.slack_requests import _state
from tests.adapters.slack.workspace import SUPPORT, Workspace


def _sections(blocks: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]  # type: ignore[index]


def test_markup_characters_are_escaped_so_nothing_links_or_pings() -> None:
    assert escape("<!channel> & <@U1|x>") == "&lt;!channel&gt; &amp; &lt;@U1|x&gt;"
    [post] = posts(Message(text="a <b> c"), {})
    assert post.blocks[0]["text"] == {"type": "mrkdwn", "text": "a &lt;b&gt; c", "verbatim": True}


def test_long_text_is_cut_into_sections_within_the_limit_losing_nothing() -> None:
    text = " ".join(f"word{i}&" for i in range(2_000))  # ~16,000 characters once escaped

    pieces = split_escaped(text, SECTION_LIMIT)

    assert all(len(piece) <= SECTION_LIMIT for piece in pieces)
    assert " ".join(pieces) == escape(text)


def test_a_single_huge_word_is_still_cut() -> None:
    pieces = split_escaped("x" * 7_000, SECTION_LIMIT)
    assert [len(p) for p in pieces] == [3_000, 3_000, 1_000]


def test_over_fifty_blocks_become_several_posts_with_buttons_last() -> None:
    message = Message(
        text="\n".join("y" * 2_999 for _ in range(60)),
        buttons=tuple(Button(label=f"b{i}", action_id=f"rb:x:{i}") for i in range(7)),
        links=(Link(label="Priya: a | b", message_ref="C1:1.2"),),
    )

    pages = posts(message, {"C1:1.2": "https://x.slack.com/archives/C1/p12"})

    assert [len(p.blocks) for p in pages] == [MAX_BLOCKS, 60 + 1 + 2 - MAX_BLOCKS]
    assert pages[-1].blocks[-2]["type"] == "actions"
    assert [len(b["elements"]) for b in pages[-1].blocks[-2:]] == [5, 2]
    assert "• <https://x.slack.com/archives/C1/p12|Priya: a ¦ b>" in _sections(pages[-1].blocks)


async def test_a_message_too_long_for_one_post_continues_in_its_thread(slack: Workspace) -> None:
    long = Message(text="\n".join("z" * 2_999 for _ in range(55)))

    made = await slack.adapter.outbox.deliver(
        Send(target=Channel(channel_id=SUPPORT), message=long)
    )

    first, second = slack.fake.posts(SUPPORT)
    assert made == Delivered(first.ref)
    assert "thread_ts" not in first.params or first.params["thread_ts"] is None
    assert second.params["thread_ts"] == first.answer["ts"]
    assert len(first.params["blocks"]) == MAX_BLOCKS


def test_a_form_becomes_a_modal_and_its_submission_comes_back_by_field_name() -> None:
    form = Form(
        form_id="rb:form:setback",
        title="Share a setback with the community",
        submit_label="Share",
        fields=(
            FormField(name="title", label="Title", kind="text", required=True, max_length=120),
            FormField(name="body", label="What happened", kind="long_text"),
            FormField(
                name="stage",
                label="Stage",
                kind="choice",
                choices=(Choice(value="panel", label="Panel"),),
            ),
            FormField(
                name="events",
                label="Events",
                kind="multi_choice",
                choices=(Choice(value="offer", label="Offer"), Choice(value="gone", label="Gone")),
            ),
            FormField(name="anonymous", label="Anonymous", kind="checkbox", hint="Hide my name"),
            FormField(name="ask_outcome_on", label="When", kind="date"),
        ),
    )

    view = modal(form, private_metadata="C0SUPPORT")

    assert view["title"]["text"] == "Share a setback with th…"  # Slack's 24-character cap
    assert view["blocks"][0]["optional"] is False
    assert view["blocks"][4]["element"]["options"][0]["text"]["text"] == "Hide my name"
    filled = {
        "title": "Froze",
        "body": None,
        "stage": "panel",
        "events": ["offer", "gone"],
        "anonymous": ["yes"],
        "ask_outcome_on": "2026-04-01",
    }
    values = submitted_values({"values": _state(view, filled)})
    assert values == {
        "title": "Froze",
        "stage": "panel",
        "events": ["offer", "gone"],
        "anonymous": ["yes"],
        "ask_outcome_on": "2026-04-01",
    }


async def test_pacing_spaces_posts_in_one_channel_but_not_across_channels() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pacer.turn("C1")
    await pacer.turn("C2")
    assert slept == [1.0, 2.0]

    workspace_paced = Pacer(0.0, 4.0, clock=lambda: now[0], sleep=sleep)
    slept.clear()
    for channel in ("D1", "D2", "D3"):
        await workspace_paced.turn(channel)
    # The schedule may run 50 ms behind the clock (catching up after a busy loop).
    assert slept == [0.2, 0.45]


def _form_of(*fields: FormField) -> Form:
    return Form(form_id="rb:form:test", title="A form", submit_label="Send", fields=fields)


def _select_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    grouped = element.get("option_groups") or [{"options": element.get("options") or []}]
    return [option for group in grouped for option in group["options"]]


def test_a_menu_of_more_than_a_hundred_choices_comes_in_groups_slack_accepts() -> None:
    """Slack refuses a select menu of over 100 options (a post with many replies to choose
    from); in groups of at most 100, every choice is still offered and comes back."""
    many = tuple(Choice(value=str(n), label=f"Reply {n}") for n in range(1, 251))
    view = modal(
        _form_of(
            FormField(name="acted_on", label="Which helped", kind="multi_choice", choices=many),
            FormField(name="one", label="One", kind="choice", choices=many, initial="7"),
        )
    )

    for block in view["blocks"]:
        element = block["element"]
        assert len(element.get("options", ())) <= 100
        groups = element.get("option_groups", ())
        assert len(groups) <= 100
        assert all(len(g["options"]) <= 100 and len(g["label"]["text"]) <= 75 for g in groups)
        assert [o["value"] for o in _select_options(element)] == [c.value for c in many]
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "7"
    filled = {"acted_on": ["3", "180"], "one": "7"}
    values = submitted_values({"values": _state(view, filled)})
    assert values == {"acted_on": ["3", "180"], "one": "7"}


def test_an_initial_text_never_exceeds_what_its_input_accepts() -> None:
    """A best answer saved as a template may be longer than a Slack text input holds (3,000)."""
    source = FormField(
        name="source", label="Template", kind="long_text", max_length=6000, initial="x" * 6000
    )

    element = modal(_form_of(source))["blocks"][0]["element"]

    assert element["max_length"] == 3000
    assert element["initial_value"] == "x" * 3000


def test_a_form_error_about_no_field_of_the_modal_is_shown_on_its_first_field() -> None:
    """Slack refuses `response_action: errors` naming a block the modal does not have."""
    answer = ViewAnswer(block_ids=("title", "body"))

    placed = answer.errors_by_block({"body": "Too long.", "draft": "That draft has expired."})

    assert placed == {"body": "Too long.", "title": "That draft has expired."}
