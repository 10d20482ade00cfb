"""Issue 17: representation in large networks: who sits at which table, seats that rotate on a
schedule known in advance, and boards made for one table's delegation."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conftest import app_settings
from test_network_members import call, make_network

from partnerboard.server.network_tables import add_months, delegation
from partnerboard.server.store import open_store

FIVE = [{"name": "Gemeente"}, {"name": "GGD"}, {"name": "Politie"}, {"name": "School"},
        {"name": "Bibliotheek"}]


def rotating(start: str, every: int = 6, seats: int = 1) -> dict:
    return {"members": ["m1"], "rotation": {"pool": ["m2", "m3", "m4"], "seats": seats,
                                            "every_months": every, "start": start}}


def test_the_rotation_schedule_is_known_in_advance():
    network = {"members": [{"id": f"m{i}", "name": f"M{i}"} for i in range(1, 6)],
               "tables": {"executive": rotating("2026-01-31")}}
    at = {day: delegation(network, "executive", date.fromisoformat(day))
          for day in ("2025-12-01", "2026-01-31", "2026-07-30", "2026-07-31", "2027-08-01")}
    assert at["2025-12-01"]["delegation"] == ["m1"]  # before the first period: fixed seats only
    assert at["2025-12-01"]["next_change"] == "2026-01-31"
    assert at["2025-12-01"]["next_delegation"] == ["m1", "m2"]
    assert at["2026-01-31"]["delegation"] == ["m1", "m2"]
    assert at["2026-01-31"]["next_change"] == "2026-07-31"
    assert at["2026-07-30"]["delegation"] == ["m1", "m2"]  # a day before the change
    assert at["2026-07-31"]["delegation"] == ["m1", "m3"]
    assert at["2027-08-01"]["delegation"] == ["m1", "m2"]  # round the pool again
    assert at["2027-08-01"]["next_delegation"] == ["m1", "m3"]
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    # Two seats move two along; a member that left is skipped.
    network["tables"]["executive"] = rotating("2026-01-01", seats=2)
    assert delegation(network, "executive", date(2026, 7, 1))["delegation"] == ["m1", "m4", "m2"]
    network["members"][2]["left_at"] = 1.0
    assert delegation(network, "executive", date(2026, 7, 1))["delegation"] == ["m1", "m2", "m4"]
    assert delegation(network, "operations")["delegation"] == []


def test_a_table_is_set_shown_and_gets_boards_of_its_own(server):
    net = make_network(server, FIVE)
    tables = f"/api/networks/{net['id']}/tables"
    today = datetime.now(UTC).date()
    start = add_months(today.replace(day=1), -13)  # 13 months in: period 2 of 6 months
    answer = call(server, "PUT", f"{tables}/executive", net["key"],
                  json=rotating(start.isoformat()))
    assert answer.status_code == 200, answer.text
    table = answer.json()
    assert table["delegation"] == ["m1", "m4"]
    assert table["next_change"] == add_months(start, 18).isoformat()
    assert table["next_delegation"] == ["m1", "m2"]
    assert call(server, "GET", tables, net["key"]).json()["executive"]["delegation"] == ["m1",
                                                                                        "m4"]

    board = call(server, "POST", f"/api/networks/{net['id']}/boards", net["key"],
                 json={"canvas": "game-rules", "title": "Bestuurlijke spelregels",
                       "table": "executive"})
    assert board.status_code == 201, board.text
    assert [p["name"] for p in board.json()["partners"]] == ["Gemeente", "School"]
    listed = call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()
    assert listed["boards"][0]["delegation"] == "executive"
    assert listed["tables"]["executive"]["delegation"] == ["m1", "m4"]

    page = call(server, "GET", f"/n/{net['id']}?key={net['key']}&lang=en").text
    assert "At the table now: <span class=\"seated\">Gemeente</span>" in page
    assert "Next change on" in page and "Gemeente, GGD" in page
    # The page form sets a table (members in the network's order) and makes its board.
    form = call(server, "POST", f"/n/{net['id']}/tables/operations?lang=en",
                follow_redirects=False,
                data={"key": net["key"], "members": ["m5", "m3"], "seats": "1",
                      "every_months": "12", "start": ""})
    assert form.status_code == 303, form.text
    assert call(server, "GET", tables, net["key"]).json()["operations"]["delegation"] == [
        "m3", "m5"]
    made = call(server, "POST", f"/n/{net['id']}/boards?lang=en", follow_redirects=False,
                data={"key": net["key"], "canvas": "partnership-map", "title": "Uitvoering",
                      "table": "operations"})
    assert made.status_code == 303
    newest = call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()["boards"][0]
    assert (newest["title"], newest["partners"]) == ("Uitvoering", ["Politie", "Bibliotheek"])


def test_tables_refuse_bad_settings_unknown_tables_and_wrong_keys(server):
    net, other = make_network(server, FIVE), make_network(server, FIVE)
    path = f"/api/networks/{net['id']}/tables"
    call(server, "DELETE", f"/api/networks/{net['id']}/members/m5", net["key"])
    good = rotating("2027-01-01")
    for body, words in (
        ({"members": "m1"}, "'members'"),
        ({"members": ["m9"]}, "no current member"),
        ({"members": ["m5"]}, "no current member"),
        ({"members": ["m1", "m1"]}, "twice"),
        ({**good, "members": ["m2"]}, "fixed seat and a rotating one"),
        ({"rotation": "yearly"}, "'rotation'"),
        ({"rotation": {**good["rotation"], "pool": []}}, "at least one"),
        ({"rotation": {**good["rotation"], "every_months": 0}}, "every_months"),
        ({"rotation": {**good["rotation"], "every_months": True}}, "every_months"),
        ({"rotation": {**good["rotation"], "seats": 4}}, "seats"),
        ({"rotation": {**good["rotation"], "start": "2027-13-01"}}, "start"),
        ({"rotation": {**good["rotation"], "start": "01-01-2027"}}, "start"),
    ):
        answer = call(server, "PUT", f"{path}/executive", net["key"], json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert words in answer.json()["error"], answer.text
    assert call(server, "PUT", f"{path}/kitchen", net["key"], json=good).status_code == 404
    assert call(server, "PUT", f"{path}/executive", other["key"], json=good).status_code == 403
    assert call(server, "PUT", f"{path}/executive", json=good).status_code == 401
    boards = f"/api/networks/{net['id']}/boards"
    for table, status in (("kitchen", 400), ("management", 409), (7, 400)):
        answer = call(server, "POST", boards, net["key"],
                      json={"canvas": "game-rules", "title": "T", "table": table})
        assert answer.status_code == status, answer.text
    assert call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()["boards"] == []
    bad_form = call(server, "POST", f"/n/{net['id']}/tables/executive",
                    data={"key": net["key"], "pool": ["m2"], "seats": "x",
                          "every_months": "6", "start": "2027-01-01"})
    assert bad_form.status_code == 400 and "seats" in bad_form.text
    # Digits of other scripts pass str.isdigit() but are no number here: a 400, not a 500.
    for field, value in (("seats", "¹"), ("every_months", "²"), ("seats", "١")):
        form = {"key": net["key"], "pool": ["m2"], "seats": "1", "every_months": "6",
                "start": "2027-01-01", field: value}
        answer = call(server, "POST", f"/n/{net['id']}/tables/executive", data=form)
        assert answer.status_code == 400 and field in answer.text, (field, value)


def test_a_table_set_on_stale_data_is_refused_not_lost(tmp_path, database_url):
    """Two nodes setting different tables of one network at once: the second write is made on
    what it read before the first, so it is refused (409 to its caller) instead of silently
    dropping the other table."""
    store = open_store(app_settings(tmp_path, database_url))
    try:
        store.create_network({"id": "n1", "name": "Noord", "members": [],
                              "created_at": 0.0}, "hash")
        read = store.network("n1")[0]["tables"]
        first = {**read, "executive": {"members": ["m1"]}}
        assert store.set_network_tables("n1", first, read)
        second = {**read, "operations": {"members": ["m2"]}}  # made on the old read
        assert not store.set_network_tables("n1", second, read)
        assert store.network("n1")[0]["tables"] == first
        again = {**first, "operations": {"members": ["m2"]}}
        assert store.set_network_tables("n1", again, first)
        assert set(store.network("n1")[0]["tables"]) == {"executive", "operations"}
    finally:
        store.close()
