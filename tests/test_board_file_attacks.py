"""Hand-made board files (POST /api/boards/import, open to anyone without --create-key).

Every part of a board file is refused with a clear 4xx when it is damaged or hostile, before
anything of it is stored: never a 500, and never a server process that dies later, when the
imported board's history is shown. The history (``history/checkpoint.bin`` and the updates in
``history/updates.jsonl``) goes through the same bounded reader as ``document.bin``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable

import httpx
from yupdates import deep_any_update

from partnerboard.server.yprotocol import var_bytes, var_uint

TYPE_CONTENT, Y_ARRAY, Y_MAP = 7, 0, 1
KEYED = 0x20


def api(server, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server.url + path, headers=headers, timeout=60, **kwargs)


def entries_of(server, board: dict) -> dict[str, bytes]:
    answer = api(server, "GET", f"/api/boards/{board['id']}/export",
                 board["tokens"]["facilitator"])
    assert answer.status_code == 200, answer.text
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    return {name: archive.read(name) for name in archive.namelist()}


def board_file(entries: dict[str, bytes], change: Callable[[dict], None] | None = None,
               manifest: bytes | None = None) -> bytes:
    """A board file of ``entries``, its manifest's hashes made to match them again (anyone
    can write one); ``change`` edits the manifest, ``manifest`` replaces it byte for byte."""
    entries = dict(entries)
    parsed = json.loads(entries.pop("board.json"))
    parsed["files"] = {name: hashlib.sha256(body).hexdigest() for name, body in entries.items()}
    if change:
        change(parsed)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("board.json", manifest if manifest is not None else json.dumps(parsed))
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def history_line(data: bytes, **fields: object) -> bytes:
    line = {"at": 1_700_000_000.0, "by": "facilitator", "note": "",
            "data": base64.b64encode(data).decode("ascii"), **fields}
    return (json.dumps(line) + "\n").encode()


def deep_types_update(depth: int, client: int = 4_000_002) -> bytes:
    """A note-like map under ``elements`` holding Y arrays nested ``depth`` deep, about six
    bytes per level: made by hand, since pycrdt takes half a minute to build 30,000 levels."""
    structs = [bytes([TYPE_CONTENT | KEYED]) + var_uint(1) + var_bytes(b"elements")
               + var_bytes(b"deep") + var_uint(Y_MAP),
               bytes([TYPE_CONTENT | KEYED]) + var_uint(0) + var_uint(client) + var_uint(0)
               + var_bytes(b"p") + var_uint(Y_ARRAY)]
    structs += [bytes([TYPE_CONTENT]) + var_uint(0) + var_uint(client) + var_uint(clock)
                + var_uint(Y_ARRAY) for clock in range(1, depth)]
    return (var_uint(1) + var_uint(len(structs)) + var_uint(client) + var_uint(0)
            + b"".join(structs) + b"\x00")


def refused(server, raw: bytes, status: int, message: str) -> None:
    """The import is refused with ``status`` and ``message``, and no board is stored."""
    before = server.query("SELECT count(*) FROM boards")
    try:
        answer = api(server, "POST", "/api/boards/import", content=raw)
    except httpx.HTTPError as error:
        server.proc.wait(5)
        raise AssertionError(f"the server died (rc {server.proc.returncode})") from error
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"], answer.text
    assert server.query("SELECT count(*) FROM boards") == before
    assert api(server, "GET", "/healthz").status_code == 200


def test_a_history_nested_too_deep_is_refused_before_anything_is_stored(own_server):
    """pycrdt's decoder recurses per level of nesting: a checkpoint or history update holding
    a value nested 30,000 deep (60 KB) was stored unread, and applying it to show the history
    overflowed the stack and killed the server (SIGSEGV). So is a nest of 30,000 Y arrays
    inside an element: imported (201), then GET /history/<seq> killed the server."""
    server = own_server.start()
    entries = entries_of(server, server.create_board())
    deep_any, deep_types = deep_any_update(30_000), deep_types_update(30_000)
    cases = [
        ({"history/checkpoint.bin": deep_any},
         "history/checkpoint.bin: content nested deeper than 64 levels"),
        ({"history/checkpoint.bin": deep_types},
         "history/checkpoint.bin: types nested deeper than 64 levels"),
        ({"history/updates.jsonl": history_line(deep_any)},
         "history line 1: content nested deeper than 64 levels"),
        ({"history/updates.jsonl": entries["history/updates.jsonl"] + history_line(deep_types)},
         "types nested deeper than 64 levels"),
    ]
    for change, message in cases:
        refused(server, board_file({**entries, **change}), 422, message)


def test_a_history_that_does_not_decode_is_refused_before_anything_is_stored(server):
    """A garbage checkpoint was stored, then failed to decode after the transaction: a 500,
    and a damaged board left in the store. A garbage update was stored unread."""
    entries = entries_of(server, server.create_board())
    garbage = b"\x05\x99\xff\xff\xff\xff\xff\xff\x01garbage"
    refused(server, board_file({**entries, "history/checkpoint.bin": garbage}), 422,
            "the board file is damaged: history/checkpoint.bin: ")
    refused(server, board_file({**entries, "history/updates.jsonl": history_line(garbage)}),
            422, "the board file is damaged: history line 1: ")
