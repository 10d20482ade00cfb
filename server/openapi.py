"""``GET /openapi.json``: the HTTP API as an OpenAPI 3.1 document, built from the app's routes.

Each operation is declared once, in :data:`OPERATIONS`, keyed by method and path; the document
is assembled by walking the app's own route table, so its paths and path parameters are the
ones the server really has. A route without a declaration is listed all the same (marked
undocumented) and the test suite fails on it, so the two cannot drift apart silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from .api import MAX_PARTNER_NAME, MAX_PARTNERS, MAX_TITLE
from .merge import MAX_BOARDS
from .voting import MAX_VOTES

__all__ = ["OPERATIONS", "Operation", "openapi_document", "routes"]

JSON = "application/json"
HTML = "text/html"

ERROR = {"$ref": "#/components/schemas/Error"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _string(limit: int, **more: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit, **more}


BOARD_REFS = {
    "type": "object",
    "required": ["id", "token"],
    "properties": {"id": _string(64), "token": _string(200)},
}
LANGUAGE = {"type": "string", "enum": ["nl", "en"]}
KEY_QUERY = {"name": "key", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "the network's key (or Authorization: Bearer KEY)"}
TOKEN_QUERY = {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
               "description": "the board token, when no Authorization header is sent"}
FORMAT_QUERY = {"name": "format", "in": "query", "required": False,
                "schema": {"type": "string", "enum": ["json", "html", "md", "docx", "pdf"]},
                "description": "the covenant's format (installed exporters may add more)"}
VOTER_QUERY = {"name": "voter", "in": "query", "required": True, "schema": _string(64)}
COVENANT_MEDIA = {
    JSON: {"schema": {"type": "object", "description": "see /api/covenant.schema.json"}},
    "text/html": {"schema": {"type": "string"}},
    "text/markdown": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        {"schema": {"type": "string", "format": "binary"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


@dataclass(frozen=True)
class Operation:
    """One method of one route: what it is for, what it reads, what it answers."""

    summary: str
    #: Status -> (description, schema or None); a JSON body unless ``media`` says otherwise.
    responses: dict[int, tuple[str, dict[str, Any] | None]]
    body: dict[str, Any] | None = None
    query: tuple[dict[str, Any], ...] = ()
    #: Which token the operation needs: None (none), "board" (any role) or roles by name.
    auth: tuple[str, ...] | None = None
    media: str = JSON
    extra_media: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ("boards",)


def _board_op(summary: str, ok: tuple[int, str, dict[str, Any] | None], *roles: str,
              **more: Any) -> Operation:
    responses = {ok[0]: (ok[1], ok[2]), 401: ("no token", ERROR),
                 403: ("a token of another board or role", ERROR),
                 503: ("the board's stored data is damaged", ERROR)}
    responses.update(more.pop("responses", {}))
    return Operation(summary, responses, auth=roles or ("any role",), **more)


CREATE_BOARD = {
    "type": "object",
    "required": ["canvas", "title"],
    "properties": {
        "canvas": _string(100),
        "title": _string(MAX_TITLE),
        "language": LANGUAGE,
        "partners": {"type": "array", "maxItems": MAX_PARTNERS, "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": _string(MAX_PARTNER_NAME)}}},
    },
}
BOARD_ANSWER = {
    "type": "object",
    "required": ["id", "canvas", "title", "language", "state", "tokens", "links"],
    "properties": {
        "id": {"type": "string"}, "canvas": {"type": "string"}, "title": {"type": "string"},
        "language": LANGUAGE, "state": {"type": "string", "enum": ["open", "finalized"]},
        "predecessor": {"type": ["string", "null"]},
        "partners": {"type": "array", "items": ANY_OBJECT},
        "tokens": {"type": "object", "additionalProperties": {"type": "string"}},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
VOTING_STATE = {"type": "object", "required": ["open", "round", "votes_per_participant"],
                "properties": {"open": {"type": "boolean"}, "round": {"type": "integer"},
                               "votes_per_participant": {"type": "integer"},
                               "results": {"type": "object"}}}
MY_VOTES = {"type": "object", "required": ["round", "mine", "remaining"],
            "properties": {"round": {"type": "integer"}, "remaining": {"type": "integer"},
                           "mine": {"type": "object",
                                    "additionalProperties": {"type": "integer"}}}}
VOTE_BODY = {"type": "object", "required": ["voter", "element"],
             "properties": {"voter": _string(64), "element": _string(64)}}
COMBINE = {"type": "object", "required": ["title", "boards"],
           "properties": {"title": _string(200), "language": LANGUAGE,
                          "boards": {"type": "array", "minItems": 1, "maxItems": 20,
                                     "items": BOARD_REFS}}}
MERGE = {"type": "object", "required": ["title", "boards"],
         "properties": {"title": _string(200), "language": LANGUAGE,
                        "boards": {"type": "array", "minItems": 2, "maxItems": MAX_BOARDS,
                                   "items": BOARD_REFS}}}
BAD = {400: ("the body or a field is invalid (the message says which)", ERROR),
       413: ("the body is larger than the server's limit", ERROR)}
CONFLICT = {409: ("not in this state (open / finalized / no round open)", ERROR)}
DRAFT = {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"},
                                          "created_at": {"type": "number"}}}
DRAFT_BODY = {"type": "object", "required": ["seat", "text"],
              "properties": {"seat": _string(64), "text": _string(2000)}}

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/healthz"): Operation(
        "health: 200 while the node can serve", {200: ("ok", {
            "type": "object", "required": ["status"],
            "properties": {"status": {"type": "string"}, "rooms_loaded": {"type": "integer"},
                           "store": {"type": "string"}, "redis": {"type": "string"}}}),
            503: ("the store is unreachable", ANY_OBJECT)},
        tags=("server",)),
    ("GET", "/metrics"): Operation(
        "counters and timings in Prometheus text format", {200: ("metrics", None)},
        media="text/plain", tags=("server",)),
    ("GET", "/openapi.json"): Operation(
        "this document", {200: ("OpenAPI 3.1", ANY_OBJECT)}, tags=("server",)),
    ("GET", "/api/canvases"): Operation(
        "the installed canvases", {200: ("summaries", {"type": "array", "items": ANY_OBJECT})},
        tags=("canvases",)),
    ("GET", "/api/canvases/{canvas_id}"): Operation(
        "one canvas's spec: zones, steps, kinds", {200: ("the spec", ANY_OBJECT),
                                                   404: ("unknown canvas", ERROR)},
        tags=("canvases",)),
    ("GET", "/api/covenant.schema.json"): Operation(
        "the JSON Schema of covenant data", {200: ("JSON Schema", ANY_OBJECT)},
        tags=("covenants",)),
    ("POST", "/api/boards"): Operation(
        "create a board; answers its three role tokens and links",
        {201: ("created", BOARD_ANSWER), **BAD,
         401: ("the server needs the create key", ERROR), 403: ("wrong create key", ERROR),
         404: ("unknown canvas", ERROR),
         429: ("too many boards from this address lately (see Retry-After)", ERROR)},
        body=CREATE_BOARD, auth=("create key, when the server has one",)),
    ("GET", "/api/boards/{board_id}"): _board_op(
        "the board's data and the role of the token", (200, "the board", ANY_OBJECT)),
    ("POST", "/api/boards/merge"): Operation(
        "merge group boards of one canvas into a new board",
        {201: ("created", BOARD_ANSWER), **BAD,
         403: ("a facilitator token of every board is needed", ERROR),
         409: ("the canvas is not installed", ERROR),
         503: ("a board's stored data is damaged", ERROR)},
        body=MERGE),
    ("GET", "/api/boards/{board_id}/compare"): _board_op(
        "per zone, similar texts from several groups and the rest",
        (200, "zones", {"type": "object", "properties": {"zones": {"type": "array"}}}),
        responses=CONFLICT),
    ("GET", "/api/boards/{board_id}/participation"): _board_op(
        "notes and edits per organisation and step", (200, "counts", ANY_OBJECT),
        "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/finalize"): _board_op(
        "freeze the board and build its covenant", (200, "finalized", ANY_OBJECT),
        "facilitator", responses=CONFLICT),
    ("GET", "/api/boards/{board_id}/covenant"): _board_op(
        "the covenant of a finalized board", (200, "the covenant", None),
        query=(FORMAT_QUERY,), responses={**CONFLICT, 400: ("unknown format", ERROR)},
        extra_media=COVENANT_MEDIA),
    ("GET", "/api/boards/{board_id}/image"): _board_op(
        "the board as a picture, drawn by the server (a finalized board from its snapshot)",
        (200, "the picture", None),
        query=({"name": "format", "in": "query", "required": False,
                "schema": {"type": "string", "enum": ["svg", "png", "pdf"]}},),
        responses={400: ("unknown format", ERROR),
                   409: ("the board's canvas is not installed", ERROR),
                   503: ("too many pictures being drawn at once (see Retry-After), or PNG/PDF "
                         "without the cairo library", ERROR)},
        extra_media={"image/svg+xml": {"schema": {"type": "string"}},
                     "image/png": {"schema": {"type": "string", "format": "binary"}},
                     "application/pdf": {"schema": {"type": "string", "format": "binary"}}}),
    ("GET", "/api/boards/{board_id}/covenant/preview"): _board_op(
        "the covenant the board would give now, with its checklist",
        (200, "draft covenant", ANY_OBJECT), "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/signatures"): _board_op(
        "sign the finalized board for the party whose own link this is",
        (201, "the signature", {"type": "object", "properties": {
            "party": ANY_OBJECT, "name": {"type": "string"},
            "signed_at": {"type": "string"}, "covenant_sha256": {"type": "string"}}}),
        "party link",
        body={"type": "object", "required": ["name"], "properties": {"name": _string(100)}},
        responses={**BAD, **CONFLICT}),
    ("GET", "/api/boards/{board_id}/export"): _board_op(
        "the board as one file: document, history, metadata, covenant",
        (200, "a zip file", None), "facilitator", media="application/zip"),
    ("GET", "/api/boards/{board_id}/history"): _board_op(
        "points in the board's life that can be shown, oldest first",
        (200, "points", {"type": "array", "items": ANY_OBJECT}), "facilitator"),
    ("GET", "/api/boards/{board_id}/history/{seq}"): _board_op(
        "the board as it was at one point", (200, "meta, partners, elements", ANY_OBJECT),
        "facilitator", responses={400: ("not a point of the history", ERROR),
                                  404: ("history does not reach back that far", ERROR)}),
    ("GET", "/api/boards/{board_id}/history/elements/{element_id}"): _board_op(
        "one element over time (texts and positions)",
        (200, "the element's history", ANY_OBJECT), "facilitator",
        responses={400: ("element id too long", ERROR)}),
    ("POST", "/api/boards/{board_id}/restore"): _board_op(
        "bring the open board back to an earlier point, as a new update",
        (200, "restored", ANY_OBJECT), "facilitator",
        body={"type": "object", "required": ["seq"], "properties": {"seq": {"type": "integer"}}},
        responses={**BAD, **CONFLICT, 404: ("history does not reach back that far", ERROR)}),
    ("POST", "/api/boards/{board_id}/seats"): _board_op(
        "take a seat (a voter) when joining", (201, "the seat", ANY_OBJECT),
        "facilitator", "participant",
        body={"type": "object", "required": ["name"],
              "properties": {"name": _string(100), "org": _string(100)}},
        responses={**BAD, 409: ("this link has all its seats", ERROR)}),
    ("GET", "/api/boards/{board_id}/seats"): _board_op(
        "every seat: name, organisation, votes used",
        (200, "seats", {"type": "array", "items": ANY_OBJECT}), "facilitator"),
    ("GET", "/api/boards/{board_id}/seats/{seat_id}"): _board_op(
        "one's own seat", (200, "the seat", ANY_OBJECT),
        responses={404: ("no such seat for this link", ERROR)}),
    ("DELETE", "/api/boards/{board_id}/seats/{seat_id}"): _board_op(
        "remove a seat and its votes", (200, "removed", ANY_OBJECT), "facilitator",
        responses={404: ("no such seat", ERROR)}),
    ("GET", "/api/boards/{board_id}/links"): _board_op(
        "every link of the board, party links included", (200, "links", ANY_OBJECT),
        "facilitator"),
    ("POST", "/api/boards/{board_id}/links"): _board_op(
        "issue a link again: the old token stops working at once",
        (201, "the new link", ANY_OBJECT), "facilitator",
        body={"type": "object", "required": ["link"], "properties": {"link": _string(80)}},
        responses=BAD),
    ("POST", "/api/boards/{board_id}/partners"): _board_op(
        "add a partner, with a link of its own", (201, "the partner and its link", ANY_OBJECT),
        "facilitator",
        body={"type": "object", "required": ["name"],
              "properties": {"name": _string(MAX_PARTNER_NAME)}},
        responses={**BAD, **CONFLICT}),
    ("POST", "/api/boards/{board_id}/versions"): _board_op(
        "start a new open version of a finalized board", (201, "created", BOARD_ANSWER),
        "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/voting"): _board_op(
        "open a dot-voting round", (201, "the round", VOTING_STATE), "facilitator",
        body={"type": "object", "required": ["votes_per_participant"], "properties": {
            "votes_per_participant": {"type": "integer", "minimum": 1, "maximum": MAX_VOTES}}},
        responses={**BAD, **CONFLICT}),
    ("POST", "/api/boards/{board_id}/voting/close"): _board_op(
        "close the round; the results go into the board", (200, "results", VOTING_STATE),
        "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/votes"): _board_op(
        "spend one vote on an element", (200, "your votes", MY_VOTES),
        "facilitator", "participant", body=VOTE_BODY,
        responses={**BAD, **CONFLICT, 404: ("no such element", ERROR)}),
    ("DELETE", "/api/boards/{board_id}/votes"): _board_op(
        "take one vote back", (200, "your votes", MY_VOTES), "facilitator", "participant",
        body=VOTE_BODY, responses={**BAD, **CONFLICT, 404: ("no such vote", ERROR)}),
    ("GET", "/api/boards/{board_id}/votes"): _board_op(
        "a voter's votes in the open round", (200, "your votes", MY_VOTES),
        "facilitator", "participant", query=(VOTER_QUERY,),
        responses={400: ("no voter", ERROR), **CONFLICT}),
    ("POST", "/api/boards/{board_id}/brainstorm"): _board_op(
        "start a private brainstorm: notes stay hidden until revealed",
        (201, "the round", ANY_OBJECT), "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/brainstorm/reveal"): _board_op(
        "reveal every hidden note at once, as notes of their authors, and end the round",
        (200, "how many were revealed", ANY_OBJECT), "facilitator", responses=CONFLICT),
    ("POST", "/api/boards/{board_id}/drafts"): _board_op(
        "write a hidden note (a seat of this link)", (201, "the hidden note", DRAFT),
        "facilitator", "participant", body=DRAFT_BODY, responses={**BAD, **CONFLICT}),
    ("GET", "/api/boards/{board_id}/drafts"): _board_op(
        "this seat's own hidden notes", (200, "hidden notes", {"type": "array", "items": DRAFT}),
        "facilitator", "participant",
        query=({"name": "seat", "in": "query", "required": True, "schema": _string(64)},),
        responses={400: ("no seat", ERROR)}),
    ("PUT", "/api/boards/{board_id}/drafts/{draft_id}"): _board_op(
        "change the text of one's own hidden note", (200, "the hidden note", ANY_OBJECT),
        "facilitator", "participant", body=DRAFT_BODY,
        responses={**BAD, **CONFLICT, 404: ("no such hidden note of yours", ERROR)}),
    ("DELETE", "/api/boards/{board_id}/drafts/{draft_id}"): _board_op(
        "delete one's own hidden note", (204, "deleted", None), "facilitator", "participant",
        query=({"name": "seat", "in": "query", "required": True, "schema": _string(64)},),
        responses={**CONFLICT, 404: ("no such hidden note of yours", ERROR)}),
    ("POST", "/api/networks"): Operation(
        "create a network (werkverband): name and member organisations; answers its key once",
        {201: ("created", ANY_OBJECT), **BAD,
         401: ("the server needs the create key", ERROR), 403: ("wrong create key", ERROR),
         429: ("too many from this address lately (see Retry-After)", ERROR)},
        body={"type": "object", "required": ["name"], "properties": {
            "name": _string(200), "members": {"type": "array", "items": {
                "type": "object", "required": ["name"], "properties": {
                    "name": _string(100), "short_name": {"type": "string", "maxLength": 30},
                    "color": {"type": "string"}, "contact": {"type": "string",
                                                             "maxLength": 200}}}}}},
        auth=("create key, when the server has one",), tags=("networks",)),
    ("GET", "/api/networks/{network_id}"): Operation(
        "the network, its members and its boards (with facilitator links)",
        {200: ("the network", ANY_OBJECT), 401: ("no key", ERROR),
         403: ("a wrong key (or no such network)", ERROR)},
        query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("POST", "/api/networks/{network_id}/boards"): Operation(
        "a new board for the network, its members (or one table's) as partners (with party "
        "links)",
        {201: ("created", BOARD_ANSWER), **BAD, 401: ("no key", ERROR),
         409: ("nobody sits at that table yet", ERROR),
         403: ("a wrong key (or no such network)", ERROR), 404: ("unknown canvas", ERROR),
         429: ("too many boards from this address lately (see Retry-After)", ERROR)},
        body={"type": "object", "required": ["canvas", "title"], "properties": {
            "canvas": _string(100), "title": _string(200),
            "language": {"enum": ["nl", "en"]},
            "table": {"type": ["string", "null"], "enum": [
                "executive", "management", "operations", None],
                "description": "only this table's delegation as partners"}}},
        query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("POST", "/api/boards/import"): Operation(
        "a new board (new id and links) from a board file",
        {201: ("created", BOARD_ANSWER),
         400: ("not a board file", ERROR), 413: ("the file is too large", ERROR),
         422: ("a damaged board file or one from a newer release", ERROR)},
        tags=("boards",)),
    ("POST", "/api/covenants"): Operation(
        "one covenant combining several finalized boards",
        {200: ("the combined covenant", None), **BAD,
         403: ("a token is not valid for its board", ERROR),
         409: ("a board is not finalized", ERROR),
         429: ("too many from this address lately (see Retry-After)", ERROR),
         503: ("a board's stored data is damaged", ERROR)},
        body=COMBINE, query=(FORMAT_QUERY,), extra_media=COVENANT_MEDIA, tags=("covenants",)),
    ("GET", "/-/plugins.json"): Operation(
        "installed plugins and their state", {200: ("plugins", {"type": "array"})},
        tags=("plugins",)),
    ("GET", "/-/plugins/{plugin}/{path}"): Operation(
        "a file of a plugin's static directory",
        {200: ("the file", None), 404: ("no such plugin file", ERROR)},
        media="application/octet-stream", tags=("plugins",)),
    ("GET", "/"): Operation("the landing page", {200: ("HTML", None)}, media=HTML,
                            tags=("pages",)),
    ("POST", "/new"): Operation(
        "the landing page's form: create a board without script",
        {200: ("HTML with the links", None), 400: ("HTML naming the field", None),
         413: ("HTML: too large", None), 429: ("HTML: too many boards lately", None)},
        media=HTML, tags=("pages",)),
    ("GET", "/networks"): Operation("the form that starts a network", {200: ("HTML", None)},
                                    media=HTML, tags=("pages",)),
    ("POST", "/networks/new"): Operation(
        "the landing page's form: create a network without script; its key link, once",
        {200: ("HTML with the key link", None), 400: ("HTML naming the field", None),
         413: ("HTML: too large", None), 429: ("HTML: too many lately", None)},
        media=HTML, tags=("pages",)),
    ("GET", "/n/{network_id}"): Operation(
        "the network's home page", {200: ("HTML", None), 403: ("HTML: the key is not valid", None)},
        query=({**KEY_QUERY, "required": True},), media=HTML, tags=("pages",)),
    ("POST", "/n/{network_id}/boards"): Operation(
        "the network page's form: a new board for the network, then back to the page",
        {303: ("to the network page", None), 400: ("HTML naming the field", None),
         403: ("HTML: the key is not valid", None), 404: ("HTML: unknown canvas", None),
         413: ("HTML: too large", None), 429: ("HTML: too many boards lately", None)},
        media=HTML, tags=("pages",)),
    ("GET", "/b/{board_id}"): Operation(
        "the board page", {200: ("HTML", None), 403: ("HTML: the link is not valid", None),
                           503: ("HTML: the board's data is damaged", None)},
        query=({**TOKEN_QUERY, "required": True},), media=HTML, tags=("pages",)),
}

FORM = {"type": "object", "required": ["canvas", "title"], "properties": {
    "canvas": {"type": "string"}, "title": {"type": "string"}, "language": LANGUAGE,
    "partners": {"type": "string", "description": "one partner name per line"},
    "create_key": {"type": "string"}}}
#: The pages' forms (posted without script), by path.
FORMS = {
    "/new": FORM,
    "/networks/new": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "create_key": {"type": "string"},
        "members": {"type": "string", "description": "one organisation per line"}}},
    "/n/{network_id}/boards": {"type": "object", "required": ["key", "canvas", "title"],
                               "properties": {"key": {"type": "string"},
                                              "canvas": {"type": "string"},
                                              "title": {"type": "string"},
                                              "language": LANGUAGE,
                                              "table": {"type": "string"}}},
}

# The network's own declarations live beside it; imported here, once the names above exist.
from .openapi_networks import NETWORK_FORMS, NETWORK_OPERATIONS  # noqa: E402

OPERATIONS.update(NETWORK_OPERATIONS)
FORMS.update(NETWORK_FORMS)


# -- privacy on a network's boards (server/privacy_api.py) ------------------------------------
_NETWORK_KEY = {401: ("no key", ERROR), 403: ("a wrong key (or no such network)", ERROR)}
_PERSON = {"type": "object", "required": ["name"], "properties": {
    "name": _string(100, description="the person's name as they wrote it (case, spaces and "
                    "invisible characters do not count)"),
    "organisation": {"type": "string", "maxLength": 100,
                     "description": "only this person in this organisation"}}}
_PERSON_FORM = {"type": "object", "required": ["key", "name"], "properties": {
    "key": {"type": "string"}, "name": {"type": "string"}, "organisation": {"type": "string"}}}
OPERATIONS.update({
    ("GET", "/api/networks/{network_id}/retention"): Operation(
        "how many months the network's boards keep names (null: kept)",
        {200: ("the period", {"type": "object", "properties": {
            "months": {"type": ["integer", "null"]}}}), **_NETWORK_KEY},
        query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("PUT", "/api/networks/{network_id}/retention"): Operation(
        "set the retention period and apply it now: names on boards unchanged for longer are "
        "replaced by their organisation",
        {200: ("the period and the boards it changed now", ANY_OBJECT), **BAD, **_NETWORK_KEY},
        body={"type": "object", "required": ["months"], "properties": {
            "months": {"type": ["integer", "null"], "minimum": 1, "maximum": 120}}},
        query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("POST", "/api/networks/{network_id}/people/export"): Operation(
        "everything one person wrote on the network's boards (elements, comments, seats, "
        "hidden notes, signatures, history), and the members they are the contact of",
        {200: ("the export", ANY_OBJECT), **BAD, **_NETWORK_KEY,
         404: ("the name is on none of the network's boards", ERROR)},
        body=_PERSON, query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("POST", "/api/networks/{network_id}/people/erase"): Operation(
        "replace one person's name by their organisation on every board of the network "
        "(the boards' history restarts) and empty the contact field that names them",
        {200: ("what was changed per board", ANY_OBJECT), **BAD, **_NETWORK_KEY,
         404: ("the name is on none of the network's boards", ERROR)},
        body={**_PERSON, "properties": {**_PERSON["properties"],
                                        "remove_text": {"type": "boolean"}}},
        query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",)),
    ("POST", "/n/{network_id}/retention"): Operation(
        "the network page's retention form",
        {200: ("HTML: saved, and the boards changed now", None),
         400: ("HTML: not a period", None), 403: ("HTML: the key is not valid", None),
         413: ("HTML: too large", None)}, media=HTML, tags=("pages",)),
    ("POST", "/n/{network_id}/people/export"): Operation(
        "the network page's export form: the export as a JSON download",
        {200: ("the export", ANY_OBJECT), 400: ("HTML: no name", None),
         403: ("HTML: the key is not valid", None), 404: ("HTML: nobody by that name", None),
         413: ("HTML: too large", None)}, tags=("pages",)),
    ("POST", "/n/{network_id}/people/erase"): Operation(
        "the network page's erasure form",
        {200: ("HTML: what was changed", None), 400: ("HTML: no name or not confirmed", None),
         403: ("HTML: the key is not valid", None), 404: ("HTML: nobody by that name", None),
         413: ("HTML: too large", None)}, media=HTML, tags=("pages",)),
})
FORMS.update({
    "/n/{network_id}/retention": {"type": "object", "required": ["key"], "properties": {
        "key": {"type": "string"}, "months": {"type": "string",
                                              "description": "1 to 120; empty keeps names"}}},
    "/n/{network_id}/people/export": _PERSON_FORM,
    "/n/{network_id}/people/erase": {**_PERSON_FORM, "required": ["key", "name", "confirm"],
                                     "properties": {**_PERSON_FORM["properties"],
                                                    "remove_text": {"enum": ["yes"]},
                                                    "confirm": {"enum": ["yes"]}}},
})

def _operation(method: str, path: str, params: list[str], op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in params
    ]
    if op.auth and path.startswith("/api/boards/{board_id}"):
        parameters.append(TOKEN_QUERY)
    parameters.extend(op.query)
    responses: dict[str, Any] = {}
    for status, (description, schema) in sorted(op.responses.items()):
        media = JSON if schema is ERROR else op.media
        answer: dict[str, Any] = {"description": description}
        if status < 300 and op.extra_media:
            answer["content"] = op.extra_media
        elif schema is not None or media != JSON:
            answer["content"] = {media: {"schema": schema or {"type": "string"}}}
        responses[str(status)] = answer
    document: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{method.lower()}{path}".replace("/", "_").replace("{", "")
        .replace("}", "").replace(".", "_").replace("-", "_"),
        "tags": list(op.tags),
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        document["requestBody"] = {"required": True, "content": {JSON: {"schema": op.body}}}
    if path in FORMS:
        document["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": FORMS[path]}}}
    if op.auth:
        document["security"] = [{"bearer": []}, {"tokenQuery": []}]
        document["description"] = "Token: " + ", ".join(op.auth) + "."
    return document


def openapi_document(routes: list[BaseRoute], version: str) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (an app's route table)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue  # WebSocket and static mounts are not in OpenAPI's reach
        path = route.path.replace("{path:path}", "{path}")
        params = list(route.param_convertors)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            op = OPERATIONS.get((method, path))
            if op is None:
                op = Operation("undocumented", {200: ("undocumented", None)},
                               tags=("undocumented",))
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, params, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "partnerboard", "version": version,
                 "description": "The partnerboard HTTP API. Board sync runs over the "
                 "y-websocket protocol at /ws/{board_id}?token=…, which OpenAPI cannot "
                 "describe. Every error answers a JSON object with an 'error' message."},
        "paths": paths,
        "components": {
            "schemas": {"Error": {"type": "object", "required": ["error"],
                                  "properties": {"error": {"type": "string"}}}},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "a board's role token, or the create key"},
                "tokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("partnerboard")
    except PackageNotFoundError:
        number = "0"
    return JSONResponse(openapi_document(request.app.routes, number))


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
