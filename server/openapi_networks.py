"""The OpenAPI declarations of a network's members, boards, covenant, tables and review
(merged into :data:`.openapi.OPERATIONS` and :data:`.openapi.FORMS`)."""

from __future__ import annotations

from typing import Any

from .openapi import COVENANT_MEDIA, ERROR, FORMAT_QUERY, HTML, KEY_QUERY, Operation

__all__ = ["NETWORK_FORMS", "NETWORK_OPERATIONS"]

ANY: dict[str, Any] = {"type": "object"}
KEYED = {401: ("no key", ERROR), 403: ("a wrong key (or no such network)", ERROR)}
BAD = {400: ("the body or a field is invalid (the message says which)", ERROR)}
MEMBER = {"type": "object", "properties": {
    "name": {"type": "string", "maxLength": 100},
    "short_name": {"type": "string", "maxLength": 30},
    "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
    "contact": {"type": "string", "maxLength": 200}}}
TABLE = {"type": "object", "properties": {
    "members": {"type": "array", "items": {"type": "string"}},
    "rotation": {"anyOf": [{"type": "null"}, {"type": "object", "required": [
        "pool", "every_months", "start"], "properties": {
            "pool": {"type": "array", "items": {"type": "string"}},
            "seats": {"type": "integer", "minimum": 1},
            "every_months": {"type": "integer", "minimum": 1, "maximum": 120},
            "start": {"type": "string", "format": "date"}}}]}}}
NO_MEMBER = {404: ("no such member", ERROR), 409: ("the member has left, or the name is taken",
                                                   ERROR)}


def _op(summary: str, ok: tuple[int, str, dict[str, Any] | None],
        responses: dict[int, tuple[str, dict[str, Any] | None]] | None = None,
        body: dict[str, Any] | None = None) -> Operation:
    return Operation(summary, {ok[0]: (ok[1], ok[2]), **KEYED, **(responses or {})}, body=body,
                     query=(KEY_QUERY,), auth=("the network's key",), tags=("networks",))


def _page(summary: str) -> Operation:
    return Operation(
        f"the network page's form: {summary}, then back to the page",
        {303: ("to the network page", None), 400: ("HTML saying what was wrong", None),
         403: ("HTML: the key is not valid", None), 404: ("HTML: no such member", None),
         409: ("HTML: not in this state", None), 413: ("HTML: too large", None)},
        media=HTML, tags=("pages",))


NETWORK_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/api/networks/{network_id}/members"): _op(
        "a member organisation joins the network (offered for new boards from now on)",
        (201, "the member", ANY), {**BAD, 409: ("the name is taken", ERROR)},
        body={**MEMBER, "required": ["name"]}),
    ("PATCH", "/api/networks/{network_id}/members/{member_id}"): _op(
        "change a member: every open board of the network follows (live), finalized boards "
        "keep it as it was", (200, "the member and the open boards that changed", ANY),
        {**BAD, **NO_MEMBER}, body=MEMBER),
    ("DELETE", "/api/networks/{network_id}/members/{member_id}"): _op(
        "a member leaves: kept on the boards it took part in, not offered for new ones",
        (200, "the member, with left_at", ANY), NO_MEMBER),
    ("POST", "/api/networks/{network_id}/covenants"): _op(
        "make the next version of the network's covenant from the latest finalized board of "
        "each canvas", (201, "the version: boards, changes since the one before, signatures",
                        ANY),
        {409: ("no finalized board yet, or the last version has these very boards", ERROR)}),
    ("GET", "/api/networks/{network_id}/covenants"): _op(
        "every version of the network's covenant, oldest first, with what changed and who "
        "signed the boards it is made of", (200, "the versions", {"type": "array"})),
    ("GET", "/api/networks/{network_id}/covenants/{version}"): Operation(
        "one version of the network's covenant, in any covenant format",
        {200: ("the covenant", None), **KEYED, 400: ("unknown format", ERROR),
         404: ("no such version", ERROR)},
        query=(KEY_QUERY, FORMAT_QUERY), auth=("the network's key",),
        extra_media=COVENANT_MEDIA, tags=("networks",)),
    ("GET", "/api/networks/{network_id}/tables"): _op(
        "the tables (executive, management, operations): fixed members, rotation, who sits "
        "there now and the next change", (200, "the tables", ANY)),
    ("PUT", "/api/networks/{network_id}/tables/{table}"): _op(
        "set one table: its fixed members and the rotation of its other seats",
        (200, "the table now", ANY), {**BAD, 404: ("unknown table", ERROR)}, body=TABLE),
    ("POST", "/n/{network_id}/tables/{table}"): _page("set a table"),
    ("GET", "/api/networks/{network_id}/review"): _op(
        "the recurring review: its canvas and interval, when the next check is due, and the "
        "scores of every finalized check", (200, "the review", ANY)),
    ("PUT", "/api/networks/{network_id}/review"): _op(
        "schedule the recurring review: a canvas that scores, every so many months (0: not "
        "scheduled)", (200, "the review", ANY), BAD, body={
            "type": "object", "required": ["canvas", "every_months"], "properties": {
                "canvas": {"type": "string"},
                "every_months": {"type": "integer", "minimum": 0, "maximum": 120}}}),
    ("POST", "/n/{network_id}/review"): _page("schedule the review"),
    ("POST", "/n/{network_id}/members"): _page("a member joins"),
    ("POST", "/n/{network_id}/members/{member_id}"): _page("change a member"),
    ("POST", "/n/{network_id}/members/{member_id}/leave"): _page("a member leaves"),
    ("POST", "/n/{network_id}/covenants"): _page("make a covenant version"),
}

_KEY_FORM = {"key": {"type": "string"}}
_MEMBER_FORM = {"type": "object", "required": ["key", "name"], "properties": {
    **_KEY_FORM, **MEMBER["properties"]}}
NETWORK_FORMS: dict[str, dict[str, Any]] = {
    "/n/{network_id}/members": _MEMBER_FORM,
    "/n/{network_id}/members/{member_id}": _MEMBER_FORM,
    "/n/{network_id}/members/{member_id}/leave": {
        "type": "object", "required": ["key"], "properties": _KEY_FORM},
    "/n/{network_id}/covenants": {"type": "object", "required": ["key"], "properties": _KEY_FORM},
    "/n/{network_id}/review": {"type": "object", "required": ["key"], "properties": {
        **_KEY_FORM, "canvas": {"type": "string"}, "every_months": {"type": "integer"}}},
    "/n/{network_id}/tables/{table}": {"type": "object", "required": ["key"], "properties": {
        **_KEY_FORM, "members": {"type": "array", "items": {"type": "string"}},
        "pool": {"type": "array", "items": {"type": "string"}}, "seats": {"type": "integer"},
        "every_months": {"type": "integer"}, "start": {"type": "string", "format": "date"}}},
}
