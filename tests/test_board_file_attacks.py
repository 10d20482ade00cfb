"""Hand-made board files (POST /api/boards/import, open to anyone without --create-key).

Every part of a board file is refused with a clear 4xx when it is damaged or hostile, before
anything of it is stored: never a 500, and never a server process that dies later, when the
imported board's history is shown. The history (``history/checkpoint.bin`` and the updates in
``history/updates.jsonl``) goes through the same bounded reader as ``document.bin``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable

import httpx
from conftest import ServerProcess
from pycrdt import Doc, Map, Text
from yclient import connected, note_texts
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


def notes_added_then_deleted(document: bytes, count: int) -> tuple[bytes, list[bytes]]:
    """The board ``document`` with ``count`` notes added in one update, then all deleted in
    another: the board now (as at the start), and the two updates."""
    doc = Doc()
    doc.apply_update(document)
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    elements = doc.get("elements", type=Map)
    with doc.transaction():
        for index in range(count):
            elements[f"n{index}"] = Map({"kind": "note", "x": 10, "y": 10, "w": 100, "h": 100,
                                         "text": Text("hi"), "author": "a", "org": "Zorg",
                                         "color": "#ffd", "created": 1})
    with doc.transaction():
        for index in range(count):
            del elements[f"n{index}"]
    doc.unobserve(subscription)
    return doc.get_update(), updates


def test_a_history_over_the_element_limit_between_its_ends_is_refused(tmp_path):
    """The history's element count was checked at its checkpoint and at its end only: a file
    whose history went past the limit and back was imported, and showing (or restoring) that
    point of the history decoded a board over the limit, as far over as the update's bytes
    allow (a few hundred thousand elements in the 64 MiB one update may hold)."""
    server = ServerProcess(tmp_path / "data", "--max-board-elements", "5").start()
    try:
        entries = entries_of(server, server.create_board())
        for count, answer in ((5, 201), (6, 422)):
            document, updates = notes_added_then_deleted(entries["document.bin"], count)
            raw = board_file({**entries, "document.bin": document, "history/updates.jsonl":
                              b"".join(history_line(update) for update in updates)})
            if answer == 201:  # at the limit, in between: imported
                imported = api(server, "POST", "/api/boards/import", content=raw)
                assert imported.status_code == 201, imported.text
            else:
                refused(server, raw, 422, "the board in this file's history holds 6 elements, "
                        "more than the 5 a board may hold on this server "
                        "(--max-board-elements) after history line 1")
        # The count is kept as updates are applied, so none may wait for a later one (a
        # history the server kept never has one): the deletion before the notes it deletes.
        raw = board_file({**entries, "document.bin": document, "history/updates.jsonl":
                          b"".join(history_line(update) for update in reversed(updates))})
        refused(server, raw, 422, "the board file is damaged: history line 1: the update "
                "deletes content this board does not have")
    finally:
        server.stop()


def test_a_history_that_does_not_decode_is_refused_before_anything_is_stored(server):
    """A garbage checkpoint was stored, then failed to decode after the transaction: a 500,
    and a damaged board left in the store. A garbage update was stored unread."""
    entries = entries_of(server, server.create_board())
    garbage = b"\x05\x99\xff\xff\xff\xff\xff\xff\x01garbage"
    refused(server, board_file({**entries, "history/checkpoint.bin": garbage}), 422,
            "the board file is damaged: history/checkpoint.bin: ")
    refused(server, board_file({**entries, "history/updates.jsonl": history_line(garbage)}),
            422, "the board file is damaged: history line 1: ")


def test_malformed_entries_are_refused_with_a_message(server):
    """Each was a 500: history not UTF-8 (decoded outside the check), JSON nested 100,000
    deep (RecursionError), and times or restore notes the history view could not show."""
    entries = entries_of(server, server.create_board())
    deep = b"[" * 100_000 + b"]" * 100_000
    doc = Doc()
    doc.get("meta", type=Map)["ambition"] = "a"
    data = doc.get_update()
    nan_created = json.dumps(json.loads(entries["board.json"])).replace(
        '"created_at": ', '"created_at": NaN, "was": ', 1).encode()

    def created_in(moment: object) -> Callable[[dict], None]:
        return lambda manifest: manifest["board"].update(created_at=moment)

    cases = [
        (board_file({**entries, "history/updates.jsonl": b"\xff\xfe not UTF-8\n"}),
         "history/updates.jsonl is not UTF-8 text"),
        (board_file(entries, manifest=deep), "board.json nests deeper than 64 levels"),
        (board_file({**entries, "history/updates.jsonl": deep + b"\n"}),
         "history line 1 nests deeper than 64 levels"),
        (board_file({**entries, "history/updates.jsonl": history_line(data, at=1e300)}),
         "history line 1 is not an update"),
        (board_file({**entries, "history/updates.jsonl": history_line(data, at=float("nan"))}),
         "history line 1 is not an update"),
        (board_file({**entries, "history/updates.jsonl": history_line(data, note="restore:x")}),
         "history line 1 is not an update"),
        (board_file(entries, created_in(1e300)), "board.created_at is not valid"),
        (board_file(entries, manifest=nan_created), "board.created_at is not valid"),
    ]
    for raw, message in cases:
        refused(server, raw, 422, message)


def finalized_entries(server) -> dict[str, bytes]:
    board = server.create_board()
    api(server, "POST", f"/api/boards/{board['id']}/finalize",
        board["tokens"]["facilitator"]).raise_for_status()
    return entries_of(server, board)


def with_covenant(entries: dict[str, bytes], covenant: bytes) -> bytes:
    def change(manifest: dict) -> None:
        manifest["board"]["covenant_sha256"] = hashlib.sha256(covenant).hexdigest()

    return board_file({**entries, "covenant.json": covenant}, change)


def test_a_covenant_is_refused_unless_it_follows_the_covenant_schema(server):
    """covenant.json is stored byte for byte and every download is rendered from it: one
    nested 100,000 deep was a 500 on import; one holding only the snapshot hash its check
    looks at was stored, then a 500 on download, as was a picture that is no SVG."""
    entries = finalized_entries(server)
    stored = json.loads(entries["covenant.json"])
    least = {key: stored[key] for key in ("schema_version", "title", "language", "parties",
                                          "participants", "sections", "board")}
    cases = [
        (b"[" * 100_000 + b"]" * 100_000, "covenant.json nests deeper than 64 levels"),
        (json.dumps({"board": stored["board"]}).encode(),
         "covenant.json does not follow the covenant schema: covenant lacks schema_version"),
        (json.dumps({**stored, "parties": [{"id": "p1"}]}).encode(),
         "does not follow the covenant schema: covenant.parties[0] lacks name"),
        (json.dumps({**stored, "sections": {"values": [{"text": 1}]}}).encode(),
         "does not follow the covenant schema: covenant.sections.values[0] lacks org"),
        (json.dumps({**stored, "picture": "<svg><not closed"}).encode(),
         "covenant.json: its picture cannot be drawn"),
    ]
    for covenant, message in cases:
        refused(server, with_covenant(entries, covenant), 422, message)
    # What the schema asks for is enough: such a covenant is kept and renders in every format.
    answer = api(server, "POST", "/api/boards/import",
                 content=with_covenant(entries, json.dumps(least).encode()))
    assert answer.status_code == 201, answer.text
    moved = answer.json()
    for form in ("json", "html", "md", "docx", "pdf"):
        rendered = api(server, "GET", f"/api/boards/{moved['id']}/covenant?format={form}",
                       moved["tokens"]["observer"])
        assert rendered.status_code == 200, (form, rendered.text[:300])


def zeros_file(sizes: dict[str, int]) -> bytes:
    """A board file whose entries are zeros of ``sizes`` bytes (declared honestly), each
    with its true hash: a few hundred KB that unpack to what ``sizes`` says."""
    chunk = b"\0" * (1 << 20)
    digests = {}
    for name, size in sizes.items():
        digest = hashlib.sha256()
        for _ in range(size >> 20):
            digest.update(chunk)
        digest.update(b"\0" * (size & ((1 << 20) - 1)))
        digests[name] = digest.hexdigest()
    manifest = {"format": "partnerboard-board", "version": 1, "board": {}, "files": digests}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if "board.json" not in sizes:
            archive.writestr("board.json", json.dumps(manifest))
        for name, size in sizes.items():
            with archive.open(name, "w", force_zip64=True) as entry:
                for _ in range(size >> 20):
                    entry.write(chunk)
                entry.write(b"\0" * (size & ((1 << 20) - 1)))
    return out.getvalue()


def test_a_zip_bomb_is_refused_by_what_its_entries_say_before_it_is_unpacked(server):
    """A 1 MB board file of four entries of 255 MiB of zeros was unpacked whole into memory
    (1.4 GB) on the event loop. Each entry's declared size is held to its cap first (the
    documents to the board byte limit), and an entry is never read past its cap."""
    over = 64 * 1024 * 1024 + 1  # the default --max-board-bytes, and a byte
    raw = zeros_file({name: over for name in ("document.bin", "history/checkpoint.bin",
                                              "history/updates.jsonl", "final.bin")})
    assert len(raw) < 1_000_000
    refused(server, raw, 422, f"the board file's document.bin unpacks to {over} bytes, more "
            "than the 67108864 a board may hold on this server (--max-board-bytes)")
    refused(server, zeros_file({"board.json": 4 * 1024 * 1024 + 1}), 422,
            "the board file's board.json unpacks to 4194305 bytes")
    # An entry within its cap is read; zeros are no board.
    refused(server, zeros_file({"document.bin": 1 << 20, "history/checkpoint.bin": 1,
                                "history/updates.jsonl": 0}), 422, "board.state is not valid")


def test_a_large_board_is_checked_in_a_worker_process_and_imported(server):
    """A board whose documents are over heavy.PROCESS_BYTES is decoded in a worker process
    (off the event loop): it imports as before, and a hostile one is refused from there too."""
    board = server.create_board()
    entries = entries_of(server, board)
    doc = Doc()
    doc.apply_update(entries["document.bin"])
    texts = {f"big{index}": f"{index} " + "words " * 15_000 for index in range(3)}
    for key, text in texts.items():
        doc.get("elements", type=Map)[key] = Map({
            "kind": "note", "x": 10, "y": 10, "w": 100, "h": 100, "text": Text(text),
            "author": "a", "org": "Zorg", "color": "#ffd", "created": 1})
    big = doc.get_update()
    assert len(big) > 200_000
    answer = api(server, "POST", "/api/boards/import",
                 content=board_file({**entries, "document.bin": big}))
    assert answer.status_code == 201, answer.text
    moved = answer.json()

    async def read() -> dict[str, str]:
        async with connected(server.board_ws(moved, "observer")) as client:
            return note_texts(client.doc)

    assert asyncio.run(read()) == texts
    refused(server, board_file({**entries, "document.bin": big,
                                "history/checkpoint.bin": deep_any_update(30_000) + b"x"}),
            422, "history/checkpoint.bin: ")
