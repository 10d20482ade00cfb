"""Bad input over HTTP: a clear 4xx, never a 500, and nothing a later request trips over."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_settings
from docx import Document
from pycrdt import Doc, Map, Text
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from yclient import state_vector

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server.app import create_app
from partnerboard.server.requests import MAX_DEPTH, json_depth

DEEP_ARRAY = b"[" * 2000 + b"]" * 2000
DEEP_OBJECT = b'{"a":' * 2000 + b"1" + b"}" * 2000
#: Text XML 1.0 cannot hold: NUL, other C0 controls, U+FFFE and U+FFFF.
NOT_XML = "\x00\x01\x0b\x1f\ufffe\uffff"
#: The same in a request's text field, which refuses NUL (no store can hold it everywhere).
FIELD_NOT_XML = NOT_XML.replace("\x00", "")


@pytest.fixture
def app(tmp_path: Path, database_url: str):  # noqa: ANN201 - a Starlette app
    return create_app(app_settings(tmp_path, database_url))


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def new_board(client: TestClient, **body: object) -> dict:
    payload = {"canvas": "partnership-map", "title": "Wijk", "language": "en",
               "partners": [{"name": "Gemeente"}, {"name": "Zorg"}], **body}
    answer = client.post("/api/boards", json=payload)
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(board: dict, role: str = "facilitator") -> dict[str, str]:
    return {"authorization": f"Bearer {board['tokens'][role]}"}


def add_note(app, board_id: str, note_id: str, text: str, zone: str = "values", **extra) -> None:  # noqa: ANN001
    rect = SPEC.zone(zone).rect
    values = {"kind": "note", "x": rect.x + 20, "y": rect.y + 80, "w": 160.0, "h": 100.0,
              "text": Text(text), "org": "Gemeente", **extra}

    def change(doc) -> None:  # noqa: ANN001
        doc.get("elements", type=Map)[note_id] = Map(values)

    app.state.rooms.server_change(board_id, change)


def json_endpoints(client: TestClient) -> list[tuple[str, str, dict[str, str]]]:
    """Every endpoint that reads a JSON body, with a token that gets it past its checks."""
    open_board = new_board(client)
    final = new_board(client)
    assert client.post(f"/api/boards/{final['id']}/finalize", headers=bearer(final)).status_code \
        == 200
    voting = new_board(client)
    opened = client.post(f"/api/boards/{voting['id']}/voting", headers=bearer(voting),
                         json={"votes_per_participant": 3})
    assert opened.status_code == 201
    return [
        ("POST", "/api/boards", {}),
        ("POST", "/api/boards/merge", {}),
        ("POST", "/api/covenants", {}),
        # only a party's own link signs
        ("POST", f"/api/boards/{final['id']}/signatures",
         {"authorization": f"Bearer {final['parties'][0]['token']}"}),
        ("POST", f"/api/boards/{open_board['id']}/voting", bearer(open_board)),
        ("POST", f"/api/boards/{voting['id']}/votes", bearer(voting, "participant")),
        ("DELETE", f"/api/boards/{voting['id']}/votes", bearer(voting, "participant")),
    ]


def test_depth_is_measured_without_the_parser():
    assert json_depth(DEEP_ARRAY) == MAX_DEPTH + 1  # stops counting past the limit
    assert json_depth(b'{"a": [1, {"b": "[[[[[[[[[[[[[[[[["}]}') == 3
    assert json_depth(b'["\\"[[[[", {"x": []}]') == 3
    assert json_depth(b"[" * 64 + b"]" * 64) == 64


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_400_on_every_json_endpoint(client, body):
    for method, path, headers in json_endpoints(client):
        answer = client.request(method, path, content=body,
                                headers={**headers, "content-type": "application/json"})
        assert answer.status_code == 400, (method, path, answer.text)
        assert "deeper than 64" in answer.json()["error"]


def test_nesting_up_to_the_limit_is_parsed():
    body = b'{"canvas": "partnership-map", "title": "t", "x": ' + b"[" * 62 + b"]" * 62 + b"}"
    assert json_depth(body) == 63


def test_lone_surrogates_are_400_everywhere(client):
    raw = b'"x\\ud800"'
    for method, path, headers in json_endpoints(client):
        for body in (b'{"title": ' + raw + b"}", b'{' + raw + b': 1}', b'[' + raw + b"]"):
            answer = client.request(method, path, content=body,
                                    headers={**headers, "content-type": "application/json"})
            assert answer.status_code == 400, (method, path, body, answer.text)
            assert "surrogate" in answer.json()["error"]
    # The endpoints' own fields, with everything else right.
    final = new_board(client)
    client.post(f"/api/boards/{final['id']}/finalize", headers=bearer(final))
    sign = client.post(f"/api/boards/{final['id']}/signatures", headers={
        "authorization": f"Bearer {final['parties'][0]['token']}",
        "content-type": "application/json",
    }, content=b'{"name": "Ann\\udfff"}')
    assert sign.status_code == 400
    create = client.post("/api/boards", headers={"content-type": "application/json"},
                         content=b'{"canvas": "partnership-map", "title": "t",'
                                 b' "partners": [{"name": "\\ud83d"}]}')
    assert create.status_code == 400
    # A real astral character written as a surrogate pair is fine.
    pair = client.post("/api/boards", headers={"content-type": "application/json"},
                       content=b'{"canvas": "partnership-map", "title": "\\ud83d\\ude00"}')
    assert pair.status_code == 201 and pair.json()["title"] == "\U0001f600"


def test_nul_in_a_field_is_400_and_in_an_id_is_not_found_on_every_store(client):
    # PostgreSQL text cannot hold NUL: found by the OpenAPI fuzzer as a 500 there.
    create = client.post("/api/boards", json={"canvas": "partnership-map", "title": "a\x00b"})
    assert create.status_code == 400 and "NUL" in create.json()["error"]
    partner = client.post("/api/boards", json={"canvas": "partnership-map", "title": "t",
                                                "partners": [{"name": "Zorg\x00"}]})
    assert partner.status_code == 400
    board = new_board(client)
    base = f"/api/boards/{board['id']}"
    assert client.get("/api/boards/a%00b", headers=bearer(board)).status_code == 403
    assert client.get(f"/b/a%00b?token={board['tokens']['observer']}").status_code == 403
    combined = client.post("/api/covenants", json={"title": "t", "boards": [
        {"id": "a\x00", "token": "x"}, {"id": board["id"], "token": "y"}]})
    assert combined.status_code == 400
    participant = {"authorization": f"Bearer {board['parties'][0]['token']}"}
    assert client.get(f"{base}/seats/a%00b", headers=participant).status_code == 404
    assert client.delete(f"{base}/seats/a%00b", headers=bearer(board)).status_code == 404
    seat = client.post(f"{base}/seats", headers=participant, json={"name": "Ann\x00"})
    assert seat.status_code == 400
    with client.websocket_connect(f"/ws/a%00b?token={board['tokens']['observer']}") as socket:
        socket.receive_bytes()  # the y-websocket "permission denied" message, then the close
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_bytes()
    assert closed.value.code == 1008


def test_nul_in_a_page_form_never_reaches_the_store(client):
    """PostgreSQL text cannot hold NUL: the HTTP fuzzer found the network form's 500 there. A
    browser never sends one; a hand-made form gets its page, the NUL left out."""
    made = client.post("/networks/new", data={"name": "Jeugd\x00 Noord",
                                               "members": "Gemeente\x00\nZorg"})
    assert made.status_code == 200, made.text
    assert "Jeugd Noord" in made.text and "\x00" not in made.text
    board = client.post("/new", data={"canvas": "partnership-map", "title": "Wijk\x00",
                                      "language": "en", "partners": "Zorg\x00"})
    assert board.status_code == 200, board.text
    assert "Wijk" in board.text and "\x00" not in board.text


def test_not_utf8_and_not_json_are_400(client):
    for body in (b"\xff\xfe{", b"{", b"", b"   ", b"NaN-ish"):
        answer = client.post("/api/boards", content=body,
                             headers={"content-type": "application/json"})
        assert answer.status_code == 400, (body, answer.text)


def test_docx_covenant_cleans_text_xml_cannot_hold_and_json_keeps_it(app, client):
    board = new_board(client, title=f"Wijk{FIELD_NOT_XML}",
                      partners=[{"name": f"Gemeente{FIELD_NOT_XML}"}, {"name": "Zorg"}])
    add_note(app, board["id"], "n1", f"Samen{NOT_XML}spelen", org=f"Gemeente{NOT_XML}")
    assert client.post(f"/api/boards/{board['id']}/finalize",
                       headers=bearer(board)).status_code == 200
    party = {"authorization": f"Bearer {board['parties'][0]['token']}"}
    signed = client.post(f"/api/boards/{board['id']}/signatures", headers=party,
                         json={"name": f"Ann{FIELD_NOT_XML}"})
    assert signed.status_code == 201, signed.text
    covenant = client.get(f"/api/boards/{board['id']}/covenant", headers=bearer(board)).json()
    assert covenant["title"] == f"Wijk{FIELD_NOT_XML}"
    assert covenant["signatures"][0]["name"] == f"Ann{FIELD_NOT_XML}"
    for fmt in ("docx", "html", "md"):
        answer = client.get(f"/api/boards/{board['id']}/covenant?format={fmt}",
                            headers=bearer(board))
        assert answer.status_code == 200, (fmt, answer.text[:200])
    docx = client.get(f"/api/boards/{board['id']}/covenant?format=docx", headers=bearer(board))
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Wijk" in text and "Samenspelen" in text
    assert "Ann" in cells and "Gemeente" in cells
    assert not any(ch in text + "".join(cells) for ch in NOT_XML)


def binary_property_update(client_id: int, parent: tuple[int, int], key: str, data: bytes) -> bytes:
    """A Yjs update setting ``key`` of the map item ``parent`` to binary content (as a Yjs
    client's ``ymap.set(key, new Uint8Array(...))`` does); pycrdt itself cannot write one."""

    def var_uint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def string(text: str) -> bytes:
        return var_uint(len(text.encode())) + text.encode()

    content_binary, has_parent_sub = 3, 0x20
    struct = (bytes([content_binary | has_parent_sub]) + var_uint(0)  # parent is an item id
              + var_uint(parent[0]) + var_uint(parent[1]) + string(key)
              + var_uint(len(data)) + data)
    return var_uint(1) + var_uint(1) + var_uint(client_id) + var_uint(0) + struct + var_uint(0)


def test_a_board_with_binary_values_merges_compares_and_finalizes(app, client):
    first, second = new_board(client), new_board(client)
    add_note(app, first["id"], "n1", "Samen spelen")
    add_note(app, second["id"], "n2", "Samen spelen")
    doc = app.state.rooms.document(first["id"])
    client_id, clock = _item_id(doc, "n1")
    app.state.store.append_update(
        first["id"], binary_property_update(client_id + 1, (client_id, clock), "blob", b"\0\1")
    )
    stored = app.state.rooms.document(first["id"]).get("elements", type=Map)["n1"]
    assert stored["blob"] == b"\0\1"  # the update landed as the attacker meant it

    sources = [{"id": b["id"], "token": b["tokens"]["facilitator"]} for b in (first, second)]
    merged = client.post("/api/boards/merge", json={"title": "Samen", "boards": sources})
    assert merged.status_code == 201, merged.text
    compare = client.get(f"/api/boards/{first['id']}/compare", headers=bearer(first))
    assert compare.status_code == 200
    preview = client.get(f"/api/boards/{first['id']}/covenant/preview", headers=bearer(first))
    assert preview.status_code == 200
    assert client.post(f"/api/boards/{first['id']}/finalize",
                       headers=bearer(first)).status_code == 200
    for fmt in ("json", "docx", "html", "md"):
        answer = client.get(f"/api/boards/{first['id']}/covenant?format={fmt}",
                            headers=bearer(first))
        assert answer.status_code == 200, fmt


def _item_id(doc: Doc, key: str) -> tuple[int, int]:
    """The (client, clock) of the map item of element ``key``: the candidate id that a probe
    update, applied to a copy of the document, lands on."""
    for client_id, clock in state_vector(doc).items():
        for candidate in range(clock):
            copy = Doc()
            copy.apply_update(doc.get_update())
            try:
                copy.apply_update(binary_property_update(client_id + 1, (client_id, candidate),
                                                         "probe", b"!"))
            except RuntimeError:  # that id is not a map item
                continue
            if copy.get("elements", type=Map)[key].get("probe") == b"!":
                return client_id, candidate
    raise AssertionError(f"no map item found for {key!r}")


def test_the_board_socket_is_ws_and_one_path_segment(app, client):  # noqa: ANN001
    """A board's WebSocket skips the router (see KeepRawSend): it is /ws/{board_id} exactly,
    below the app's root path too; any other WebSocket path is refused as before."""
    board = new_board(client)
    token = board["tokens"]["observer"]
    with client.websocket_connect(f"/ws/{board['id']}?token={token}") as socket:
        assert socket.receive_bytes()[:2] == b"\x00\x00"  # SyncStep1
    below_root = TestClient(app, root_path="/app")  # the lifespan runs for ``client``
    with below_root.websocket_connect(f"/app/ws/{board['id']}?token={token}") as socket:
        assert socket.receive_bytes()[:2] == b"\x00\x00"
    for path in (f"/ws/{board['id']}/more", "/ws/", "/wss/x"):
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"{path}?token={token}"):
            pass


def test_names_with_bidi_controls_in_page_forms_and_seats_are_refused(client):
    """A name with a character that reverses the reading direction reads as another name in
    every list and document that shows it: refused in the page forms as in the API (seats too,
    whose names go into a covenant's participants)."""
    for path, form in (
            ("/new", {"canvas": "partnership-map", "title": "Wijk", "language": "en",
                      "partners": "Zorg\nGemeente \u202enedruZ"}),
            ("/networks/new", {"name": "Jeugd Noord", "members": "Zorg\n\u2066Gemeente\u2069"}),
            ("/networks/new", {"name": "Jeugd \u202eNoord", "members": "Zorg"})):
        refused = client.post(path, data=form)
        assert refused.status_code == 400, (path, refused.text)
        assert 'data-field="bidi"' in refused.text
    board = client.post("/api/boards", json={"canvas": "partnership-map", "title": "t",
                                             "language": "en"}).json()
    guest = {"Authorization": f"Bearer {board['tokens']['participant']}"}
    seat = client.post(f"/api/boards/{board['id']}/seats", headers=guest,
                       json={"name": "Ann \u202eknaB"})
    assert seat.status_code == 400 and "bidirectional" in seat.json()["error"]
    assert client.post(f"/api/boards/{board['id']}/seats", headers=guest,
                       json={"name": "Ann Bank"}).status_code == 201
