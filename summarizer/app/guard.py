"""ASGI middleware in front of the Gradio app: what any client can send before an event runs.

- Request bodies: at most `MAX_REQUEST_BYTES` on every route (a body over it is refused with 413 before
  it is read; one without a length is counted as it streams and cut off with the same 413). The one
  exception is Gradio's file-upload route, and only for a multipart body: it is allowed
  `MAX_UPLOAD_BYTES` a request in total and the client's upload budget (`summarizer.app.uploads`).
- Uploads: a file whose type the page does not read is deleted at once and refused with 415.
- The page's private events (`api_visibility="private"`) are still routed by Gradio to anyone who names
  them (`/call/<name>`, `/run/<name>`) or their `fn_index` (`/queue/join`). They run only for a client
  holding the cookie the page sets when it is opened; the API (/summarize, /parse, /batch) needs none.
  A client that opens the page as a browser does gets what the page can do, as it must; the cookie
  keeps the page's handlers out of the API, and (SameSite) out of reach of other sites.
- Client mistakes that escape Gradio's routes (an unknown endpoint or fn_index, bad arguments) get a
  4xx with one line, and one line in the log, instead of a 500 and a traceback.
- Gradio's "Queue is full" answer (503) is worded as "Server busy ... try again" for API callers.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets

from gradio.route_utils import FnIndexInferError
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from summarizer import limits
from summarizer.app.uploads import (
    UploadBudget, allowed_upload, discard_upload, msg_bad_type, msg_over_budget, msg_too_big,
)

log = logging.getLogger("summarizer.app")

API = "/gradio_api"
UPLOAD_ROUTE = f"{API}/upload"
# Routes that run an event: by name (/call, /call/v2), by fn_index or name (/run, /api), by fn_index (join).
EVENT_ROUTE = re.compile(rf"^{API}/(?:(?P<kind>call/v2|call|run|api)/(?P<name>[^/]+)|(?P<join>queue/join))/?$")
PAGE_COOKIE = "cable_page"
MULTIPART_SLACK = 64 * 1024  # part headers and boundaries around files Gradio would take whole


def msg_body_too_big(length: int | None, limit: int) -> str:
    size = f"{length:,} bytes" if length is not None else f"over {limit:,} bytes"
    return (f"Request body is {size}; the limit is {limit:,} (one cable is at most 1,000,000 bytes; "
            "upload corpora on the Batch tab).")


MSG_PRIVATE = ("This event belongs to the page and is not part of the API: call /summarize, /parse or /batch "
               "instead (see /gradio_api/info), or use the page in a browser.")


class RequestLimits:
    def __init__(self, app, blocks=None, max_body: int | None = None, busy: str = "Server busy: try again."):
        self.app = app
        self.blocks = blocks
        self.max_body = max_body or limits.MAX_REQUEST_BYTES
        self.busy = busy
        self.upload_cap = limits.MAX_UPLOAD_BYTES + MULTIPART_SLACK
        self.budget = UploadBudget(limits.UPLOAD_BUDGET_BYTES, limits.UPLOAD_WINDOW_S)
        self._secret = secrets.token_bytes(32)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        method = scope.get("method", "GET")
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            return await json_response(send, 400, "Content-Length is not a number.")
        length = int(length) if length is not None else None
        boundary = multipart_boundary(headers)
        if method == "POST" and path == UPLOAD_ROUTE and boundary:
            return await self._upload(scope, receive, send, length, boundary)
        if length is not None and length > self.max_body:
            return await json_response(send, 413, msg_body_too_big(length, self.max_body))
        body = Bounded(receive, self.max_body)
        receive = body
        event = EVENT_ROUTE.match(path) if method == "POST" else None
        if event:
            data = await body.read_all()
            if body.over:
                return await json_response(send, 413, msg_body_too_big(None, self.max_body))
            refusal = self._event_refusal(event, data, headers)
            if refusal:
                status, message = refusal
                log.info("refused %s %s: %s", method, path, message)
                return await json_response(send, status, message)
            receive = replay(data, body)
        send = self._page_cookie(send) if method == "GET" and path == "/" else send
        await self._run(scope, receive, self._busy(self._cut_off(send, body)), method, path)

    # ------------------------------------------------------------------ errors
    async def _run(self, scope, receive, send, method: str, path: str) -> None:
        started = False

        async def tracking(message):
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as e:  # noqa: BLE001 - what escapes Gradio's routes is answered here, in one line
            status, message = client_error(e, path, self._public())
            if status >= 500:
                log.exception("%s %s failed", method, path)
            else:
                log.warning("refused %s %s: %s", method, path, message)
            if not started:
                await json_response(send, status, message)

    def _public(self) -> list[str]:
        fns = getattr(self.blocks, "fns", {}) or {}
        return [f"/{fn.api_name}" for fn in fns.values() if fn.api_visibility == "public" and fn.api_name]

    # ------------------------------------------------------------------ private events
    def _event_refusal(self, event: re.Match, data: bytes, headers: Headers) -> tuple[int, str] | None:
        """(status, message) when the event may not run for this client; None to let Gradio decide."""
        if self.blocks is None:
            return None
        try:
            body = json.loads(data)
        except ValueError:
            return None  # Gradio refuses it with its own 422
        if not isinstance(body, dict):
            return None
        fns = self.blocks.fns
        # Resolved as Gradio's route_utils.get_fn does: fn_index first where the route reads it.
        fn_index = body.get("fn_index") if event["kind"] in (None, "run", "api") else None
        if fn_index is not None:
            if type(fn_index) is not int:
                return 400, "fn_index must be an integer."
            fn = fns.get(fn_index)
            if fn is None:
                return 404, f"No event with fn_index {fn_index} on this page."
        elif event["name"]:
            fn = next((f for f in fns.values() if f.api_name == event["name"]), None)
            if fn is None:
                return 404, unknown_endpoint(event["name"], self._public())
        else:
            return None
        if fn.api_visibility == "private" and not self._has_page_cookie(headers):
            return 403, MSG_PRIVATE
        return None

    def _token(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def _has_page_cookie(self, headers: Headers) -> bool:
        value = cookie_parser(headers.get("cookie", "")).get(PAGE_COOKIE, "")
        nonce, _, mac = value.partition(".")
        return bool(nonce) and hmac.compare_digest(mac, self._token(nonce))

    def _page_cookie(self, send):
        async def wrapped(message):
            if message.get("type") == "http.response.start" and message.get("status") == 200:
                nonce = secrets.token_hex(16)
                cookie = f"{PAGE_COOKIE}={nonce}.{self._token(nonce)}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)
        return wrapped

    # ------------------------------------------------------------------ uploads
    async def _upload(self, scope, receive, send, length: int | None, boundary: bytes) -> None:
        client = (scope.get("client") or ("unknown",))[0]
        if length is not None and length > self.upload_cap:
            return await json_response(send, 413, msg_too_big(limits.MAX_UPLOAD_BYTES))
        reservation = self.budget.reserve(client, length if length is not None else self.upload_cap)
        if reservation is None:
            message = msg_over_budget(self.budget.budget, self.budget.window_s, self.budget.retry_after(client))
            log.info("refused upload from %s: budget spent", client)
            return await json_response(send, 429, message)
        # Cut off at the cap with the closing boundary: Gradio then finishes the request normally and says
        # which files it stored, so they can be deleted. (A disconnect would leave its temporary files.)
        body = Bounded(receive, self.upload_cap, end=b"\r\n--" + boundary + b"--\r\n")
        answer = Captured()
        kept = 0
        try:
            await self._run(scope, body, answer, "POST", UPLOAD_ROUTE)
            paths = answer.paths() if answer.status == 200 else []
            refused = [p for p in paths if not allowed_upload(p)]
            if body.over or refused:
                for p in paths:
                    discard_upload(p, self.blocks)
                if body.over:
                    return await json_response(send, 413, msg_too_big(limits.MAX_UPLOAD_BYTES))
                names = [p.rsplit("/", 1)[-1] for p in refused]
                log.info("refused upload from %s: %s", client, ", ".join(names))
                return await json_response(send, 415, msg_bad_type(names))
            if answer.status == 200:
                kept = body.seen
            await answer.replay(send)
        finally:
            self.budget.settle(client, reservation, kept)

    # ------------------------------------------------------------------ answers
    def _cut_off(self, send, body: Bounded):
        """The app's answer to a body cut off at the cap (a parse error, mostly) becomes the 413."""
        replaced = False

        async def wrapped(message):
            nonlocal replaced
            if replaced:
                return
            if body.over and message.get("type") == "http.response.start":
                replaced = True
                return await json_response(send, 413, msg_body_too_big(None, body.limit))
            await send(message)
        return wrapped

    def _busy(self, send):
        held: dict = {}

        async def wrapped(message):
            kind = message.get("type")
            if kind == "http.response.start" and message.get("status") == 503:
                held["start"] = message  # wait for the body to see whether it is the queue's answer
                return
            if kind == "http.response.body" and "start" in held:
                start = held.pop("start")
                body = message.get("body") or b""
                if b"Queue is full" in body and not message.get("more_body"):
                    return await json_response(send, 503, self.busy)
                await send(start)
            await send(message)
        return wrapped


class Bounded:
    """`receive` that counts the body: past `limit` it marks itself `over` and ends the body, with `end`
    as its last bytes (multipart) or as a disconnect (anything else)."""

    def __init__(self, receive, limit: int, end: bytes | None = None):
        self.receive = receive
        self.limit = limit
        self.end = end
        self.seen = 0
        self.over = False
        self.done = False

    async def __call__(self):
        if self.over:
            return {"type": "http.disconnect"}
        message = await self.receive()
        if message.get("type") == "http.disconnect" and self.end is not None and not self.done:
            # The client left mid-upload: Gradio's parser would stop with its temporary files left behind.
            self.over = True
            return {"type": "http.request", "body": self.end, "more_body": False}
        if message.get("type") == "http.request":
            self.done = not message.get("more_body")
            self.seen += len(message.get("body") or b"")
            if self.seen > self.limit:
                self.over = True
                if self.end is not None:
                    return {"type": "http.request", "body": self.end, "more_body": False}
                return {"type": "http.disconnect"}
        return message

    async def read_all(self) -> bytes:
        chunks = []
        while True:
            message = await self()
            if message.get("type") != "http.request":
                break
            chunks.append(message.get("body") or b"")
            if not message.get("more_body"):
                break
        return b"".join(chunks)


def replay(data: bytes, receive):
    """`receive` that gives the body already read, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": data, "more_body": False}
        return await receive()
    return replayed


class Captured:
    """A `send` that holds the whole answer (the upload route's: a short JSON list of stored paths)."""

    def __init__(self):
        self.messages: list[dict] = []
        self.status = 0

    async def __call__(self, message):
        if message.get("type") == "http.response.start":
            self.status = message.get("status", 0)
        self.messages.append(message)

    def paths(self) -> list[str]:
        body = b"".join(m.get("body") or b"" for m in self.messages if m.get("type") == "http.response.body")
        try:
            paths = json.loads(body)
        except ValueError:
            return []
        return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []

    async def replay(self, send) -> None:
        for message in self.messages:
            await send(message)


def multipart_boundary(headers: Headers) -> bytes | None:
    content_type, params = parse_options_header(headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        return None
    return params.get(b"boundary") or None


def unknown_endpoint(name: str, public: list[str]) -> str:
    return f"No API endpoint /{name}: this server has {', '.join(public) or 'none'} (see /gradio_api/info)."


def client_error(e: Exception, path: str, public: list[str]) -> tuple[int, str]:
    """(status, one line) for an exception from Gradio's request handling."""
    event = EVENT_ROUTE.match(path)
    if isinstance(e, (FnIndexInferError, KeyError)) and event and event["name"]:
        return 404, unknown_endpoint(event["name"], public)
    if isinstance(e, ValidationError):
        return 400, f"Bad request: {str(e.errors()[0].get('msg', 'invalid body')).rstrip('.')}."
    if isinstance(e, (FnIndexInferError, KeyError, TypeError, ValueError)):
        return 400, f"Bad request: {one_line(e)}"
    return 500, f"Internal error ({type(e).__name__}); the server is still running."


def one_line(e: BaseException) -> str:
    text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
    return " ".join(text.split("\n", 1)[0].split())[:300] or type(e).__name__


async def json_response(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
