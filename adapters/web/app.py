"""The moderators' web page: aiohttp routes over Jinja2 templates, no JavaScript.

`web_app` builds a stand-alone application (`rebound web`); `add_routes` adds the same
routes to another aiohttp application (the Slack HTTP process). Every page needs a
moderator's session for one community, and shows that community only; every form carries
the session's CSRF token; bad input of any kind gets a page saying so, and changes nothing.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jinja2
from aiohttp import web

from adapters.web.outbox import WebOutbox
from adapters.web.pages import first_reply_chart, outcome_charts, share, thread_link, wait, when
from adapters.web.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Cookies,
    LoginState,
    Session,
    new_token,
)
from adapters.web.settings import WebSettings
from adapters.web.signin import (
    TIMEOUT,
    DiscordSignIn,
    Identity,
    SignInFailed,
    SlackSignIn,
    authorize_url,
    slack_installations,
)
from bot.api import AuditFilter, Insights, Member, Rebound

log = logging.getLogger(__name__)

PLATFORMS = ("slack", "discord")
LOGIN_MINUTES = 10
MAX_QUERY = 2048
MAX_BODY = 64 * 1024
_RECORD_ID = re.compile(r"[1-9][0-9]{0,11}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DONE = {
    "library.featured": "The answer is in the library.",
    "library.feature_edited": "The featured answer was updated.",
    "library.unfeatured": "The answer was taken out of the library.",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """A request the page will not serve: shown as a page with its status, nothing changed."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("adapters.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = when
    return env


class WebPage:
    """The page's parts: the core, its read-only insights, settings and cookies."""

    def __init__(self, core: Rebound, settings: WebSettings) -> None:
        self.core = core
        self.insights = Insights(core)
        self.settings = settings
        self.cookies = Cookies(settings.secret)
        self.templates = _environment()

    def now(self) -> float:
        return self.core.clock.now().timestamp()

    def render(
        self, request: web.Request, name: str, status: int = 200, **values: Any
    ) -> web.Response:
        values.setdefault("session", request.get(SESSION))
        values.setdefault("current", "")
        body = self.templates.get_template(name).render(**values)
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

    def set_cookie(self, response: web.StreamResponse, name: str, value: str, seconds: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=seconds,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.settings.secure,
        )


PAGES = web.AppKey("rebound_web", WebPage)
SESSION = web.RequestKey("rebound_session", Session)


# --- middleware ---------------------------------------------------------------------------


PAGE_PATHS = re.compile(
    r"/(?:$|login/|auth/|choose$|logout$|outcomes$|library|queue$|audit$|static/)"
)
MOUNTED = web.AppKey("rebound_web_mounted", bool)


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Error pages, the query's length limit and security headers, for the page's own
    paths (all paths when it runs alone; beside Slack's endpoints, only its own)."""
    page = request.app[PAGES]
    if request.app[MOUNTED] and not PAGE_PATHS.match(request.path):
        return await handler(request)
    try:
        if len(request.query_string) > MAX_QUERY:
            raise Refused(414, "That address is too long", "Go back and try a shorter search.")
        response = await handler(request)
    except Refused as refused:
        response = page.render(
            request, "error.html", refused.status, title=refused.title, detail=refused.detail
        )
    except web.HTTPNotFound:
        response = page.render(
            request, "error.html", 404, title="No such page", detail="Check the address."
        )
    except web.HTTPMethodNotAllowed:
        response = page.render(
            request, "error.html", 405, title="Not here", detail="Use the page's own links."
        )
    except web.HTTPRequestEntityTooLarge:
        response = page.render(
            request, "error.html", 413, title="Too much", detail="That form was far too long."
        )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _session(request: web.Request) -> Session:
    """The signed-in moderator's session with their community, or a page saying why not."""
    page = request.app[PAGES]
    cookie = request.cookies.get(SESSION_COOKIE)
    session = page.cookies.session(cookie, page.now())
    if session is None:
        if page.cookies.expired(cookie, page.now()):
            raise Refused(401, "Your session has ended", "Sign in again to carry on.")
        raise Refused(401, "Please sign in", "This page is for the community's moderators.")
    if not session.community:
        raise web.HTTPSeeOther("/choose")
    request[SESSION] = session
    return session


async def _form(request: web.Request, session: Session) -> dict[str, str]:
    """The posted form, once its CSRF token matches the session's."""
    try:
        posted = await request.post()
    except ValueError:
        raise Refused(
            400, "That form could not be read", "Reload the page and try again."
        ) from None
    values = {key: value for key, value in posted.items() if isinstance(value, str)}
    if not hmac.compare_digest(values.get("csrf", ""), session.csrf):
        raise Refused(
            403, "That form has expired", "Reload the page and send it again; nothing changed."
        )
    return values


# --- signing in and out -------------------------------------------------------------------


async def _home(request: web.Request) -> web.StreamResponse:
    page = request.app[PAGES]
    if page.cookies.session(request.cookies.get(SESSION_COOKIE), page.now()) is not None:
        raise web.HTTPSeeOther("/outcomes")
    return page.render(
        request, "signin.html", slack=page.settings.slack, discord=page.settings.discord
    )


def _platform(request: web.Request) -> str:
    page, platform = request.app[PAGES], request.match_info["platform"]
    if platform not in PLATFORMS or not getattr(page.settings, platform):
        raise Refused(404, "No such sign-in", "Sign in with one of the buttons on the first page.")
    return platform


async def _login(request: web.Request) -> web.StreamResponse:
    page, platform = request.app[PAGES], _platform(request)
    state = new_token()
    lifetime = timedelta(minutes=LOGIN_MINUTES)
    await page.insights.issue_state(state, lifetime)
    response = _redirect(authorize_url(page.settings, platform, state))
    login = LoginState(state, platform, page.now() + lifetime.total_seconds())
    page.set_cookie(response, LOGIN_COOKIE, page.cookies.login_value(login), LOGIN_MINUTES * 60)
    return response


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _not_signed_in(detail: str) -> Refused:
    return Refused(403, "You are not signed in", detail)


async def _callback(request: web.Request) -> web.StreamResponse:
    page, platform = request.app[PAGES], _platform(request)
    state, code = request.query.get("state", ""), request.query.get("code", "")
    login = page.cookies.login(request.cookies.get(LOGIN_COOKIE), page.now())
    if request.query.get("error"):
        raise _not_signed_in("The sign-in was cancelled or refused. Try again from the start.")
    if (
        login is None
        or login.platform != platform
        or not state
        or not hmac.compare_digest(login.state, state)
        or not await page.insights.consume_state(state)
    ):
        raise _not_signed_in(
            "This sign-in link is not valid, or was used already. Start again from the first page."
        )
    if not code or len(code) > 500:
        raise _not_signed_in("The platform sent no sign-in code. Start again.")
    identity = await _identify(page, platform, code)
    if not identity.moderates:
        detail = (
            "You are a member, but not a moderator, of this community; only its moderators "
            "can use this page."
            if identity.member_of
            else "You do not moderate a community Rebound serves."
        )
        log.info("web sign-in refused: not a moderator (%s)", platform)
        raise Refused(403, "Moderators only", detail)
    session = Session(
        user_id=identity.user_id,
        name=identity.name,
        platform=platform,
        expires=page.now() + page.settings.session_hours * 3600,
        csrf=new_token(),
        community=identity.moderates[0] if len(identity.moderates) == 1 else "",
        choices=identity.moderates if len(identity.moderates) > 1 else [],
    )
    log.info("web sign-in: a moderator of %s", session.community or "several communities")
    response = _redirect("/outcomes" if session.community else "/choose")
    page.set_cookie(
        response,
        SESSION_COOKIE,
        page.cookies.session_value(session),
        int(page.settings.session_hours * 3600),
    )
    response.del_cookie(LOGIN_COOKIE, path="/")
    return response


async def _identify(page: WebPage, platform: str, code: str) -> Identity:
    known = await page.insights.communities(platform)
    signin: SlackSignIn | DiscordSignIn
    if platform == "slack":
        installations = slack_installations(page.settings, page.core.store)
        signin = SlackSignIn(page.settings, known, installations)
    else:
        signin = DiscordSignIn(page.settings, known)
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            return await signin.identify(http, code)
    except (SignInFailed, aiohttp.ClientError, TimeoutError) as failure:
        log.warning("web sign-in failed: %s", type(failure).__name__)
        raise _not_signed_in("The platform did not confirm who you are. Try again.") from None


async def _choose(request: web.Request) -> web.StreamResponse:
    page = request.app[PAGES]
    session = page.cookies.session(request.cookies.get(SESSION_COOKIE), page.now())
    if session is None or not session.choices:
        raise web.HTTPSeeOther("/")
    request[SESSION] = session
    if request.method == "GET":
        return page.render(request, "choose.html", choices=session.choices)
    values = await _form(request, session)
    chosen = values.get("community", "")
    if chosen not in session.choices:
        raise Refused(400, "Not one of yours", "Choose one of the communities listed.")
    chosen_session = Session(**{**session.__dict__, "community": chosen, "choices": []})
    response = _redirect("/outcomes")
    seconds = max(int(session.expires - page.now()), 1)
    page.set_cookie(response, SESSION_COOKIE, page.cookies.session_value(chosen_session), seconds)
    return response


async def _logout(request: web.Request) -> web.StreamResponse:
    page = request.app[PAGES]
    session = page.cookies.session(request.cookies.get(SESSION_COOKIE), page.now())
    if session is not None:
        await _form(request, session)
    response = page.render(request, "signed_out.html", session=None)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- the pages ----------------------------------------------------------------------------


async def _outcomes(request: web.Request) -> web.StreamResponse:
    page, session = request.app[PAGES], _session(request)
    figures = await page.insights.outcomes(session.community)
    return page.render(
        request,
        "outcomes.html",
        current="outcomes",
        figures=figures,
        charts=outcome_charts(figures),
        first_reply=first_reply_chart(figures),
        share=share,
        wait=wait,
    )


async def _library(request: web.Request) -> web.StreamResponse:
    page, session = request.app[PAGES], _session(request)
    library = await page.insights.library(session.community)
    by_topic: dict[str, list[Any]] = {}
    for item in library.featured:
        by_topic.setdefault(item.topic, []).append(item)
    done = DONE.get(request.query.get("done", ""), "")
    return page.render(
        request,
        "library.html",
        current="library",
        library=library,
        by_topic=by_topic,
        done=done,
        new_token=new_token,
    )


def _record_id(raw: str, what: str) -> int:
    if not _RECORD_ID.fullmatch(raw):
        raise Refused(400, f"That {what} is not one Rebound knows", "Nothing was changed.")
    return int(raw)


async def _feature(request: web.Request) -> web.StreamResponse:
    page, session = request.app[PAGES], _session(request)
    values = await _form(request, session)
    reply_id = _record_id(values.get("reply", ""), "answer")
    submission = values.get("submission", "")
    if not _TOKEN.fullmatch(submission):
        raise Refused(
            400, "That form is not one of this page's", "Reload the page; nothing changed."
        )
    action = values.get("action", "")
    if action not in {"feature", "unfeature"}:
        raise Refused(400, "Unknown action", "Use the page's own buttons; nothing changed.")
    actor = Member(user_id=session.user_id, display_name=session.name, is_moderator=True)
    outbox = WebOutbox()
    await page.insights.submit_feature(
        session.community,
        actor,
        reply_id=reply_id,
        topic=values.get("topic", "")[:200],
        summary=values.get("summary", "")[:1000],
        unfeature=action == "unfeature",
        submission=submission,
        outbox=outbox,
    )
    done = next((key for key in outbox.keys() if key in DONE), None)  # noqa: SIM118
    if done is not None:
        raise web.HTTPSeeOther(f"/library?done={done}")
    problems = outbox.problems() or ["That form was sent already, or nothing needed changing."]
    return page.render(
        request,
        "error.html",
        400,
        title="Nothing was changed",
        detail=" ".join(problems),
    )


async def _queue(request: web.Request) -> web.StreamResponse:
    page, session = request.app[PAGES], _session(request)
    queue = await page.insights.queue(session.community)
    community = session.community

    def link(item: Any) -> str | None:
        return thread_link(community, item.channel_id, item.thread_ref)

    def labels(item: Any) -> str:
        found = (
            page.insights.stage_label(community, item.stage),
            page.insights.kind_label(community, item.kind),
        )
        return " · ".join(label for label in found if label)

    return page.render(
        request, "queue.html", current="queue", queue=queue, link=link, labels=labels
    )


def _day(raw: str, what: str) -> datetime | None:
    if not raw:
        return None
    if not _DAY.fullmatch(raw):
        raise Refused(400, f"That {what} date is not a date", "Use the form's date fields.")
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise Refused(
            400, f"That {what} date is not a date", "Use the form's date fields."
        ) from None


async def _audit(request: web.Request) -> web.StreamResponse:
    page, session = request.app[PAGES], _session(request)
    community, query = session.community, request.query
    actions = dict(page.insights.actions(community))
    action = query.get("action", "")
    if action and action not in actions:
        raise Refused(400, "No such action", "Choose an action from the list.")
    until = _day(query.get("until", ""), "end")
    wanted = AuditFilter(
        actor_id=query.get("moderator") or None,
        action=action or None,
        since=_day(query.get("since", ""), "start"),
        until=until + timedelta(days=1) if until else None,
        before_id=_record_id(query["before"], "page") if query.get("before") else None,
    )
    found = await page.insights.audit(community, wanted)
    if wanted.actor_id and wanted.actor_id not in dict(found.actors):
        raise Refused(400, "No such moderator", "Choose a moderator from the list.")
    older = None
    if found.older_than is not None:
        kept = {k: v for k, v in query.items() if k != "before" and v}
        older = "?" + urlencode({**kept, "before": str(found.older_than)})
    return page.render(
        request,
        "audit.html",
        current="audit",
        page_rows=found.rows,
        actors=found.actors,
        actions=found.actions,
        chosen={k: query.get(k, "") for k in ("moderator", "action", "since", "until")},
        older=older,
        label=lambda a: page.insights.action_label(community, a),
    )


# --- assembly -----------------------------------------------------------------------------


def add_routes(app: web.Application, page: WebPage, *, mounted: bool = True) -> None:
    """The page's routes on `app` (with their middleware), beside whatever else it serves
    (`mounted`: the middleware leaves the other routes alone)."""
    app[PAGES] = page
    app[MOUNTED] = mounted
    app.middlewares.append(_guard)
    static = resources.files("adapters.web") / "static"
    app.router.add_get("/", _home)
    app.router.add_get("/login/{platform}", _login)
    app.router.add_get("/auth/{platform}/callback", _callback)
    app.router.add_route("*", "/choose", _choose)
    app.router.add_post("/logout", _logout)
    app.router.add_get("/outcomes", _outcomes)
    app.router.add_get("/library", _library)
    app.router.add_post("/library/feature", _feature)
    app.router.add_get("/queue", _queue)
    app.router.add_get("/audit", _audit)
    app.router.add_static("/static", str(static))


def web_app(page: WebPage) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, handler_args={"max_line_size": 65536})
    add_routes(app, page, mounted=False)
    return app


async def serve(page: WebPage, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    runner = web.AppRunner(web_app(page), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web page on port %d", int(runner.addresses[0][1]))
    return runner
