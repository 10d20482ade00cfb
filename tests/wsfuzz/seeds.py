"""Valid Yjs updates made with pycrdt, relative to the board's real state: the fuzzer's seeds.

Each seed is what some client could send: a participant's note, an edit of the witness's note, a
facilitator's settings change, a partner added, a delete, a formatted text, a nested type, a huge
value. They are built on a copy of the board's document as it was when the round started, so edits
of existing items carry real origins and parents and reach deep into the server's checks. The
mutators (mutate.py) then bend them.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText
from wsfuzz.ycodec import Update, decode_update, encode_update, struct_length

__all__ = ["Seed", "SeedMaker", "SeedPool", "Board", "SEED_CLIENT"]

#: The client id seeds are made under; each connection moves them to its own ids.
SEED_CLIENT = 4242


@dataclass(frozen=True)
class Board:
    """What the fuzzer knows of the target board when a round starts."""

    base_update: bytes
    element_ids: tuple[str, ...]
    partner_ids: tuple[str, ...]


@dataclass(frozen=True)
class Seed:
    kind: str
    client: int
    update: bytes


ODD_TEXT = ["", "\x00", "a\x00b", "\x1b[31m", "\ufffe", "\uffff", "\u202e", "😀" * 3, "<b>x</b>",
            "'; DROP TABLE boards; --", "\n\r\t", "%0A forged", "ä" * 50, "\U0010ffff"]


def _note(rng: random.Random, **extra: object) -> Map:
    return Map({
        "kind": rng.choice(["note", "note", "arrow", "partner", "rule", "score"]),
        "x": rng.uniform(-100, 3000), "y": rng.uniform(-100, 2000), "w": 160, "h": 100,
        "text": Text(rng.choice(ODD_TEXT) + "".join(rng.choices(string.ascii_letters, k=8))),
        "author": "fuzz", "org": rng.choice(["Gemeente", "Zorg", ""]), "color": "#ffe066",
        "created": time.time() * 1000, **extra,
    })


def _json_value(rng: random.Random, depth: int, breadth: int = 3) -> object:
    if depth <= 0 or rng.random() < 0.2:
        return rng.choice([None, True, False, 0, -1, 2**31, 2**53, -(2**63), 1.5, 1e308, -0.0,
                           "", "x" * rng.randint(0, 40), rng.choice(ODD_TEXT)])
    if rng.random() < 0.5:
        return [_json_value(rng, depth - 1, breadth) for _ in range(rng.randint(0, breadth))]
    return {rng.choice(ODD_TEXT + ["k", "status", "__proto__"]) + str(i): _json_value(
        rng, depth - 1, breadth) for i in range(rng.randint(0, breadth))}


def _deep_list(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


class SeedMaker:
    """Builds seeds on fresh copies of the board's base document."""

    def __init__(self, board: Board, rng: random.Random) -> None:
        self.board = board
        self.rng = rng
        base = Doc()
        base.apply_update(board.base_update)
        self.base_state = base.get_state()
        self.makers: list[tuple[str, int, Callable[[Doc], None]]] = [
            ("note", 20, self._add_note),
            ("edit-text", 12, self._edit_text),
            ("move", 8, self._move),
            ("delete-element", 4, self._delete_element),
            ("meta", 6, self._meta),
            ("partners", 4, self._partners),
            ("agreed-note", 4, self._agreed_note),
            ("status-existing", 4, self._status_existing),
            ("odd-shape", 10, self._odd_shape),
            ("nested-types", 5, self._nested_types),
            ("xml-and-format", 4, self._xml_and_format),
            ("big", 1, self._big),
            ("many-notes", 1, self._many_notes),
            ("other-roots", 4, self._other_roots),
            ("delete-settings", 3, self._delete_settings),
            ("json-values", 6, self._json_values),
        ]
        self.weights = [weight for _, weight, _ in self.makers]

    def make(self, client: int) -> Seed:
        kind, _, maker = self.rng.choices(self.makers, self.weights)[0]
        doc = Doc(client_id=client)
        doc.apply_update(self.board.base_update)
        with doc.transaction():
            maker(doc)
        return Seed(kind, client, doc.get_update(self.base_state))

    # -- makers ----------------------------------------------------------------------------

    def _element_id(self) -> str:
        if self.board.element_ids and self.rng.random() < 0.7:
            return self.rng.choice(self.board.element_ids)
        return "fz-" + "".join(self.rng.choices(string.ascii_lowercase, k=6))

    def _existing(self, doc: Doc) -> Map | None:
        elements = doc.get("elements", type=Map)
        if not self.board.element_ids:
            return None
        value = elements.get(self.rng.choice(self.board.element_ids))
        return value if isinstance(value, Map) else None

    def _add_note(self, doc: Doc) -> None:
        doc.get("elements", type=Map)[self._element_id()] = _note(self.rng)

    def _edit_text(self, doc: Doc) -> None:
        element = self._existing(doc)
        text = element.get("text") if element is not None else None
        if not isinstance(text, Text):
            return self._add_note(doc)
        length = len(text)
        if length and self.rng.random() < 0.4:
            start = self.rng.randrange(length)
            del text[start : min(length, start + self.rng.randint(1, 5))]
        else:
            text.insert(self.rng.randint(0, length), self.rng.choice(ODD_TEXT) + "fz")

    def _move(self, doc: Doc) -> None:
        element = self._existing(doc)
        if element is None:
            return self._add_note(doc)
        for key in self.rng.sample(["x", "y", "w", "h"], self.rng.randint(1, 4)):
            element[key] = self.rng.choice([self.rng.uniform(-1e6, 1e6), 0, -1, 1e308, "12",
                                            None, float("nan"), float("inf")])

    def _delete_element(self, doc: Doc) -> None:
        elements = doc.get("elements", type=Map)
        key = self._element_id()
        if key in elements:
            del elements[key]

    def _meta(self, doc: Doc) -> None:
        meta = doc.get("meta", type=Map)
        key = self.rng.choice(["title", "step", "locked", "finalized", "canvas", "language",
                               "timer", "voting", "new-key"])
        meta[key] = self.rng.choice(["HACKED by participant", 3, 99, -1, True, None, [1, 2],
                                     {"round": 1}, "x" * 1000])

    def _partners(self, doc: Doc) -> None:
        partners = doc.get("partners", type=Map)
        if self.board.partner_ids and self.rng.random() < 0.5:
            partner = partners.get(self.rng.choice(self.board.partner_ids))
            if isinstance(partner, Map):
                partner["name"] = self.rng.choice(ODD_TEXT) + "Hacked"
                return
        partners["fz-" + str(self.rng.randrange(1000))] = Map({"name": "Intruder", "color": "#000"})

    def _agreed_note(self, doc: Doc) -> None:
        status = self.rng.choice(["agreed", "parked", "AGREED", "", 1])
        doc.get("elements", type=Map)[self._element_id()] = _note(self.rng, status=status)

    def _status_existing(self, doc: Doc) -> None:
        element = self._existing(doc)
        if element is None:
            return self._agreed_note(doc)
        if "status" in element and self.rng.random() < 0.5:
            del element["status"]
        else:
            element["status"] = self.rng.choice(["agreed", "parked"])

    def _odd_shape(self, doc: Doc) -> None:
        note = {"kind": self.rng.choice(["note", "", "nope", "x" * 300, None, 5]),
                "x": self.rng.choice([1.0, "1", None, [1], float("nan")]),
                "text": self.rng.choice([Text("t"), "plain string", None, 7, Array([1])])}
        for key in self.rng.sample(["y", "w", "h", "author", "org", "color", "created"],
                                   self.rng.randint(0, 7)):
            note[key] = self.rng.choice([0, "s", None, b"bytes", {"a": 1}, -1e308])
        doc.get("elements", type=Map)[self._element_id()] = Map(note)

    def _nested_types(self, doc: Doc) -> None:
        depth = self.rng.choice([2, 5, 20, 63, 64, 65, 70, 130])
        inner: Map | Array = Map({"leaf": Text("deep")})
        for level in range(depth):
            inner = Map({"child": inner}) if level % 2 else Array([inner])
        doc.get("elements", type=Map)[self._element_id()] = _note(self.rng, extra=inner)

    def _xml_and_format(self, doc: Doc) -> None:
        element = _note(self.rng)
        doc.get("elements", type=Map)[self._element_id()] = element
        text = element["text"]
        choice = self.rng.randrange(4)
        if choice == 0:
            text.insert(0, "bold", {"bold": True, "style": {"nested": [1, 2]}})
        elif choice == 1:
            text.insert_embed(0, {"image": "javascript:alert(1)"})
        elif choice == 2:
            text.format(0, max(1, len(text)), {"color": "red"})
        else:
            element["xml"] = XmlFragment([XmlElement("p", {"a": "b"}, [XmlText("x")])])

    def _big(self, doc: Doc) -> None:
        choice = self.rng.randrange(3)
        elements = doc.get("elements", type=Map)
        if choice == 0:
            elements[self._element_id()] = _note(self.rng, blob="x" * self.rng.choices(
                [8_000, 100_000, 600_000], [10, 3, 1])[0])
        elif choice == 1:
            elements[self._element_id()] = _note(self.rng, items=list(range(20_000)))
        else:
            elements[self._element_id()] = _note(self.rng, deep=_deep_list(
                self.rng.choice([30, 63, 64, 65, 66, 100])))

    def _many_notes(self, doc: Doc) -> None:
        elements = doc.get("elements", type=Map)
        for index in range(self.rng.choice([50, 300])):
            elements[f"fz-many-{self.rng.randrange(10**6)}-{index}"] = _note(self.rng)

    def _other_roots(self, doc: Doc) -> None:
        choice = self.rng.randrange(4)
        if choice == 0:
            doc.get("elements-but-array", type=Array).append(1)
        elif choice == 1:
            doc.get("fuzz-root", type=Map)["a"] = Map({"b": 1})
        elif choice == 2:
            doc.get("fuzz-text", type=Text).insert(0, "loose")
        else:
            doc.get("fuzz-xml", type=XmlFragment).children.append(XmlText("x"))

    def _delete_settings(self, doc: Doc) -> None:
        meta = doc.get("meta", type=Map)
        keys = list(meta.keys())
        if keys:
            del meta[self.rng.choice(keys)]
        partners = doc.get("partners", type=Map)
        if self.board.partner_ids and self.rng.random() < 0.5:
            key = self.rng.choice(self.board.partner_ids)
            if key in partners:
                del partners[key]

    def _json_values(self, doc: Doc) -> None:
        element = self._existing(doc) if self.rng.random() < 0.5 else None
        if element is None:
            element = _note(self.rng)
            doc.get("elements", type=Map)[self._element_id()] = element
        element[self.rng.choice(["extra", "from", "to", "owner", "level", "status", "kind"])] = (
            _json_value(self.rng, self.rng.randint(1, 6)))


class SeedPool:
    """Seeds shared by a round's connections, decoded once; one is replaced every few uses.

    Making a seed costs a pycrdt document (milliseconds); moving a decoded one to another
    client and clock costs one encode, so the pool keeps the fuzzer faster than the server.
    """

    def __init__(self, maker: SeedMaker, rng: random.Random, size: int = 80) -> None:
        self.maker = maker
        self.rng = rng
        self.entries = [self._entry() for _ in range(size)]
        self.uses = 0

    def _entry(self) -> tuple[str, Update, int, bool]:
        seed = self.maker.make(SEED_CLIENT)
        update = decode_update(seed.update)
        structs = [s for client, _, group in update.clients for s in group if client == SEED_CLIENT]
        small = len(structs) < 64 and len(seed.update) < 16_384
        return seed.kind, update, sum(struct_length(s) for s in structs), small

    def take(self, client: int, clock: int, small: bool = False) -> tuple[str, bytes, int]:
        """A seed as ``client`` would send it next (its clocks from ``clock``), and its length.

        ``small``: one that is cheap to decode again (for the structured mutations)."""
        self.uses += 1
        if self.uses % 25 == 0:
            self.entries[self.rng.randrange(len(self.entries))] = self._entry()
        while True:
            kind, update, length, is_small = self.rng.choice(self.entries)
            if is_small or not small:
                return kind, encode_update(update, (SEED_CLIENT, client, clock)), length
