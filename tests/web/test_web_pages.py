"""The pages, over HTTP: the library's forms run the chat's own use case (and write the
same audit rows), the queue and the audit log show this community only, and bad input of
every kind gets a clear page and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.store.audit_repo import AUDIT, AuditEntry
from tests.web.pages import csrf, form_fields
from tests.web.story import CANARY_ID, CANARY_NAME, OTHER_TITLE, SLACK_ONE, SLACK_TWO
from tests.web.web_site import MODERATOR, Client, Site


def _audit_rows(site: Site, **where: str) -> int:
    async def count() -> int:
        async with site.core.store.engine.connect() as db:
            statement = select(func.count()).select_from(AUDIT)
            for column, value in where.items():
                statement = statement.where(AUDIT.c[column] == value)
            return int((await db.execute(statement)).scalar_one())

    return site.run(count())


def _signed_in(site: Site) -> Client:
    client = site.client()
    assert client.sign_in(MODERATOR.user_id)[0] == 200
    return client


def _feature(client: Client, marker: str, **changes: str) -> tuple[int, str, str]:
    page = client.get("/library")[1]
    fields = {**form_fields(page, marker), **changes}
    fields.setdefault("topic", "Feedback requests")
    fields.setdefault("action", "feature")
    return client.post("/library/feature", fields)


def test_featuring_from_the_page_writes_the_chat_s_audit_row(site: Site) -> None:
    client = _signed_in(site)
    reply = site.seeded.replies["Ask them for feedback within a week."]
    before = _audit_rows(site, action="feature", actor_id=MODERATOR.user_id)
    marker, summary = f'id="candidate-{reply}"', "Ask for feedback, kindly"
    status, body, url = _feature(client, marker, summary=summary, topic="Feedback requests")
    assert status == 200, body
    assert url.endswith("/library?done=library.featured")
    assert "The answer is in the library." in body
    assert f'id="featured-{reply}"' in body and "Ask for feedback, kindly" in body
    assert _audit_rows(site, action="feature", actor_id=MODERATOR.user_id) == before + 1
    audit = client.get("/audit?action=feature")[1]
    assert "Mona Mod" in audit and "Ask for feedback, kindly" in audit

    # The summary edited, then the answer taken out: the chat's edit and unfeature rows.
    status, body, _ = _feature(client, f'id="featured-{reply}"', summary="Ask for feedback")
    assert status == 200 and "The featured answer was updated." in body
    assert _audit_rows(site, action="edit_feature") == 1
    status, body, _ = _feature(client, f'id="featured-{reply}"', action="unfeature")
    assert status == 200 and "taken out of the library" in body
    assert _audit_rows(site, action="unfeature") == 1
    assert f'id="candidate-{reply}"' in body


def test_a_form_sent_twice_is_applied_once(site: Site) -> None:
    client = _signed_in(site)
    reply = site.seeded.replies["Ask them for feedback within a week."]
    page = client.get("/library")[1]
    fields = {
        **form_fields(page, f'id="candidate-{reply}"'),
        "summary": "Twice",
        "topic": "Feedback requests",
        "action": "feature",
    }
    before = _audit_rows(site)
    assert client.post("/library/feature", fields)[0] == 200
    status, body, _ = client.post("/library/feature", fields)
    assert status == 400 and "Nothing was changed" in body
    assert _audit_rows(site) == before + 1
    unfeature = {
        **form_fields(client.get("/library")[1], f'id="featured-{reply}"'),
        "action": "unfeature",
    }
    assert client.post("/library/feature", unfeature)[0] == 200


def test_tampered_and_foreign_ids_change_nothing(site: Site) -> None:
    client = _signed_in(site)
    page = client.get("/library")[1]
    reply = site.seeded.replies["Ask them for feedback within a week."]
    good = {
        **form_fields(page, f'id="candidate-{reply}"'),
        "summary": "S",
        "topic": "Feedback requests",
        "action": "feature",
    }
    foreign = site.seeded.replies["Workspace two's own advice."]
    before = _audit_rows(site)
    cases = [
        ({"reply": str(foreign)}, 400, "Nothing was changed"),
        ({"reply": "abc"}, 400, "not one Rebound knows"),
        ({"reply": "99999999999"}, 400, "Nothing was changed"),
        ({"reply": "-1"}, 400, "not one Rebound knows"),
        ({"submission": "short"}, 400, "not one of this page"),
        ({"action": "delete"}, 400, "Unknown action"),
        ({"topic": "No such topic"}, 400, "Nothing was changed"),
        ({"summary": "x" * 5000}, 400, "Nothing was changed"),
        ({"csrf": "forged"}, 403, "That form has expired"),
    ]
    for n, (change, status, words) in enumerate(cases):
        fields = {**good, **change}
        if "submission" not in change:
            fields["submission"] = f"{good['submission'][:-3]}{n:03d}"
        answer = client.post("/library/feature", fields)
        assert (answer[0], words in answer[1]) == (status, True), (change, answer[1][-600:])
    assert _audit_rows(site) == before


def test_another_community_s_moderator_cannot_act_here(site: Site) -> None:
    other = site.client()
    from tests.web.web_site import OTHER_MODERATOR

    assert other.sign_in(OTHER_MODERATOR.user_id)[0] == 200
    page = other.get("/library")[1]
    ours = site.seeded.replies["Ask them for feedback within a week."]
    assert f"candidate-{ours}" not in page
    token = csrf(page)
    before = _audit_rows(site)
    fields = {
        "csrf": token,
        "submission": "z" * 24,
        "reply": str(ours),
        "topic": "Feedback requests",
        "summary": "Mine now",
        "action": "feature",
    }
    status, body, _ = other.post("/library/feature", fields)
    assert status == 400 and "Nothing was changed" in body
    assert _audit_rows(site) == before
    assert _audit_rows(site, action="feature", actor_id=OTHER_MODERATOR.user_id) == 0


def test_the_queue_shows_unanswered_and_paused_posts_with_their_threads(site: Site) -> None:
    client = _signed_in(site)
    status, body, _ = client.get("/queue")
    assert status == 200
    waiting = site.seeded.posts["Ghosted after the final round"]
    paused = site.seeded.posts["Feeling low after the offer fell through"]
    assert f'id="unanswered-{waiting}"' in body and f'id="paused-{paused}"' in body
    assert "Nora Named" in body
    assert "https://app.slack.com/client/T-ONE/" in body
    assert f'id="unanswered-{site.seeded.posts["Froze in the panel"]}"' not in body
    assert OTHER_TITLE not in body


def test_the_audit_log_filters_and_pages(site: Site) -> None:
    async def note(n: int) -> None:
        async with site.core.store.transaction() as repo:
            entry = AuditEntry(
                action="note", actor_id="U-NOTER", actor_name="Noah Noter", reason=f"note {n}"
            )
            await repo.audit.record(SLACK_ONE, entry, site.clock.now())
            other = AuditEntry(
                action="note", actor_id="U-NOTER", actor_name="Noah Noter", reason="elsewhere"
            )
            await repo.audit.record(SLACK_TWO, other, site.clock.now())

    for n in range(55):
        site.run(note(n))
    client = _signed_in(site)
    status, body, _ = client.get("/audit?moderator=U-NOTER&action=note")
    assert status == 200
    assert body.count('data-action="note"') == 50 and "elsewhere" not in body
    assert "note 54" in body and "note 4<" not in body
    older = body[body.index('href="/audit?') + 6 : body.index('" rel="next"')].replace("&amp;", "&")
    status, body, _ = client.get(older)
    assert status == 200 and body.count('data-action="note"') == 5 and "note 0<" in body
    assert 'rel="next"' not in body
    assert client.get("/audit?since=2026-03-01&until=2026-12-31")[0] == 200
    assert "No entries match." in client.get("/audit?until=2020-01-01")[1]


def test_bad_input_gets_a_clear_page(site: Site) -> None:
    client = _signed_in(site)
    cases = [
        ("/audit?action=drop_tables", 400, "No such action"),
        ("/audit?moderator=U-NOBODY", 400, "No such moderator"),
        ("/audit?since=2026-02-31", 400, "is not a date"),
        ("/audit?since=yesterday", 400, "is not a date"),
        ("/audit?before=abc", 400, "not one Rebound knows"),
        ("/audit?before=" + "9" * 40, 400, "not one Rebound knows"),
        ("/audit?q=" + "x" * 20_000, 414, "too long"),
        ("/outcomes?" + "a=1&" * 3000, 414, "too long"),
        ("/nowhere", 404, "No such page"),
        ("/login/myspace", 404, "No such sign-in"),
    ]
    for path, status, words in cases:
        answer = client.get(path)
        assert (answer[0], words in answer[1]) == (status, True), (path[:40], answer[1][-500:])
    huge = client.post("/library/feature", {"reply": "1", "summary": "x" * 100_000})
    assert huge[0] == 413 and "far too long" in huge[1]
    assert site.client().get("/library")[0] == 401
    assert site.client().post("/library/feature", {"reply": "1"})[0] == 401


def test_no_page_shows_the_anonymous_poster_canary(site: Site) -> None:
    """The privacy canary, on every page a moderator of the canary's community sees: the
    anonymous poster appears by their pseudonym only."""
    client = _signed_in(site)

    async def pseudonym() -> str:
        async with site.core.store.transaction() as repo:
            post = await repo.post(
                SLACK_ONE, site.seeded.posts["Feeling low after the offer fell through"]
            )
            assert post is not None
            return post.pseudonym

    shown = site.run(pseudonym())
    pages = {path: client.get(path)[1] for path in ("/outcomes", "/library", "/queue", "/audit")}
    for path, html in pages.items():
        assert CANARY_NAME not in html, path
        assert CANARY_ID not in html, path
    assert shown in pages["/queue"]
