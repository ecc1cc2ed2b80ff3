"""The adapter's pure parts: refs, text splitting, modals, log hygiene."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.discord.forms import (
    modal_id,
    modal_of,
    parse_modal_id,
    shown_fields,
    submitted_values,
)
from adapters.discord.logs import HideSecrets
from adapters.discord.refs import jump_url, message_ref, parse_message_ref
from adapters.discord.render import full_text, split_text
from adapters.discord.tags import pick
from bot.contract.intents import Choice, Form, FormField, Message


def _form(*fields: FormField) -> Form:
    return Form(
        form_id="rb:form:setback", title="Share a setback", submit_label="Post", fields=fields
    )


def _field(name: str, kind: str = "text", required: bool = False) -> FormField:
    return FormField(name=name, label=name.title(), kind=kind, required=required)  # type: ignore[arg-type]


def test_refs_name_a_starter_message_by_its_thread_id() -> None:
    assert message_ref(5, 5) == "5"
    assert message_ref(5, 9) == "5/9"
    assert parse_message_ref("5").channel_id == 5
    assert parse_message_ref("5/9").message_id == 9
    assert jump_url(1, "5/9") == "https://discord.com/channels/1/5/9"
    with pytest.raises(ValueError, match="invalid literal"):
        parse_message_ref("rb:not-a-ref")


def test_split_text_cuts_at_word_boundaries_and_keeps_every_word() -> None:
    text = " ".join(f"word{n}" for n in range(1000))
    pieces = split_text(text)
    assert all(len(piece) <= 2000 for piece in pieces)
    assert " ".join(pieces).split() == text.split()
    assert split_text("x" * 4500) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_a_shown_author_is_a_bold_first_line_escaped() -> None:
    assert full_text(Message(text="Hi", author="Calm *Heron*")) == "**Calm \\*Heron\\***\nHi"
    assert full_text(Message(text="Hi")) == "Hi"


def test_more_than_five_fields_drop_optional_one_line_text_first() -> None:
    form = _form(
        _field("title", required=True),
        _field("body", "long_text", required=True),
        _field("stage", "choice"),
        _field("kind", "choice"),
        _field("tags"),
        _field("anonymous", "checkbox"),
        _field("ask_outcome_on", "date"),
    )
    shown = shown_fields(form, {"anonymous": "yes"})
    assert [f.name for f in shown] == ["title", "body", "stage", "kind", "ask_outcome_on"]
    assert len(shown_fields(form, {})) == 5


def test_modal_ids_carry_presets_and_submissions_come_back_as_values() -> None:
    custom_id = modal_id("rb:form:setback", {"anonymous": "yes"})
    assert parse_modal_id(custom_id) == ("rb:form:setback", {"anonymous": "yes"})
    components = [
        {"type": 18, "component": {"type": 4, "custom_id": "title", "value": "Ghosted"}},
        {"type": 18, "component": {"type": 3, "custom_id": "stage", "values": ["panel"]}},
        {"type": 18, "component": {"type": 23, "custom_id": "ok", "value": True}},
        {"type": 1, "components": [{"type": 4, "custom_id": "old_style", "value": None}]},
    ]
    form_id, values = submitted_values(custom_id, components)
    assert form_id == "rb:form:setback"
    assert values == {
        "anonymous": "yes",
        "title": "Ghosted",
        "stage": ("panel",),
        "ok": "yes",
        "old_style": "",
    }


def test_modal_keeps_discord_limits() -> None:
    choices = tuple(Choice(value=str(n), label="x" * 150) for n in range(30))
    form = Form(
        form_id="rb:form:outcome:1",
        title="T" * 80,
        submit_label="Send",
        fields=(
            FormField(name="acted_on", label="L" * 60, kind="multi_choice", choices=choices),
            FormField(name="note", label="Note", kind="long_text", max_length=9000, hint="h" * 200),
        ),
    )
    payload = modal_of(form).to_dict()
    assert len(payload["title"]) <= 45
    select, note = (c["component"] for c in payload["components"])
    assert len(select["options"]) == 25 and all(len(o["label"]) <= 100 for o in select["options"])
    assert note["max_length"] == 4000
    assert all(
        len(c["label"]) <= 45 and len(c.get("description") or "") <= 100
        for c in payload["components"]
    )


def test_log_lines_lose_interaction_tokens_and_debug_bodies() -> None:
    hide = HideSecrets()
    record = logging.LogRecord(
        "discord.http",
        logging.WARNING,
        __file__,
        1,
        "POST %s failed",
        ("https://x/webhooks/1/SECRET/messages",),
        None,
    )
    assert hide.filter(record) and "SECRET" not in record.getMessage()
    debug = logging.LogRecord(
        "discord.http", logging.DEBUG, __file__, 1, "body %s", ("words",), None
    )
    assert not hide.filter(debug)


def test_rebound_discord_names_missing_settings_without_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_SUPPORT_FORUM_ID", "not-a-number")
    result = CliRunner().invoke(app, ["discord"])

    assert result.exit_code == 2
    assert "DISCORD_TOKEN" in result.output and "DISCORD_SUPPORT_FORUM_ID" in result.output
    assert "not-a-number" not in result.output


def test_a_post_carries_at_most_five_tags_found_by_their_discord_length_name() -> None:
    tags = [discord.ForumTag(name=f"tag {n}") for n in range(7)]
    tags.append(discord.ForumTag(name="A very long tag name"[:20]))
    assert [t.name for t in pick(tags, [f"tag {n}" for n in range(7)])] == [
        f"tag {n}" for n in range(5)
    ]
    assert pick(tags, ["A very long tag name that Discord cut"])[0].name == "A very long tag name"


def test_the_locale_setting_reaches_the_community(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.discord.config import DiscordSettings
    from adapters.discord.startup import community_settings

    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("DISCORD_SUPPORT_FORUM_ID", "123")
    monkeypatch.setenv("REBOUND_LOCALE", "fr")
    settings = DiscordSettings()  # type: ignore[call-arg]
    assert community_settings(settings).locale == "fr"
    assert community_settings(settings).support_channel == "123"


@pytest.mark.parametrize(
    "logger", ["discord.state", "discord.shard", "discord.app_commands.tree", "discord.ui.view"]
)
def test_every_discord_py_logger_is_filtered(logger: str, caplog: pytest.LogCaptureFixture) -> None:
    from adapters.discord import logs

    logs.install()
    caplog.set_level(logging.DEBUG)
    # discord.state names members in its debug lines; errors may quote webhook URLs.
    logging.getLogger(logger).debug("GUILD_MEMBER_UPDATE unknown member ID: %s", "7331")
    logging.getLogger(logger).error("failed: %s", "https://x/webhooks/1/SECRET")

    assert "7331" not in caplog.text and "SECRET" not in caplog.text
    assert "failed" in caplog.text
