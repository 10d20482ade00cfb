"""Board files (DESIGN §10): one board, any state, as one file that another server imports.

A board file is a zip holding ``board.json`` (the manifest: format and version, the board's
metadata, signatures, and the sha256 of every other entry), ``document.bin`` (the board now),
``history/checkpoint.bin`` plus ``history/updates.jsonl`` (every kept update with its time and
sender), and for a finalized board ``final.bin`` (the frozen snapshot) and ``covenant.json`` (the
stored covenant, byte for byte, so its hash survives the move). Importing makes a new board
with a new id and new links. A file of a newer format, or one whose entries do not match the
manifest, is refused with a message saying which: nothing of it is stored. So is a board over
this server's board limits (:mod:`.limits`), counted in the document itself: a file's size
says little about how many elements it holds. Each entry is held to a cap by the size it
declares before anything is unpacked, and read no further than that (a 1 MB zip unpacks to
gigabytes); the history goes through the same bounded reader as the document; and the work
runs off the event loop (:mod:`.heavy`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import math
import re
import time
import zipfile
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from partnerboard.plugins.exporters.board_png import board_png

from . import heavy
from .api import (
    MAX_PARTNER_NAME,
    MAX_PARTNERS,
    authorize,
    board_answer,
    check_create_key,
    check_create_rate,
)
from .board_file_checks import BoardFileError, check_documents
from .boards import NewBoard, _new_board_id
from .covenant_store import covenant_document
from .history import RESTORE_NOTE
from .json_depth import MAX_DEPTH, json_depth
from .limits import RoomLimits
from .requests import HTTPProblem, read_body
from .schema_subset import schema_problem
from .store import BoardRecord, Sender, Store
from .tokens import Role, hash_token, new_token

__all__ = ["FORMAT", "VERSION", "BoardFileError", "pack", "unpack", "routes"]

log = logging.getLogger("partnerboard.board_files")

FORMAT = "partnerboard-board"
VERSION = 1
MEDIA_TYPE = "application/vnd.partnerboard.board+zip"
MAX_FILE = 256 * 1024 * 1024
MAX_ENTRIES = 16
#: The most board.json (and an entry this version does not know) may unpack to.
MAX_MANIFEST = 4 * 1024 * 1024
#: The most covenant.json may unpack to: at least this, and four times the board byte limit.
MAX_COVENANT = 16 * 1024 * 1024
#: The documents of a board file, each at most the board byte limit unpacked.
DOCUMENTS = ("document.bin", "final.bin", "history/checkpoint.bin")
_PARTNER_ID = re.compile(r"p[0-9]{1,4}")
#: The times a board file may give (created, finalized, each update): what a date can show.
_EARLIEST, _LATEST = 0.0, 253_402_300_799.0  # 1970 to the end of 9999
_SCHEMA = json.loads(
    (resources.files("partnerboard.plugins") / "covenant.schema.json").read_text("utf-8"))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version() -> str:
    try:
        return metadata.version("partnerboard")
    except metadata.PackageNotFoundError:
        return "unknown"


def pack(store: Store, record: BoardRecord, document: bytes) -> bytes:
    """The board file of one board (``document``: its current state)."""
    updates, first = store.history(record.id)
    first = first or 0
    moment = store.state_at(record.id, first) or [document]
    checkpoint = moment[0]
    data = dict(store.updates_since(record.id, first))
    lines = [
        json.dumps({"at": u.at, "by": u.by, "note": u.note,
                    **{key: value for key, value in (("party", u.party), ("seat", u.seat),
                                                     ("name", u.name), ("org", u.org)) if value},
                    "data": base64.b64encode(data[u.seq]).decode("ascii")}, sort_keys=True)
        for u in updates if u.seq in data
    ]
    entries = {
        "document.bin": document,
        "history/checkpoint.bin": checkpoint,
        "history/updates.jsonl": ("\n".join(lines) + "\n" if lines else "").encode("utf-8"),
    }
    if record.state == "finalized":
        final = store.final_snapshot(record.id)
        covenant = store.covenant(board_id=record.id)
        if final is not None:
            entries["final.bin"] = final
        if covenant is not None:
            entries["covenant.json"] = covenant[0]
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.time(),
        "exported_by": f"partnerboard {_version()}",
        "board": {
            "id": record.id, "canvas": record.canvas, "title": record.title,
            "language": record.language, "state": record.state, "created_at": record.created_at,
            "finalized_at": record.finalized_at, "snapshot_sha256": record.snapshot_sha256,
            "covenant_sha256": record.covenant_sha256, "partners": list(record.partners),
        },
        "signatures": store.signatures(record.id),
        "history": {"updates": len(lines)},
        "files": {name: _sha(body) for name, body in entries.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("board.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def _entry_cap(name: str, limits: RoomLimits) -> tuple[int, str]:
    """The most an entry may unpack to, and what sets it."""
    if name in DOCUMENTS:
        return limits.board_bytes, " a board may hold on this server (--max-board-bytes)"
    if name == "history/updates.jsonl":
        return MAX_FILE, " a board file may hold"
    if name == "covenant.json":
        return min(MAX_FILE, max(MAX_COVENANT, 4 * limits.board_bytes)), ""
    return MAX_MANIFEST, ""


def _too_big(name: str, size: int, limits: RoomLimits) -> None:
    cap, what = _entry_cap(name, limits)
    if size > cap:
        raise BoardFileError(422, f"the board file's {name} unpacks to {size} bytes, more "
                             f"than the {cap}{what}")


def _read_entry(archive: zipfile.ZipFile, name: str, limits: RoomLimits) -> bytes:
    """An entry unpacked, never more of it than it may hold: its declared size was checked
    before anything was unpacked, and the read stops one byte past the cap whatever it says."""
    cap, _what = _entry_cap(name, limits)
    with archive.open(name) as stream:
        body = stream.read(cap + 1)
    _too_big(name, len(body), limits)
    return body


def _read_entries(raw: bytes, limits: RoomLimits) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise BoardFileError(400, "this is not a board file (not a zip archive)") from None
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_FILE * 2:
        raise BoardFileError(422, "the board file holds more than a board file can")
    for info in infos:
        # What each entry says it unpacks to, before any is unpacked: a 1 MB file of four
        # 255 MiB entries of zeros was unpacked whole (1.4 GB), on the event loop.
        _too_big(info.filename, info.file_size, limits)
    try:
        body = _read_entry(archive, "board.json", limits)
    except KeyError:
        raise BoardFileError(400, "this is not a board file (it has no board.json)") from None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise BoardFileError(422, f"the board file is damaged: board.json: {error}") from None
    manifest = _json("board.json", body)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BoardFileError(400, "this is not a board file (board.json names no board)")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BoardFileError(422, "the board file is damaged: it has no valid format version")
    if version > VERSION:
        raise BoardFileError(
            422, f"this board file was made by a newer partnerboard (format version {version});"
            f" this server reads up to version {VERSION}: upgrade it, then import again")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BoardFileError(422, "the board file is damaged: its list of files is missing")
    entries = {}
    for name, digest in files.items():
        try:
            body = _read_entry(archive, name, limits)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise BoardFileError(422, f"the board file is damaged: {name} is missing or "
                                 "unreadable") from None
        if _sha(body) != digest:
            raise BoardFileError(422, f"the board file is damaged: {name} does not match its "
                                 "checksum")
        entries[name] = body
    for required in ("document.bin", "history/checkpoint.bin", "history/updates.jsonl"):
        if required not in entries:
            raise BoardFileError(422, f"the board file is damaged: {required} is missing")
    return manifest, entries


def _deep(name: str, body: bytes) -> None:
    if json_depth(body) > MAX_DEPTH:
        raise BoardFileError(422, f"the board file is damaged: {name} nests deeper than "
                             f"{MAX_DEPTH} levels")


def _json(name: str, body: bytes) -> Any:
    """The JSON of an entry, or 422: measured before parsing (Python's parser recurses per
    level, and 100,000 brackets were a RecursionError, a 500)."""
    _deep(name, body)
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BoardFileError(422, f"the board file is damaged: {name} is not UTF-8 text"
                             ) from None
    except ValueError as error:
        raise BoardFileError(422, f"the board file is damaged: {name}: {error}") from None


def _time(value: Any) -> bool:
    """Whether ``value`` is a time a date can show (not NaN, infinity or year 30000)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and _EARLIEST <= value <= _LATEST)


def _note(value: Any) -> str:
    note = str(value or "")[:200]
    if note.startswith(RESTORE_NOTE):
        # The history reads the point a restore brought back from its note.
        int(note[len(RESTORE_NOTE):])
    return note


def _updates(text: bytes) -> list[tuple[float | None, Sender, str, bytes]]:
    try:
        lines = text.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise BoardFileError(422, "the board file is damaged: history/updates.jsonl is not "
                             "UTF-8 text") from None
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        entry = _json(f"history line {number}", line.encode("utf-8", "surrogatepass"))
        try:
            at = entry["at"]
            if at is not None and not _time(at):
                raise TypeError("at")
            # party, seat, name and org: files of this version on (older ones have only "by").
            sender = Sender(str(entry["by"])[:200], *(str(entry.get(key) or "")[:200]
                                                      for key in ("party", "seat", "name", "org")))
            found.append((at, sender, _note(entry.get("note")),
                          base64.b64decode(entry["data"], validate=True)))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise BoardFileError(422, f"the board file is damaged: history line {number} is "
                                 "not an update") from None
    return found


def _text(value: Any, name: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise BoardFileError(422, f"the board file is damaged: board.{name} is not valid")
    return value


def _partners(value: Any) -> tuple[dict[str, str], ...]:
    """The manifest's partners, as a board keeps them: ``p<n>`` ids, once each, a name, and
    text for anything else (colour, a network member's short name and contact)."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_PARTNERS:
        raise BoardFileError(422, "the board file is damaged: board.partners is not valid")
    partners: list[dict[str, str]] = []
    for index, partner in enumerate(value):
        problem = f"the board file is damaged: board.partners[{index}] is not valid"
        if not isinstance(partner, dict) or len(partner) > 8:
            raise BoardFileError(422, problem)
        ident = partner.get("id")
        if (not isinstance(ident, str) or not _PARTNER_ID.fullmatch(ident)
                or any(known["id"] == ident for known in partners)):
            raise BoardFileError(422, problem)
        _text(partner.get("name"), f"partners[{index}].name", MAX_PARTNER_NAME)
        if not all(isinstance(key, str) and isinstance(text, str) and len(text) <= 200
                   and "\x00" not in text for key, text in partner.items()):
            raise BoardFileError(422, problem)
        partners.append(dict(partner))
    return tuple(partners)


def _check_finalized(document: bytes, final: bytes, covenant: bytes) -> None:
    """A finalized board's entries belong together: the board now is its final snapshot (as
    exported), and the covenant is the one built from that snapshot. The hashes in the
    manifest are the file's own claim; this ties the covenant to the snapshot it names."""
    if document != final:
        raise BoardFileError(422, "the board file is damaged: a finalized board's document is "
                             "not its final snapshot")
    _deep("covenant.json", covenant)
    try:
        parsed = json.loads(covenant)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    board = parsed.get("board") if isinstance(parsed, dict) else None
    if not isinstance(board, dict) or board.get("snapshot_sha256") != _sha(final):
        raise BoardFileError(422, "the board file is damaged: its covenant is not the one of "
                             "its final snapshot")
    # Every covenant document is rendered from the stored one (with its hash and signatures
    # added): one that does not follow the covenant schema was stored, then a 500 on download.
    stored_schema = {**_SCHEMA, "required": [key for key in _SCHEMA["required"]
                                             if key not in ("signatures", "completeness")]}
    problem = schema_problem(parsed, stored_schema, "covenant", _SCHEMA)
    if problem is None:
        try:
            document = covenant_document(parsed, _sha(covenant), [])
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            problem = f"its checklist cannot be made ({type(error).__name__})"
        else:
            problem = schema_problem(document, _SCHEMA, "covenant")
    if problem:
        raise BoardFileError(422, "the board file is damaged: covenant.json does not follow "
                             f"the covenant schema: {problem}")
    problem = _picture_problem(document)
    if problem:
        raise BoardFileError(422, f"the board file is damaged: covenant.json: {problem}")


def _picture_problem(covenant: dict[str, Any]) -> str | None:
    """Why the covenant's board picture cannot be drawn as Word and PDF draw it, or None:
    made by the server that finalized the board, but any SVG in a hand-made file (one that
    did not parse was stored, then the Word and PDF downloads were a 500)."""
    try:
        board_png(covenant)
    except Exception as error:  # cairosvg's parser and cairo raise many kinds
        return f"its picture cannot be drawn: {type(error).__name__}"
    return None


@dataclass
class _Unpacked:
    """A board file read and checked, all but its documents decoded (plain data)."""

    board: dict[str, Any]
    entries: dict[str, bytes]
    partners: tuple[dict[str, str], ...]
    updates: list[tuple[float | None, Sender, str, bytes]]


def _unpacked(raw: bytes, limits: RoomLimits) -> _Unpacked:
    """The board file's entries, unpacked within their caps and checked, before the heavy
    part (:func:`.board_file_checks.check_documents`): plain Python and zlib, which let the
    event loop run alongside."""
    manifest, entries = _read_entries(raw, limits)
    board = manifest.get("board")
    if not isinstance(board, dict):
        raise BoardFileError(422, "the board file is damaged: board.json has no board")
    state = board.get("state")
    if state not in ("open", "finalized"):
        raise BoardFileError(422, "the board file is damaged: board.state is not valid")
    _text(board.get("canvas"), "canvas", 100)
    _text(board.get("title"), "title")
    for key in ("created_at", "finalized_at"):
        if board.get(key) is not None and not _time(board.get(key)):
            raise BoardFileError(422, f"the board file is damaged: board.{key} is not valid")
    partners = _partners(board.get("partners"))
    updates = _updates(entries["history/updates.jsonl"])
    if state == "finalized":
        final = entries.get("final.bin")
        covenant = entries.get("covenant.json")
        if final is None or covenant is None:
            raise BoardFileError(422, "the board file is damaged: a finalized board needs its "
                                 "final snapshot and covenant")
        if _sha(final) != board.get("snapshot_sha256"):
            raise BoardFileError(422, "the board file is damaged: the final snapshot does not "
                                 "match its hash")
        if _sha(covenant) != board.get("covenant_sha256"):
            raise BoardFileError(422, "the board file is damaged: the covenant does not match "
                                 "its hash")
        _check_finalized(entries["document.bin"], final, covenant)
    return _Unpacked(board, entries, partners, updates)


def _decode_args(unpacked: _Unpacked) -> tuple[bytes, bytes, list[bytes]]:
    entries = unpacked.entries
    return (entries["document.bin"], entries["history/checkpoint.bin"],
            [data for *_, data in unpacked.updates])


def _canvas(unpacked: _Unpacked, registry: Any) -> str:
    canvas = str(unpacked.board["canvas"])
    if registry.canvas(canvas) is None:
        raise BoardFileError(422, f"the board uses the canvas {canvas!r}, which this server "
                             "does not have installed")
    return canvas


def _stored(unpacked: _Unpacked, canvas: str, store: Store) -> NewBoard:
    """Store the checked board file as a new board, in one transaction."""
    board, entries = unpacked.board, unpacked.entries
    state = board["state"]
    final = entries.get("final.bin") if state == "finalized" else None
    covenant = entries.get("covenant.json") if state == "finalized" else None
    created_at = board.get("created_at")
    finalized_at = board.get("finalized_at")
    tokens = {role: new_token() for role in Role}
    record = BoardRecord(
        id=_new_board_id(),
        canvas=canvas,
        title=board["title"],
        language=board.get("language") if board.get("language") in ("nl", "en") else "nl",
        state=state,
        created_at=float(created_at) if isinstance(created_at, int | float) else time.time(),
        finalized_at=float(finalized_at) if isinstance(finalized_at, int | float) else None,
        snapshot_sha256=board.get("snapshot_sha256") if state == "finalized" else None,
        partners=unpacked.partners,
        token_hashes={role.value: hash_token(token) for role, token in tokens.items()},
        covenant_sha256=_sha(covenant) if covenant else None,
    )
    try:
        store.import_board(
            record, entries["history/checkpoint.bin"], unpacked.updates, entries["document.bin"],
            final_snapshot=final,
            covenant=(covenant, _sha(covenant)) if covenant else None,
        )
    except Exception as error:  # a half-written board is rolled back with the transaction
        raise BoardFileError(422, f"the board file could not be stored: {error}") from None
    return NewBoard(record, tokens)


def unpack(raw: bytes, store: Store, registry: Any, limits: RoomLimits) -> NewBoard:
    """Import a board file as a new board within ``limits``; raises :class:`BoardFileError`.
    (The route does the same in steps, off the event loop: see :func:`import_board`.)

    Signatures are not imported: the manifest lists them for the record, but a file is
    anyone's to write, and a signature counts only when a party's own link made it on the
    server that holds the board. The parties of an imported board sign it there again."""
    unpacked = _unpacked(raw, limits)
    canvas = _canvas(unpacked, registry)
    check_documents(*_decode_args(unpacked), limits)
    return _stored(unpacked, canvas, store)


async def export_board(request: Request) -> Response:
    record, _role = authorize(request, Role.FACILITATOR)
    state = request.app.state
    if record.state == "finalized":
        document = state.store.final_snapshot(record.id) or b""
    else:
        document = state.rooms.document(record.id).get_update()
    body = pack(state.store, record, document)
    name = f"board-{record.id}.partnerboard"
    return Response(body, media_type=MEDIA_TYPE,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def _in_process(function: Any, *args: Any) -> None:
    try:
        await heavy.in_process(function, *args)
    except BrokenProcessPool:
        # Nothing a bounded reader lets through should end a worker; if one did, the next
        # heavy request gets new workers, and this file is refused.
        log.error("a worker process ended while it checked a board file")
        heavy.shutdown()
        raise BoardFileError(422, "the board file could not be read") from None


async def import_board(request: Request) -> JSONResponse:
    check_create_key(request)
    check_create_rate(request)
    raw = await read_body(request, MAX_FILE, f"a board file may be at most {MAX_FILE} bytes")
    if not raw:
        raise HTTPProblem(400, "send the board file as the request body")
    state = request.app.state
    limits = RoomLimits.from_settings(state.settings)
    try:
        # Unpacking and checking run off the event loop (see heavy.py): zlib and plain Python
        # in a thread, decoding the documents in a worker process when they are large.
        unpacked = await heavy.run(_unpacked, raw, limits)
        canvas = _canvas(unpacked, state.registry)
        documents = _decode_args(unpacked)
        if sum(len(data) for data in (documents[0], documents[1], *documents[2])
               ) >= heavy.PROCESS_BYTES:
            await _in_process(check_documents, *documents, limits)
        else:
            await heavy.run(check_documents, *documents, limits)
        created = _stored(unpacked, canvas, state.store)
    except BoardFileError as error:
        raise HTTPProblem(error.status, str(error)) from None
    return JSONResponse(board_answer(request, created), status_code=201)


routes = [
    Route("/api/boards/import", import_board, methods=["POST"]),
    Route("/api/boards/{board_id}/export", export_board),
]
