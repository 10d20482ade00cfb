"""The key the nodes of one deployment seal their stream entries with (server/bus_entries.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import app_settings

from partnerboard.server.store import open_store


def test_nodes_starting_together_read_one_bus_key(tmp_path: Path, database_url: str):
    """The key is made by the first node that asks; two starting at once must not each keep
    their own (every entry of the other would be refused)."""
    start = threading.Barrier(2)
    keys: list[bytes] = []

    def node() -> None:
        store = open_store(app_settings(tmp_path, database_url))
        try:
            start.wait()
            keys.append(store.node_secret("bus"))
        finally:
            store.close()

    threads = [threading.Thread(target=node) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 32

