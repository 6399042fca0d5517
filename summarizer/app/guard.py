"""ASGI middleware in front of the Gradio app: what any client can send before an event runs.

- Request bodies: at most `MAX_REQUEST_BYTES` on every route (a body over it is refused with 413 before
  it is read; one without a length is counted as it streams and cut off with the same 413). The one
  exception is Gradio's file-upload route, and only for a multipart body: it is allowed
  `MAX_UPLOAD_BYTES` a request in total and the client's upload budget (`summarizer.app.uploads`).
- Uploads: a file whose type the page does not read is deleted at once and refused with 415.
- Gradio's "Queue is full" answer (503) is worded as "Server busy ... try again" for API callers.
"""
from __future__ import annotations

import json
import logging

from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers

from summarizer import limits
from summarizer.app.uploads import (
    UploadBudget, allowed_upload, discard_upload, msg_bad_type, msg_over_budget, msg_too_big,
)

log = logging.getLogger("summarizer.app")

API = "/gradio_api"
UPLOAD_ROUTE = f"{API}/upload"
MULTIPART_SLACK = 64 * 1024  # part headers and boundaries around files Gradio would take whole


def msg_body_too_big(length: int | None, limit: int) -> str:
    size = f"{length} bytes" if length is not None else f"over {limit:,} bytes"
    return (f"Request body is {size}; the limit is {limit:,} (one cable is at most 1,000,000 bytes; "
            "upload corpora on the Batch tab).")


class RequestLimits:
    def __init__(self, app, blocks=None, max_body: int | None = None, busy: str = "Server busy: try again."):
        self.app = app
        self.blocks = blocks
        self.max_body = max_body or limits.MAX_REQUEST_BYTES
        self.busy = busy
        self.upload_cap = limits.MAX_UPLOAD_BYTES + MULTIPART_SLACK
        self.budget = UploadBudget(limits.UPLOAD_BUDGET_BYTES, limits.UPLOAD_WINDOW_S)

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
        await self.app(scope, receive, self._busy(self._cut_off(send, body)))

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
            await self.app(scope, body, answer)
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


async def json_response(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
