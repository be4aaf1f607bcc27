"""The ASGI app of the annotation page (Starlette): a static page and a small token-checked API.

Every ``/api`` route needs ``Authorization: Bearer <token>`` (a header, never a cookie, so
another site cannot make the browser send it: CSRF-safe). The page and its static files hold
no data and are public. Responses carry a strict Content-Security-Policy (scripts and styles
only from this server, nothing from the internet) and ``Cache-Control: no-store``.

Routes::

    GET  /                  the annotator page (token in the link's #fragment)
    GET  /status            the owner's status page
    GET  /api/session       task widgets, the annotator's queue and progress
    GET  /api/item?id=ID    one sample's text and the annotator's current answer
    POST /api/submit        {"sample", "labels": {task: label}, "flag", "comment"}
    POST /api/skip          {"sample"}
    POST /api/undo          {} -> reverts the annotator's latest submit
    GET  /api/guidelines    the project's guidelines.md (shown as text)
    GET  /api/status        owner only: progress, flags, pairwise agreement
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meta_evaluator.annotate._round import AnnotationRound, SubmitError
from meta_evaluator.annotate._tokens import OWNER

__all__ = ["build_app"]

logger = logging.getLogger(__name__)

_MAX_BODY = 1_000_000
_FLUSH_EVERY_S = 1.0
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def _static_dir() -> str:
    return str(resources.files("meta_evaluator.annotate") / "static")


class _SecurityHeaders:
    """ASGI middleware adding the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(message: str, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


Handler = Callable[[Request, str], Awaitable[Response]]


def build_app(round_: AnnotationRound) -> Starlette:
    """The Starlette app serving ``round_`` (flushes labels to the project in the background).

    Args:
        round_: The annotation round to serve.
    """

    def guarded(
        handler: Handler, *, owner: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            who = round_.who(_bearer(request))
            if who is None:
                return _error("Missing or wrong token: open the personal link you were given.", 401)
            if (who == OWNER) != owner:
                what = "the owner's status page (/status)" if who == OWNER else "annotators"
                return _error(f"This link is for {what}; it cannot open this page.", 403)
            try:
                return await handler(request, who)
            except SubmitError as exc:
                return _error(str(exc), exc.status)

        return endpoint

    async def body_of(request: Request) -> dict[str, Any]:
        if int(request.headers.get("content-length") or 0) > _MAX_BODY:
            raise SubmitError("Request too large.", status=413)
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise SubmitError("Request too large.", status=413)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise SubmitError("The request body is not JSON.") from None
        if not isinstance(body, dict):
            raise SubmitError("The request body must be a JSON object.")
        return body

    async def session(request: Request, who: str) -> Response:
        return JSONResponse(await run_in_threadpool(round_.session, who))

    async def item(request: Request, who: str) -> Response:
        sample = request.query_params.get("id", "")
        return JSONResponse(await run_in_threadpool(round_.item, who, sample))

    async def submit(request: Request, who: str) -> Response:
        body = await body_of(request)
        return JSONResponse(await run_in_threadpool(round_.submit, who, body))

    async def skip(request: Request, who: str) -> Response:
        body = await body_of(request)
        return JSONResponse(await run_in_threadpool(round_.skip, who, str(body.get("sample", ""))))

    async def undo(request: Request, who: str) -> Response:
        await body_of(request)
        return JSONResponse(await run_in_threadpool(round_.undo, who))

    async def guidelines(request: Request, who: str) -> Response:
        return JSONResponse({"text": await run_in_threadpool(round_.guidelines)})

    async def status(request: Request, who: str) -> Response:
        return JSONResponse(await run_in_threadpool(round_.status))

    def page(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return FileResponse(f"{_static_dir()}/{name}", media_type="text/html")

        return endpoint

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()

        def flush_loop() -> None:
            # wait >= 10x the last flush: rewriting the tables never takes > ~10% of a core
            pause = _FLUSH_EVERY_S
            while not stop.wait(pause):
                started = time.perf_counter()
                try:
                    round_.flush()
                except Exception:  # the journals keep the labels; retried on the next tick
                    logger.exception("writing the annotation tables failed; will retry")
                pause = max(_FLUSH_EVERY_S, 10 * (time.perf_counter() - started))

        flusher = threading.Thread(target=flush_loop, name="annotate-flush", daemon=True)
        flusher.start()
        try:
            yield
        finally:
            stop.set()
            flusher.join()
            round_.flush()

    routes = [
        Route("/", page("index.html")),
        Route("/status", page("status.html")),
        Route("/api/session", guarded(session)),
        Route("/api/item", guarded(item)),
        Route("/api/submit", guarded(submit), methods=["POST"]),
        Route("/api/skip", guarded(skip), methods=["POST"]),
        Route("/api/undo", guarded(undo), methods=["POST"]),
        Route("/api/guidelines", guarded(guidelines)),
        Route("/api/status", guarded(status, owner=True)),
        Mount("/static", StaticFiles(directory=_static_dir()), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(_SecurityHeaders)
    return app
