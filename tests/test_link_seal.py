"""The sealed copies of the board links (HKDF-SHA256 + AES-256-GCM): only the facilitator token
of that board opens a link's copy, a changed copy does not open, and a copy sealed the older way
(the home-made keystream of the second round) is shown as "re-issue this link to see it again"."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import httpx

from partnerboard.server.links import SEAL_VERSION, seal, unseal


def test_only_the_same_facilitator_token_board_and_link_open_a_seal():
    token, facilitator = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    sealed = seal(token, facilitator_token=facilitator, board_id="b1", link="party:p1")
    assert sealed.startswith(SEAL_VERSION) and token not in sealed
    assert unseal(sealed, facilitator_token=facilitator, board_id="b1", link="party:p1") == token
    # A fresh 96-bit nonce every time: the same token never seals to the same text.
    again = seal(token, facilitator_token=facilitator, board_id="b1", link="party:p1")
    assert again != sealed
    raw = base64.urlsafe_b64decode(sealed[len(SEAL_VERSION):])
    assert len(raw) == 12 + len(token) + 16  # nonce, ciphertext, GCM tag
    for other in ({"facilitator_token": facilitator + "x", "board_id": "b1", "link": "party:p1"},
                  {"facilitator_token": facilitator, "board_id": "b2", "link": "party:p1"},
                  {"facilitator_token": facilitator, "board_id": "b1", "link": "party:p2"}):
        assert unseal(sealed, **other) is None


def test_a_changed_or_malformed_seal_does_not_open():
    facilitator = secrets.token_urlsafe(32)
    sealed = seal("t0ken", facilitator_token=facilitator, board_id="b", link="observer")
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(SEAL_VERSION):]))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        changed = bytearray(raw)
        changed[position] ^= 1
        text = SEAL_VERSION + base64.urlsafe_b64encode(bytes(changed)).decode()
        assert unseal(text, facilitator_token=facilitator, board_id="b", link="observer") is None
    for text in ("", SEAL_VERSION, SEAL_VERSION + "!!!", SEAL_VERSION + "AAAA",
                 "v9." + sealed[len(SEAL_VERSION):], sealed[len(SEAL_VERSION):]):
        assert unseal(text, facilitator_token=facilitator, board_id="b", link="observer") is None


def old_seal(token: str, facilitator_token: str, board_id: str, link: str) -> str:
    """A link sealed the way the second development round did (an HMAC keystream, no version)."""
    key = hmac.digest(facilitator_token.encode(),
                      f"partnerboard-link-seal\x00{board_id}\x00{link}".encode(), "sha256")
    nonce = secrets.token_bytes(16)
    stream = b"".join(hmac.digest(key, nonce + n.to_bytes(4, "big"), hashlib.sha256)
                      for n in range((len(token) + 31) // 32))
    return base64.urlsafe_b64encode(
        nonce + bytes(a ^ b for a, b in zip(token.encode(), stream, strict=False))).decode()


def links_of(server, board: dict) -> dict[str, dict]:
    answer = httpx.get(f"{server.url}/api/boards/{board['id']}/links", timeout=10,
                       headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text
    return {row["link_id"]: row for row in answer.json()["links"]}


def test_a_link_sealed_the_old_way_asks_to_be_reissued_and_keeps_working(server):
    board = server.create_board()
    zorg = board["parties"][1]
    facilitator = board["tokens"]["facilitator"]
    for link, token in (("party:p2", zorg["token"]),
                        ("observer", board["tokens"]["observer"])):
        value = old_seal(token, facilitator, board["id"], link)
        assert server.query(f"UPDATE sealed_links SET sealed = '{value}' WHERE board_id = "
                            f"'{board['id']}' AND link = '{link}' RETURNING link") == [(link,)]
    rows = links_of(server, board)
    for link in ("party:p2", "observer"):
        assert rows[link]["shown"] == "reissue"
        assert rows[link]["link"] is rows[link]["token"] is rows[link]["qr"] is None
    assert rows["party:p1"]["shown"] == "yes"
    assert rows["party:p1"]["link"] == board["parties"][0]["link"]

    # The token itself still works: only showing it again needs a new link.
    seen = httpx.get(f"{server.url}/api/boards/{board['id']}",
                     headers={"Authorization": f"Bearer {zorg['token']}"}, timeout=10)
    assert seen.status_code == 200 and seen.json()["party"]["name"] == "Zorg"

    issued = httpx.post(f"{server.url}/api/boards/{board['id']}/links", json={"link": "party:p2"},
                        headers={"Authorization": f"Bearer {facilitator}"}, timeout=10)
    assert issued.status_code == 201 and issued.json()["shown"] == "yes"
    rows = links_of(server, board)
    assert rows["party:p2"]["shown"] == "yes"
    assert rows["party:p2"]["token"] == issued.json()["token"]
    stored = server.query(f"SELECT sealed FROM sealed_links WHERE board_id = '{board['id']}' "
                          "AND link = 'party:p2'")[0][0]
    assert stored.startswith(SEAL_VERSION)


def test_every_link_of_a_new_board_is_sealed_with_the_current_scheme(server):
    board = server.create_board()
    stored = dict(server.query(
        f"SELECT link, sealed FROM sealed_links WHERE board_id = '{board['id']}'"))
    assert sorted(stored) == ["facilitator", "observer", "participant", "party:p1", "party:p2"]
    for link, value in stored.items():
        assert value.startswith(SEAL_VERSION)
        assert unseal(value, facilitator_token=board["tokens"]["facilitator"],
                      board_id=board["id"], link=link) is not None
