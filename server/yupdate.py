"""A bounded reader for Yjs v1 updates, run before pycrdt sees a client's bytes.

pycrdt's native decoder recurses once per level of nested "any" content and has no depth limit:
a 60 KB update holding a value nested 30,000 deep overflows its stack and kills the process. So
every update (and SyncStep2) a client sends is first walked by :func:`read_update` (in C, in
update_reader.c, which follows the format below), with explicit bounds: nesting deeper than
:data:`MAX_DEPTH` levels, counts that the remaining bytes cannot hold, clocks beyond what yrs
stores in 32 bits, or bytes that do not parse exactly raise :class:`UpdateRejected`
and nothing is applied.

The walk also yields what the room needs to judge the update without applying it: which
client ids it writes (and their clock ranges), which items it refers to (to know whether it
would wait on missing parents), what it deletes, and how many new entries it adds to a root map.

The format, as written by Yjs ``UpdateEncoderV1`` and read by ``readClientsStructRefs``,
``readItemContent`` and ``readDeleteSet``:

* structs: ``varUint`` number of clients; per client ``varUint`` number of structs, ``varUint``
  client, ``varUint`` first clock, then the structs. A struct starts with an info byte whose low
  five bits name it: 0 GC and 10 Skip (a ``varUint`` length each), else an Item with that
  content. An Item has an origin ID when bit 8 is set, a right origin ID when bit 7 is set; when
  neither, a parent (``varUint`` 1 then a root type name, or 0 then an ID) and, when bit 6 is
  set, a parent key. Content: 1 Deleted (length), 2 JSON (count, then JSON strings), 3 Binary
  (bytes), 4 String, 5 Embed (JSON string), 6 Format (key, JSON string), 7 Type (type ref, a
  name for XmlElement and XmlHook), 8 Any (count, then lib0 "any" values), 9 Doc (guid, any).
  Embed, Format, Doc and the XML types are refused: a board holds none (DESIGN.md section 6).
* the delete set: ``varUint`` number of clients; per client ``varUint`` client, ``varUint``
  number of ranges, each ``varUint`` clock and ``varUint`` length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import update_reader
from .json_depth import MAX_DEPTH, json_depth_exceeds

__all__ = ["MAX_DEPTH", "UpdateRejected", "UpdateTooBig", "UpdateSummary", "read_update",
           "json_depth_exceeds"]

#: yrs keeps clocks and lengths in 32 bits, and panics when an update waits on a gap of more
#: than 2**31 (found by the WebSocket fuzzer); no real client gets near either. Yjs client ids
#: are at most 53 bits.
MAX_CLOCK = 2**31 - 1
MAX_CLIENT = 2**53 - 1


class UpdateRejected(ValueError):
    """The update is malformed or nested too deep; close with 1002."""

    code = 1002


class UpdateTooBig(UpdateRejected):
    """A size in the update is over a limit; close with 1009."""

    code = 1009


@dataclass
class UpdateSummary:
    """What an update writes and refers to, read without applying it."""

    #: client id -> (first clock, clock after the last struct) of the structs it carries.
    writes: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: Client ids whose structs have a hole (a Skip): those would wait for the missing part.
    gaps: set[int] = field(default_factory=set)
    #: IDs of other items the update's items are placed against (origins and parents).
    refs: list[tuple[int, int]] = field(default_factory=list)
    #: client id -> the clock after the last deleted range the update names for it.
    deletes: dict[int, int] = field(default_factory=dict)
    #: root type name -> how many items are added directly under a key of that root map.
    root_keys: dict[str, int] = field(default_factory=dict)
    #: Every root type the update places an item in directly (map entries and sequences).
    roots: set[str] = field(default_factory=set)
    #: How many items the update carries (GC and Skip not counted).
    items: int = 0
    #: IDs of the shared types (maps, arrays, texts) the update creates.
    types: list[tuple[int, int]] = field(default_factory=list)
    #: IDs the update names as an item's parent: each must be a shared type (see Room).
    parents: list[tuple[int, int]] = field(default_factory=list)
    #: Positions (client, clock) between the two UTF-16 halves of a character the update's
    #: strings carry (an emoji): no item may be split there (see :func:`split_points`).
    inside_pairs: list[tuple[int, int]] = field(default_factory=list)
    #: Positions (client, clock) where applying the update splits an item: after an origin,
    #: before a right origin, and at both ends of each deleted range.
    splits: list[tuple[int, int]] = field(default_factory=list)
    #: Items that arrive already deleted (client, first clock, end): their content is gone,
    #: so whether they were types is unknown; yrs accepts them as (deleted) parents.
    dead: list[tuple[int, int, int]] = field(default_factory=list)
    #: An item refers to a later item of its own client in the update, or to an item of
    #: another client the update writes. Only then can applying it leave a part waiting once
    #: everything it refers to outside itself is there (see :mod:`.client_ids`): Yjs writes
    #: each client's items in clock order, each placed against earlier ones.
    may_wait: bool = False
    #: Items placed under a key written out (client, clock, end): the first value of a map key.
    keyed: list[tuple[int, int, int]] = field(default_factory=list)
    #: Items placed after an origin (client, clock, end, origin client, origin clock): a map
    #: value set again after the one before, or a character after another.
    placed: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    #: Items placed before a right origin (client, clock, right client, right clock): only a
    #: sequence's items have one (see DocIndex.misplaced).
    rights: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: Items holding String content (client, clock): only a text's characters do.
    strings: list[tuple[int, int]] = field(default_factory=list)

    def written_clients(self) -> set[int]:
        return set(self.writes)


update_reader.configure(UpdateRejected, UpdateTooBig, json_depth_exceeds, MAX_DEPTH)


def read_update(data: bytes, *, max_string: int = 1 << 20) -> UpdateSummary:
    """Walk a v1 update completely; raise :class:`UpdateRejected` unless it parses exactly.

    ``max_string`` bounds any single string or binary value (1009 when over). The walk is
    C (update_reader.c): 44 of the 400 us of an edit's server time in Python, under 2 in C.
    """
    return UpdateSummary(*update_reader.read(data, max_string))
