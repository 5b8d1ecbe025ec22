"""`/oversikt…`: the overview pages, behind signed personal links only.

Every request names its link in `?t=` (forms carry it as a hidden field). The link is checked on
each request, so an expired or revoked link stops working at once; a refused link gets a Norwegian
page with 401 or 403 and no data. The work runs in the executor, one read transaction per page;
only "Ferdig" writes, and only with the CSRF value the page gave for that action.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.app import App
from bot.teams import tab_auth
from bot.web.render import href, render
from handlers.core.catalog import t
from handlers.core.context import Actor, Context
from handlers.core.errors import NotFound, PermissionDenied, UserError
from handlers.meetings import report
from handlers.overview import export, filters, links, pages, tab
from handlers.overview.links import LinkRefused

log = logging.getLogger(__name__)

T = TypeVar("T")

# The pages are framed by Teams (tabs and the meeting side panel); nothing else may frame them.
FRAME_ANCESTORS = "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft"
HEADERS = {
    "Cache-Control": "no-store",
    # The token is in the address: it must not leave in a Referer header.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                f"form-action 'self'; base-uri 'none'; frame-ancestors {FRAME_ANCESTORS}"),
}
# The Teams channel tab's configuration page must call TeamsJS to enable "Save", and the tab itself
# asks it for the person's token (single sign-on): the only pages with a script.
TEAMS_JS = "https://res.cdn.office.net/teams-js/2.34.0/js/MicrosoftTeams.min.js"
SCRIPT_CSP = HEADERS["Content-Security-Policy"].replace(
    "default-src 'none';", "default-src 'none'; script-src 'self' https://res.cdn.office.net; connect-src 'self';")
# Who may sign in from the Teams tab (the Entra token check); set by `setup`, replaced in tests.
TAB_SIGN_IN = web.AppKey("oppfolging_tab_sign_in", object)


def _page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8",
                        headers={**HEADERS, **(headers or {})})


def _json_refusal(status: int, message: str) -> web.Response:
    return web.json_response({"feil": message}, status=status, headers={"Cache-Control": "no-store"})


def _refused(status: int, message: str, title: str | None = None, back: str | None = None) -> web.Response:
    return _page(render("error.html", title=title or t("overview.refused.title"), message=message, back=back),
                 status)


class Viewer:
    """What one request needs: the app, the token, and a way to run rules with the holder's context."""

    def __init__(self, app: App, token: str | None, form: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.token = token
        self.form: Mapping[str, Any] = form or {}

    def run(self, work: Callable[[Context, links.Grant], T], *, write: bool = False) -> T:
        settings = self.app.overview_links
        with self.app.sessions() as session:
            now = self.app.clock()
            grant = links.verify(session, settings, self.token, now)
            ctx = pages.context_for(session, grant, now, self.app.settings.timezone, self.app.settings.admins)
            ctx.overview_links = settings
            result = work(ctx, grant)
            if write:
                session.commit()
            else:
                session.rollback()
            return result


async def _guarded(request: web.Request, app: App, call: Callable[[Viewer], Any], *,
                   write: bool = False) -> web.StreamResponse:
    token = request.query.get("t")
    form: Mapping[str, Any] | None = None
    if write:
        form = await request.post()
        value = form.get("t")
        token = value if isinstance(value, str) else None
    viewer = Viewer(app, token, form)
    try:
        return await asyncio.get_running_loop().run_in_executor(None, call, viewer)
    except LinkRefused as exc:
        return _refused(exc.status if exc.status in (401, 403) else 503, exc.message)
    except PermissionDenied as exc:
        return _refused(403, exc.message)
    except NotFound as exc:
        return _refused(404, exc.message, t("overview.not_found.title"))
    except UserError as exc:
        # A form the rules refused (a new action without a party): what to fix, and the way back.
        return _refused(400, " ".join([exc.message, *exc.suggestions]), t("overview.error.title"),
                        back=href("/oversikt", token) if token else None)
    except (OperationalError, DBAPIError) as exc:
        log.warning("overview: database unavailable: %s", exc.__class__.__name__)
        return _refused(503, t("overview.error"), t("overview.error.title"))
    except Exception:
        log.exception("overview: unexpected error")
        return _refused(500, t("overview.error"), t("overview.error.title"))


def _action_id(request: web.Request) -> int:
    raw = request.match_info.get("id", "")
    if not raw.isdigit() or len(raw) > 9:
        raise NotFound(t("overview.not_found", id=raw[:20]))
    return int(raw)


def setup(web_app: web.Application, app: App) -> None:
    settings = app.overview_links

    async def overview(request: web.Request) -> web.StreamResponse:
        def call(viewer: Viewer) -> web.Response:
            # Rendered inside the transaction: the template reads the rows it was given.
            html = viewer.run(lambda ctx, grant: render(
                "overview.html", view=pages.overview(ctx, settings, grant, request.query), token=viewer.token,
                href=href, added=request.query.get("lagt_til", "")[:12]))
            return _page(html)

        return await _guarded(request, app, call)

    async def action(request: web.Request) -> web.StreamResponse:
        def call(viewer: Viewer) -> web.Response:
            action_id = _action_id(request)
            done = request.query.get("ferdig") == "1"
            html = viewer.run(lambda ctx, grant: render(
                "action.html", view=pages.action_page(ctx, settings, grant, action_id), token=viewer.token,
                href=href, message=t("overview.done.ok", id=action_id) if done else None))
            return _page(html)

        return await _guarded(request, app, call)

    async def complete(request: web.Request) -> web.StreamResponse:
        def call(viewer: Viewer) -> web.Response:
            action_id = _action_id(request)
            csrf = viewer.form.get("csrf")
            viewer.run(lambda ctx, grant: pages.complete(ctx, settings, grant, action_id,
                                                         csrf if isinstance(csrf, str) else None), write=True)
            # Post/redirect/get: reloading the page after "Ferdig" does not send the form again.
            return web.Response(status=303, headers={
                **HEADERS, "Location": href(f"/oversikt/punkt/{action_id}", viewer.token, {"ferdig": "1"})})

        return await _guarded(request, app, call, write=True)

    def _export(kind: str) -> Callable[[web.Request], Any]:
        async def download(request: web.Request) -> web.StreamResponse:
            def call(viewer: Viewer) -> str:
                handle, path = tempfile.mkstemp(prefix="oversikt-", suffix=f".{kind}")
                os.close(handle)

                def work(ctx: Context, grant: links.Grant) -> None:
                    query = filters.parse(request.query, ctx.resolver, ctx.today, meeting_scope=grant.meeting_id)
                    if kind == "csv":
                        with open(path, "w", encoding="utf-8-sig", newline="") as out:
                            export.write_csv(ctx, query, out)
                    else:
                        export.write_xlsx(ctx, query, path)

                try:
                    viewer.run(work)
                except BaseException:
                    os.unlink(path)
                    raise
                return path

            result = await _guarded(request, app, call)  # type: ignore[arg-type]
            if isinstance(result, web.StreamResponse):
                return result
            return await _send_file(request, str(result), kind)

        return download

    async def add_action(request: web.Request) -> web.StreamResponse:
        def call(viewer: Viewer) -> web.Response:
            form = viewer.form
            values = {name: form[name] for name in ("tekst", "ansvarlig", "frist") if isinstance(form.get(name), str)}
            csrf = form.get("csrf")
            action_id = viewer.run(lambda ctx, grant: pages.add_to_meeting(
                ctx, settings, grant, values, csrf if isinstance(csrf, str) else None), write=True)
            return web.Response(status=303, headers={
                **HEADERS, "Location": href("/oversikt", viewer.token, {"lagt_til": str(action_id)})})

        return await _guarded(request, app, call, write=True)

    async def report_docx(request: web.Request) -> web.StreamResponse:
        def call(viewer: Viewer) -> web.Response:
            def work(ctx: Context, grant: links.Grant) -> bytes:
                if grant.meeting_id is not None:
                    raise LinkRefused(403, t("overview.refused.scope"))
                raw = request.query.get("mote", "")
                meeting = report.target_meeting(ctx, raw if raw.isdigit() else "")
                return report.to_docx(ctx, report.build(ctx, meeting), template=app.settings.report_template)

            body = viewer.run(work)
            return web.Response(body=body, headers={
                **HEADERS, "Content-Type": CONTENT_TYPES["docx"],
                "Content-Disposition": 'attachment; filename="oppfolgingsrapport.docx"'})

        return await _guarded(request, app, call)

    async def teams_tab(request: web.Request) -> web.Response:
        sso = request.app.get(TAB_SIGN_IN) is not None
        html = render("teams_tab.html", context=request.query.get("kontekst", "personlig"), sso=sso, teams_js=TEAMS_JS)
        return _page(html, headers={"Content-Security-Policy": SCRIPT_CSP} if sso else None)

    async def teams_tab_js(request: web.Request) -> web.Response:
        return web.Response(text=render("teams_tab.js"), content_type="application/javascript",
                            charset="utf-8", headers={"Cache-Control": "max-age=3600"})

    async def teams_sign_in(request: web.Request) -> web.Response:
        """Trades the Entra token TeamsJS gave the tab for the person's own overview link."""
        sign_in = request.app.get(TAB_SIGN_IN)
        if not isinstance(sign_in, tab_auth.TabSignIn):
            return _json_refusal(404, t("overview.teams.sso_off"))
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("token"), str):
            return _json_refusal(400, t("overview.teams.sso_bad_request"))
        title = body.get("title") if isinstance(body.get("title"), str) else ""
        in_meeting = body.get("meeting") is True
        loop = asyncio.get_running_loop()
        try:
            user = await loop.run_in_executor(None, sign_in.verify, body["token"])
        except tab_auth.TabSignInRefused as exc:
            log.warning("overview: Teams sign-in refused: %s", exc.reason)
            return _json_refusal(401, t("overview.teams.sso_refused"))

        def link() -> Any:
            return app.handle("", Actor("teams", user.object_id, user.name),
                              run=lambda ctx: tab.tab_link(ctx, in_meeting=in_meeting, title=title[:300]))

        try:
            reply = await loop.run_in_executor(None, link)
        except (OperationalError, DBAPIError) as exc:
            log.warning("overview: database unavailable: %s", exc.__class__.__name__)
            return _json_refusal(503, t("overview.error"))
        data = reply.data or {}
        if reply.error or not data.get("url"):
            return _json_refusal(503, " ".join(reply.lines) or t("overview.error"))
        return web.json_response({"url": data["url"], "meeting": data.get("meeting"), "choose": data.get("chosen")},
                                 headers={"Cache-Control": "no-store"})

    async def teams_config(request: web.Request) -> web.Response:
        return _page(render("teams_config.html", teams_js=TEAMS_JS), headers={"Content-Security-Policy": SCRIPT_CSP})

    async def teams_config_js(request: web.Request) -> web.Response:
        return web.Response(text=render("teams_config.js"), content_type="application/javascript",
                            charset="utf-8", headers={"Cache-Control": "max-age=3600"})

    web_app.router.add_get("/oversikt", overview)
    web_app.router.add_get("/oversikt/", overview)
    web_app.router.add_get("/oversikt/punkt/{id}", action)
    web_app.router.add_post("/oversikt/punkt/{id}/ferdig", complete)
    web_app.router.add_get("/oversikt/eksport.xlsx", _export("xlsx"))
    web_app.router.add_get("/oversikt/eksport.csv", _export("csv"))
    web_app.router.add_post("/oversikt/nytt", add_action)
    web_app.router.add_get("/oversikt/rapport.docx", report_docx)
    web_app.router.add_get("/oversikt/teams", teams_tab)
    web_app.router.add_get("/oversikt/teams/innlogging.js", teams_tab_js)
    web_app.router.add_post("/oversikt/teams/innlogging", teams_sign_in)
    if TAB_SIGN_IN not in web_app:
        web_app[TAB_SIGN_IN] = tab_auth.from_settings(app.settings)
    web_app.router.add_get("/oversikt/teams/konfigurer", teams_config)
    web_app.router.add_get("/oversikt/teams/konfigurer.js", teams_config_js)


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


async def _send_file(request: web.Request, path: str, kind: str) -> web.StreamResponse:
    """Streams the finished file in chunks and removes it: memory stays flat whatever its size."""
    response = web.StreamResponse(headers={
        **HEADERS, "Content-Type": CONTENT_TYPES[kind],
        "Content-Disposition": f'attachment; filename="oppfolging.{kind}"',
        "Content-Length": str(os.path.getsize(path)),
    })
    try:
        await response.prepare(request)
        with open(path, "rb") as source:
            while chunk := await asyncio.get_running_loop().run_in_executor(None, source.read, 256 * 1024):
                await response.write(chunk)
        await response.write_eof()
    finally:
        os.unlink(path)
    return response
