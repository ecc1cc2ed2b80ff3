"""Moderators' community templates on both databases: add, edit with versions, disable,
enable, and save a best answer as a template that remembers where it came from."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.contract.intents import Form, Intent, Notice, OpenForm, RejectForm
from tests.support import COMMUNITY, JO, MAYA, SAM, Harness, form_in, harness

SNIPPET = """\
id: panel_follow_up
title: Our panel follow-up
when: After a panel, the note our members swear by.
placeholders:
  interviewer_name: required
  contact: optional
variants:
  - channel: chat
    register: warm
    text: |
      Thanks {interviewer_name}, I enjoyed the panel.
      Reach me on {contact}.
"""


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


def _notice(intents: list[Intent]) -> Notice:
    return next(i for i in intents if isinstance(i, Notice))


def _text(intents: list[Intent]) -> str:
    return _notice(intents).message.text


def _said(intents: list[Intent]) -> str | None:
    return next(i for i in intents if isinstance(i, Notice)).message.key


def _errors(intents: list[Intent]) -> dict[str, str]:
    return dict(next(i for i in intents if isinstance(i, RejectForm)).errors)


async def _add_form(h: Harness) -> Form:
    return form_in(await h.command(SAM, "template", "add"))


async def test_only_moderators_manage_community_templates(h: Harness) -> None:
    for text in ("add", "edit panel_follow_up", "disable panel_follow_up"):
        assert _said(await h.command(JO, "template", text)) == "template.moderators_only"
    form = await _add_form(h)
    forged = await h.submit(JO, form.form_id, source=SNIPPET)
    assert _said(forged) == "template.moderators_only"
    assert "panel_follow_up" not in _text(await h.command(JO, "template"))


async def test_a_moderator_adds_a_template_members_then_use(h: Harness) -> None:
    form = await _add_form(h)
    assert "id: our_follow_up" in str(form.fields[0].initial)
    added = _notice(await h.submit(SAM, form.form_id, source=SNIPPET)).message
    assert (added.key, added.params["title"]) == ("template.added", "Our panel follow-up")
    listing = _text(await h.command(JO, "template"))
    assert "`panel_follow_up`: Our panel follow-up [from this community]" in listing
    assert "From this community" in listing
    fill = form_in(await h.command(JO, "template", "panel_follow_up"))
    preview = _text(await h.submit(JO, fill.form_id, interviewer_name="Ines", contact=""))
    assert "Thanks Ines, I enjoyed the panel." in preview and "Reach me" not in preview


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (SNIPPET.replace("{contact}", "{phone}"), "template:10: template panel_follow_up variant"),
        (SNIPPET.replace("register: warm", "register: shouty"), "unknown register"),
        (SNIPPET.replace("id: panel_follow_up", "id: keep_me_in_mind"), "already taken"),
        (SNIPPET.replace("id: panel_follow_up", "id: add"), "already taken"),
        ("id: [unclosed", "template:"),
        ("", "can't be empty"),
    ],
)
async def test_a_bad_snippet_is_refused_with_its_line_and_nothing_is_saved(
    h: Harness, source: str, problem: str
) -> None:
    form = await _add_form(h)
    errors = _errors(await h.submit(SAM, form.form_id, source=source))
    assert problem in errors["source"]
    async with h.core.store.transaction() as repo:
        assert await repo.templates.community_templates(COMMUNITY) == []


async def test_the_same_id_twice_is_refused(h: Harness) -> None:
    form = await _add_form(h)
    await h.submit(SAM, form.form_id, source=SNIPPET)
    again = await _add_form(h)
    assert "already taken" in _errors(await h.submit(SAM, again.form_id, source=SNIPPET))["source"]


async def test_editing_keeps_every_version(h: Harness) -> None:
    await h.submit(SAM, (await _add_form(h)).form_id, source=SNIPPET)
    edit = form_in(await h.command(SAM, "template", "edit panel_follow_up"))
    assert edit.fields[0].initial == SNIPPET.strip()
    renamed = SNIPPET.replace("id: panel_follow_up", "id: other_id")
    assert "Keep the id" in _errors(await h.submit(SAM, edit.form_id, source=renamed))["source"]
    better = SNIPPET.replace("Our panel follow-up", "Panel follow-up, revised")
    saved = _notice(await h.submit(SAM, edit.form_id, source=better)).message
    assert saved.key == "template.saved"
    assert (saved.params["version"], saved.params["title"]) == (2, "Panel follow-up, revised")
    assert "Panel follow-up, revised" in _text(await h.command(JO, "template"))
    async with h.core.store.transaction() as repo:
        stored = await repo.templates.community_template(COMMUNITY, "panel_follow_up")
        assert stored is not None and stored.version == 2
        assert await repo.templates.versions(stored.id) == [SNIPPET.strip(), better.strip()]
    builtin = _said(await h.command(SAM, "template", "edit keep_me_in_mind"))
    assert builtin == "template.builtin_fixed"
    assert _said(await h.command(SAM, "template", "edit nope")) == "template.not_community"


async def test_disable_hides_a_template_and_enable_brings_it_back(h: Harness) -> None:
    await h.submit(SAM, (await _add_form(h)).form_id, source=SNIPPET)
    disabled = _said(await h.command(SAM, "template", "disable panel_follow_up"))
    assert disabled == "template.disabled"
    assert "panel_follow_up" not in _text(await h.command(JO, "template"))
    missing = _said(await h.command(JO, "template", "panel_follow_up"))
    assert missing == "template.search.none"
    await h.command(SAM, "template", "enable panel_follow_up")
    assert isinstance(next(iter(await h.command(JO, "template", "panel_follow_up"))), OpenForm)


async def test_a_best_answer_becomes_a_template_linked_to_its_origin(h: Harness) -> None:
    thread = await h.post(MAYA)
    tip = await h.reply(
        JO, thread, "Ask them for {two} lines of feedback; it is easy to say yes to."
    )
    assert _said(await h.mark(SAM, tip, action="save_template")) == "template.not_best"
    await h.mark(MAYA, tip)
    assert _said(await h.mark(JO, tip, action="save_template")) == "template.moderators_only"
    form = form_in(await h.mark(SAM, tip, action="save_template"))
    source = str(form.fields[0].initial)
    assert "{{two}}" in source  # braces in the answer stay literal text
    assert _said(await h.submit(SAM, form.form_id, source=source)) == "template.added"
    listing = await h.command(JO, "template")
    notice = next(i for i in listing if isinstance(i, Notice))
    assert [link.message_ref for link in notice.message.links] == [tip]
    fill = await h.command(JO, "template", source.split("\n", maxsplit=1)[0].removeprefix("id: "))
    assert "Ask them for {two} lines" in _text(fill)  # no placeholders: straight to the preview
