"""The stored covenant (DESIGN §9): built once, kept as canonical JSON, rendered from there.

At finalize the canvas's plugins build the covenant from the frozen board; it is kept as
canonical JSON (sorted keys, no whitespace, UTF-8) together with the names and versions of the
plugins that built it, and ``covenant_sha256`` is the sha256 of exactly those bytes. From then
on every document is rendered from the stored JSON: installing, upgrading or removing a plugin
cannot change what was agreed, and a signature can name the bytes it agreed to.

What is not part of the agreement is added when a document is rendered: the hash itself, the
signatures collected since, and the completeness checklist recomputed with them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc

from partnerboard.plugins import BoardSnapshot, snapshot_from_doc
from partnerboard.plugins.covenant import canonical
from partnerboard.plugins.covenant_build import build_covenant, completeness
from partnerboard.plugins.manager import PluginRegistry
from partnerboard.plugins.picture import board_picture
from partnerboard.plugins.spec import CanvasSpec

from .store import BoardDamaged, BoardRecord, Store

__all__ = [
    "canonical", "build_stored", "board_covenant", "covenant_document", "store_combined",
    "covenant_sha256_of", "iso", "parse_stored", "stored_covenant",
]

log = logging.getLogger("partnerboard.covenant")


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def built_by(registry: PluginRegistry, canvas_id: str) -> list[dict[str, str]]:
    """The plugins whose code went into a covenant: the canvas's own, and every plugin that
    implements the covenant hook (each may add sections), with their installed versions."""
    names = {impl.plugin_name for impl in registry.pm.hook.partnerboard_covenant.get_hookimpls()}
    found = registry.canvases.get(canvas_id)
    if found is not None:
        names.add(found[1])
    return [
        {"name": name, "version": registry.plugins[name].version if name in registry.plugins
         else ""}
        for name in sorted(names)
    ]


def build_stored(
    registry: PluginRegistry,
    spec: CanvasSpec,
    board: BoardSnapshot,
    *,
    finalized_at: float,
    snapshot_sha256: str,
) -> tuple[bytes, str]:
    """Build a board's covenant and return its canonical JSON and that JSON's sha256."""
    covenant = build_covenant(
        registry, board, spec, finalized_at=iso(finalized_at), snapshot_sha256=snapshot_sha256
    )
    covenant.pop("signatures", None)
    covenant["built_by"] = built_by(registry, spec.id)
    # The board as it was agreed, drawn now by the plugins of now, and kept with the covenant.
    covenant["picture"] = board_picture(board, spec)
    body = canonical(covenant)
    return body, hashlib.sha256(body).hexdigest()


def board_covenant(
    store: Store, registry: PluginRegistry, record: BoardRecord
) -> tuple[dict[str, Any], str]:
    """A finalized board's stored covenant (data, sha256): :func:`stored_covenant`, parsed."""
    body, digest = stored_covenant(store, registry, record)
    return parse_stored(record.id, body), digest


def stored_covenant(
    store: Store, registry: PluginRegistry, record: BoardRecord
) -> tuple[bytes, str]:
    """A finalized board's stored covenant as stored (canonical JSON, its sha256).

    A board finalized by release 0.1.0 has none yet: its covenant is built once from its final
    snapshot with the plugins installed now, stored, and from then on fixed like any other.
    Raises LookupError when that is needed and the board's canvas is not installed.
    """
    found = store.covenant(board_id=record.id)
    if found is None:
        spec = registry.canvas(record.canvas)
        snapshot = store.final_snapshot(record.id)
        if spec is None or snapshot is None:
            raise LookupError(f"the canvas {record.canvas!r} of this board is not installed")
        doc = Doc()
        doc.apply_update(snapshot)
        body, digest = build_stored(
            registry, spec, snapshot_from_doc(doc, record.id),
            finalized_at=record.finalized_at or time.time(),
            snapshot_sha256=record.snapshot_sha256 or "",
        )
        store.store_covenant(record.id, body, digest, time.time())
        log.info("board %s: stored the covenant of a board finalized before 0.2", record.id)
        found = store.covenant(board_id=record.id)
        assert found is not None
    return found


def parse_stored(board_id: str, body: bytes) -> dict[str, Any]:
    """A stored covenant's data (BoardDamaged when it is not JSON). Plain data in and out:
    a large board's covenant (its picture included) may run in a worker thread."""
    try:
        parsed: dict[str, Any] = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BoardDamaged(board_id, "its stored covenant is not JSON") from None
    return parsed


def covenant_sha256_of(store: Store, registry: PluginRegistry, record: BoardRecord) -> str | None:
    """The covenant hash for a board answer: None while open (or if it cannot be built)."""
    if record.state != "finalized":
        return None
    if record.covenant_sha256:
        return record.covenant_sha256
    try:
        return board_covenant(store, registry, record)[1]
    except LookupError:
        return None


def covenant_document(
    stored: dict[str, Any], digest: str, signatures: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What the exporters render: the stored covenant, its hash, and its signatures.

    A signature counts for this covenant when it names this covenant's hash, or (made before
    covenants were stored) the board's snapshot hash, or one of those the covenant had before
    people's names in it were redacted.
    """
    document = dict(stored)
    document["covenant_sha256"] = digest
    if "board" in stored:
        # Names redacted since (server/privacy.py) left the hashes signed before in the
        # covenant's own record: those signatures signed the same agreement.
        earlier = [r for r in stored.get("redactions") or () if isinstance(r, dict)]
        versions = {digest, *(r.get("covenant_sha256_before") for r in earlier)}
        snapshots = {stored["board"].get("snapshot_sha256"),
                     *(r.get("snapshot_sha256_before") for r in earlier)}
        document["signatures"] = [
            dict(s) for s in signatures or ()
            if s.get("covenant_sha256", digest) in versions
            and s.get("snapshot_sha256") in snapshots
        ]
        document["completeness"] = completeness(document)
    return document


def store_combined(store: Store, combined: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Keep a combined covenant as it is created; return it ready to render, and its hash."""
    body = canonical(combined)
    digest = hashlib.sha256(body).hexdigest()
    store.store_covenant(None, body, digest, time.time())
    document = json.loads(body)
    document["covenant_sha256"] = digest
    return document, digest
