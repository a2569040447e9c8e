"""Routing: Kinesis POSTs go to the wire layer; GETs under /viewer serve the data viewer."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from eventwire_emulator.model import ModelError
from eventwire_emulator.server.messages import Request, Response, error_response
from eventwire_emulator.server.viewer_data import KEEP_PER_SHARD, ViewerData
from eventwire_emulator.server.viewer_pages import Filters, ViewerPages
from eventwire_emulator.wire import Wire, aws_error

VIEWER_PREFIX = "/viewer"
_STATIC = {
    "/viewer": ("viewer.html", "text/html; charset=utf-8"),
    "/viewer/": ("viewer.html", "text/html; charset=utf-8"),
    "/viewer/viewer.js": ("viewer.js", "text/javascript; charset=utf-8"),
    "/viewer/viewer.css": ("viewer.css", "text/css; charset=utf-8"),
}
# Records are untrusted: besides inserting them only as text, forbid inline script.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _static(name: str) -> bytes:
    return resources.files("eventwire_emulator.server").joinpath("static", name).read_bytes()


def _json(status: int, document: dict[str, Any]) -> Response:
    body = json.dumps(document, separators=(",", ":")).encode()
    return Response(
        status,
        {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **_PAGE_HEADERS,
        },
        body,
    )


class EmulatorApp:
    """The server's one app: the Kinesis API plus the viewer; thread-safe."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.viewer = ViewerData(wire.kinesis)
        self.pages = ViewerPages(wire.kinesis)
        self._static = {path: (_static(name), kind) for path, (name, kind) in _STATIC.items()}

    def __call__(self, request: Request) -> Response:
        """Answer one request."""
        method = request.method
        if method == "POST":
            if request.path.startswith(VIEWER_PREFIX):
                return error_response(405, "MethodNotAllowedException", "The viewer is GET only.")
            return self.kinesis(request)
        if method in ("GET", "HEAD"):
            return self.get(request)
        return error_response(
            405, "MethodNotAllowedException", f"Method {method} is not supported; Kinesis is POST."
        )

    def kinesis(self, request: Request) -> Response:
        """Pass a Kinesis API request to the wire layer."""
        headers = request.headers
        answer = self.wire.handle(
            headers.get("x-amz-target"),
            request.body,
            headers,
            method=request.method,
            path=request.path,
            query=request.query,
        )
        return Response(answer.status, answer.headers, answer.body, answer.close)

    def get(self, request: Request) -> Response:
        """Serve the viewer page, its assets and its JSON API."""
        path = request.path
        if path == "/":
            return Response(302, {"Location": "/viewer", "Content-Length": "0"})
        static = self._static.get(path)
        if static is not None:
            body, kind = static
            return Response(
                200, {"Content-Type": kind, "Content-Length": str(len(body)), **_PAGE_HEADERS}, body
            )
        if path == "/viewer/api/streams":
            return _json(200, self.viewer.streams())
        if path == "/viewer/api/records":
            return self._records(request)
        if path == "/viewer/api/page":
            return self._page(request)
        if path == "/viewer/api/record":
            return self._record(request)
        if path == "/health":
            return _json(200, {"status": "ok"})
        return error_response(404, "NotFoundException", f"Nothing is served at {path!r}.")

    def _records(self, request: Request) -> Response:
        query = parse_qs(request.query)
        stream = query.get("stream", [""])[0]
        shard = query.get("shard", [""])[0]
        limit_text = query.get("limit", ["50"])[0]
        if not stream or not shard:
            return error_response(400, "ValidationException", "Give stream and shard.")
        # ASCII digits only (str.isdigit also takes superscripts), and never a huge int().
        if not (limit_text.isascii() and limit_text.isdigit()) or len(limit_text) > 6:
            return error_response(
                400,
                "ValidationException",
                f"Invalid limit {limit_text[:20]!r}: give a whole number up to {KEEP_PER_SHARD}.",
            )
        limit = min(int(limit_text), KEEP_PER_SHARD)
        try:
            return _json(200, self.viewer.records(stream, shard, limit))
        except ModelError as exc:
            error = aws_error(exc)
            return error_response(error.status, error.code, error.message)

    def _page(self, request: Request) -> Response:
        """A page of one shard (``shard=``) or of the whole stream merged by arrival."""
        query = {name: values[0] for name, values in parse_qs(request.query).items()}
        stream, shard, after = query.get("stream", ""), query.get("shard", ""), query.get("after")
        limit_text = query.get("limit", "50")
        if not stream:
            return error_response(400, "ValidationException", "Give stream.")
        if not limit_text.isdigit():
            return error_response(400, "ValidationException", f"Invalid limit {limit_text!r}.")
        filters = Filters(key=query.get("key", ""), event_type=query.get("type", ""))
        try:
            if shard:
                return _json(
                    200, self.pages.shard_page(stream, shard, after, int(limit_text), filters)
                )
            position = None
            if after:
                seconds, _, rest = after.partition(":")
                try:
                    position = (float(seconds), rest)
                except ValueError:
                    return error_response(400, "ValidationException", f"Invalid after {after!r}.")
            return _json(200, self.pages.stream_page(stream, position, int(limit_text), filters))
        except ModelError as exc:
            error = aws_error(exc)
            return error_response(error.status, error.code, error.message)

    def _record(self, request: Request) -> Response:
        """One record as JSON, for the viewer's copy link."""
        query = {name: values[0] for name, values in parse_qs(request.query).items()}
        stream, shard, sequence = (query.get(name, "") for name in ("stream", "shard", "sequence"))
        if not (stream and shard and sequence):
            return error_response(400, "ValidationException", "Give stream, shard and sequence.")
        try:
            found = self.pages.record(stream, shard, sequence)
        except ModelError as exc:
            error = aws_error(exc)
            return error_response(error.status, error.code, error.message)
        if found is None:
            return error_response(404, "ResourceNotFoundException", "No such record.")
        return _json(200, found)
