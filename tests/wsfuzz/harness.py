"""The fuzz run: a live server, rounds of fuzz connections on one board, and the checks.

Each round creates a fresh target board, puts a witness (facilitator) on it, builds seeds from
its real state and sends inputs from several connections of one role in parallel. Every
``check_every`` inputs the connections pause and the checks run:

* the server process is alive and its log has no traceback or error line;
* the board nobody fuzzes is unchanged, and its witness got nothing;
* the witness on the fuzzed board is still connected, its next edit reaches a fresh reader
  (no one took its Yjs client id), and the fresh reader holds what the witness holds;
* nothing the fuzz role may not do happened: an observer changed nothing at all; a participant
  changed no meta or partners and marked no element agreed or parked; no relayed content nests
  deeper than 64; the witness's presence is its own and no presence state over 8 KiB went out.
  (A facilitator round's connections share the witness's link, so to the server they are the
  witness itself: writing or showing presence under its client id is theirs to do there.)

At the end the server is stopped and started again, and the boards read back from disk must
equal what was in memory. Boards are rotated so one board does not grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from conftest import ServerProcess
from pycrdt import Map, Text
from websockets.exceptions import ConnectionClosed
from wsfuzz.connection import FuzzConnection, Stalled, Stats
from wsfuzz.frames import Input, InputSource
from wsfuzz.logscan import log_errors
from wsfuzz.seeds import Board, SeedMaker, SeedPool
from wsfuzz.witness import MAX_PRESENCE, TooDeep, Witness, shape_problem
from yclient import state_vector, wait_for

__all__ = ["FuzzRun", "Finding"]


@dataclass
class Finding:
    check: str
    detail: str
    suspects: list[Input] = field(default_factory=list)
    #: e.g. the whole traceback
    context: str = ""

    def render(self, limit: int = 600) -> str:
        lines = [f"[{self.check}] {self.detail}"]
        if self.context and limit > 10_000:
            lines += ["  | " + line for line in self.context.splitlines()]
        lines += ["  suspect " + s.describe(limit) for s in self.suspects]
        return "\n".join(lines)


@dataclass
class RoundPlan:
    role: str
    inputs: int
    seed: int
    #: This round's input families (None: the run's).
    families: tuple[str, ...] | None = None
    #: time.monotonic() after which the round stops at its next check (None: no limit). A
    #: round's inputs are held back by the server's CPU allowance, so a round may take far
    #: longer than its share of a run's time.
    deadline: float | None = None


class FuzzRun:
    def __init__(
        self,
        data_dir: Path,
        *,
        connections: int = 4,
        check_every: int = 1000,
        families: tuple[str, ...] | None = None,
        on_finding: Callable[[Finding], None] | None = None,
        stop_on_finding: bool = True,
        server_python: str | None = None,
        out_dir: Path | None = None,
    ) -> None:
        """``out_dir``: where a round that killed the server is written (hex, one frame a line,
        for ``replay.py --sequence``)."""
        self.out_dir = out_dir
        # faulthandler: a process death leaves the Python stack where it died in the log.
        self.server = ServerProcess(data_dir, env={"PYTHONFAULTHANDLER": "1"},
                                    **({"python": server_python} if server_python else {}))
        self.connections = connections
        self.check_every = check_every
        self.families = families
        self.on_finding = on_finding
        self.stop_on_finding = stop_on_finding
        self.stats = Stats()
        self.findings: list[Finding] = []
        self.deaths = 0
        self.tracebacks = 0
        self.witness_changes = 0
        #: Facilitator rounds whose witness its own link's fuzz got closed (see run_round).
        self.witness_reconnects = 0
        self._log_offset = 0
        self.other: dict[str, Any] = {}
        self.other_witness: Witness | None = None
        self.other_content: dict[str, Any] = {}
        #: board id -> content read from memory at its last check, and the boards by id
        self.final_content: dict[str, dict[str, Any]] = {}
        self.boards: dict[str, dict[str, Any]] = {}
        #: Every input of the current round, in the order sent (replayed to confirm a death).
        self.history: list[Input] = []
        self.role = ""
        #: The fuzzed board of the current round.
        self.board_id = ""
        #: The fuzzed board's state when the round started (the seeds refer to its items).
        self.base = b""

    # -- findings ---------------------------------------------------------------------------

    def _find(self, check: str, detail: str, suspects: list[Input] | None = None,
              context: str = "") -> None:
        finding = Finding(check, detail, suspects or [], context)
        self.findings.append(finding)
        if check == "process death":
            self.deaths += 1
        elif check not in ("stall", "traceback", "fuzzer error"):
            self.witness_changes += 1
            finding.detail += f" (board {self.board_id})" + self._save_history(
                self.role, check.replace(" ", "-"))
        if self.on_finding is not None:
            self.on_finding(finding)

    def _scan_log(self, suspects: list[Input]) -> None:
        with self.server.log_path.open("rb") as log:
            log.seek(self._log_offset)
            text = log.read().decode("utf-8", "replace")
            self._log_offset = log.tell()
        errors = log_errors(text)
        if errors and not self.tracebacks:
            self._save_history(self.role, "traceback")
        self.tracebacks += len(errors)
        for summary, error in {error.summary: error for error in errors}.items():
            self._find("traceback", f"the server log: {summary}", suspects, error.text)

    def _save_history(self, role: str, what: str = "death") -> str:
        if self.out_dir is None:
            return ""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        number = self.deaths + 1 if what == "death" else 1
        if what not in ("death", "traceback"):  # a witness finding: one file each
            number = self.witness_changes
        path = self.out_dir / f"{what}-{number}-{role}.hex"
        path.write_text(f"base {self.base.hex()}\n" + "".join(
            item.frame.hex() + "\n" for item in self.history if isinstance(item.frame, bytes)))
        return f"; the round's {len(self.history)} inputs are in {path}"

    async def _create_board(self, title: str) -> dict[str, Any]:
        """A new board; waits out the create rate limit (429) the way a client would."""
        body = {"canvas": "partnership-map", "title": title, "language": "en",
                "partners": [{"name": "Gemeente"}, {"name": "Zorg"}]}
        async with httpx.AsyncClient(timeout=60) as client:
            for _ in range(10):
                answer = await client.post(self.server.url + "/api/boards", json=body)
                if answer.status_code != 429:
                    break
                await asyncio.sleep(min(60.0, float(answer.headers.get("retry-after", "5"))))
        assert answer.status_code == 201, answer.text
        return answer.json()

    def _alive(self) -> bool:
        return self.server.proc is not None and self.server.proc.poll() is None

    # -- the run ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.server.start(timeout=120)
        self.other = await self._create_board("The other board")
        self.boards[self.other["id"]] = self.other
        await self.start_other()

    async def start_other(self) -> None:
        """(Re)connect the other board's witness; what it holds now is what must stay."""
        self.other_witness = await Witness(self.server.board_ws(self.other, "participant"),
                                           "other").connect()
        self.other_content = self.other_witness.content()

    async def stop(self) -> None:
        if self.other_witness is not None:
            await self.other_witness.close()
        self.server.stop()

    async def run_round(self, plan: RoundPlan) -> None:
        rng = random.Random(plan.seed)
        board = await self._create_board("Fuzzed board")
        self.boards[board["id"]] = board
        self.board_id = board["id"]
        witness = await Witness(self.server.board_ws(board, "facilitator"), "witness").connect()
        elements = witness.doc.get("elements", type=Map)
        with witness.doc.transaction():
            elements["w-note"] = Map({"kind": "note", "x": 100, "y": 100, "w": 160, "h": 100,
                                      "text": Text("witness"), "author": "w", "org": "Gemeente",
                                      "color": "#fff", "created": 1.0})
            elements["w-agreed"] = Map({"kind": "note", "x": 300, "y": 100, "w": 160, "h": 100,
                                        "text": Text("agreed"), "author": "w", "org": "Zorg",
                                        "color": "#fff", "created": 1.0, "status": "agreed"})
        # A facilitator's organisation is vouched for: the server forwards this unchanged
        # (see presence_identity).
        presence = await witness.set_presence({"user": {"name": "Witness", "org": "Gemeente"}})
        await witness.flush()
        partners = witness.doc.get("partners", type=Map)
        seeds = SeedPool(SeedMaker(Board(witness.doc.get_update(), ("w-note", "w-agreed"),
                                         tuple(partners.keys())), rng), rng)
        expected = witness.content()

        # The witness's state, read again at most every 0.2 s (decoding it per input cost the
        # fuzzer more than some inputs cost the server).
        probe: dict[str, Any] = {"at": -1.0}

        def refresh() -> None:
            if time.monotonic() - probe["at"] > 0.2:
                probe["state"], probe["clock"] = witness.doc.get_state(), witness.next_clock()
                probe["at"] = time.monotonic()

        def forged() -> tuple[int, int]:
            refresh()
            return witness.doc.client_id, probe["clock"]

        def probe_state() -> bytes:
            refresh()
            return probe["state"]

        url = self.server.board_ws(board, plan.role)
        self.history, self.role, self.base = [], plan.role, witness.doc.get_update()
        connections = [FuzzConnection(
            url, InputSource(random.Random(plan.seed * 1000 + i), seeds, forged,
                             families=plan.families or self.families),
            self.stats, probe_state, lambda: state_vector(witness.doc), self._alive,
            self.history)
            for i in range(self.connections)]
        sent, check = 0, 0
        try:
            while sent < plan.inputs and not (self.findings and self.stop_on_finding) and (
                    plan.deadline is None or time.monotonic() < plan.deadline):
                batch = min(self.check_every, plan.inputs - sent)
                share = [batch // len(connections) + (i < batch % len(connections))
                         for i in range(len(connections))]
                sends = (c.send(n) for c, n in zip(connections, share, strict=True))
                outcome = await asyncio.gather(*sends, return_exceptions=True)
                sent += batch
                suspects = [c.current for c in connections if c.current is not None]
                recent = [item for c in connections for item in c.recent[-3:]]
                if not self._alive():
                    assert self.server.proc is not None
                    self.history += [item for c in connections for item in c.in_flight]
                    saved = self._save_history(plan.role)
                    self._find("process death", f"exit status {self.server.proc.returncode} "
                               f"during a {plan.role} round{saved}", suspects)
                    self._scan_log(suspects)
                    return
                for result in outcome:
                    if isinstance(result, Stalled):
                        self._find("stall", "no answer and no close in time", [result.last])
                    elif isinstance(result, BaseException):
                        self._find("fuzzer error", repr(result), suspects)
                self._scan_log(recent)
                check += 1
                if witness.close_code == 1002 and plan.role == "facilitator":
                    # Its own link's fuzz wrote under its client id (a part that waits, or
                    # clocks past its own): the server may refuse its next edit. Not a finding
                    # (the same person broke their own client id); a fresh witness goes on.
                    self.witness_reconnects += 1
                    await witness.close()
                    witness = await Witness(self.server.board_ws(board, "facilitator"),
                                            "witness").connect()
                    await witness.set_presence(json.loads(presence))
                try:
                    await self._check(plan.role, board, witness, expected, presence, check,
                                      recent)
                except (ConnectionClosed, OSError, TimeoutError) as error:
                    self._find("witness lost", f"the check could not run: {error!r}", recent)
                    return
        finally:
            for connection in connections:
                await connection.close()
            await witness.close()

    async def _check(self, role: str, board: dict, witness: Witness, expected: dict[str, Any],
                     presence: str, check: int, recent: list[Input]) -> None:
        """Run the checks; ``expected`` tracks what the witness itself set."""
        if witness.close_code is not None:
            self._find("witness closed", f"the witness was closed with {witness.close_code} "
                       f"{witness.close_reason!r}", recent)
            return
        await witness.catch_up()
        meta = witness.doc.get("meta", type=Map)
        title = f"witness check {check}"
        note = witness.doc.get("elements", type=Map).get("w-note")
        text = note.get("text") if isinstance(note, Map) else None
        with witness.doc.transaction():
            meta["title"] = title
            if isinstance(text, Text):  # (a facilitator's fuzz may have replaced it)
                text.insert(len(text), ".")
        await witness.flush()
        expected["meta"]["title"] = title
        wanted = expected["elements"].get("w-note", {}).get("text")
        if isinstance(text, Text) and isinstance(wanted, dict) and "$text" in wanted:
            wanted["$text"] += "."
        # Someone else than the round's connections: to the server, one link from one address
        # is one person, and the board's presence it is sent (its reader's query answered
        # too) is within that person's allowance, which an observer round's queries spend.
        reader_link = "participant" if role == "observer" else "observer"
        reader = await Witness(self.server.board_ws(board, reader_link), "reader").connect()
        try:
            await self._wait(lambda: reader.doc.get("meta", type=Map).get("title") == title)
            # A facilitator round's connections come with the witness's own link: to the
            # server they are the witness (its other tab), free to write and show presence
            # under its client id, so what they do to its edits and presence is not a finding.
            same_link = role == "facilitator"
            if reader.doc.get("meta", type=Map).get("title") != title and not same_link:
                closed = (f"; the server closed the witness with {witness.close_code} "
                          f"{witness.close_reason!r}" if witness.close_code else "")
                self._find("witness edit lost", "a fresh reader does not see the witness's "
                           f"title change (someone wrote under its client id?){closed}", recent)
            await self._wait(lambda: state_vector(witness.doc) == state_vector(reader.doc))
            self._compare(role, witness, reader, expected, recent, same_link)
            await reader.query_presence()
            mine = reader.awareness.get(witness.doc.client_id)
            if mine != presence and not same_link:
                self._find("presence taken", f"the witness's presence is now {mine!r:.200}",
                           recent)
            if reader.largest_presence > MAX_PRESENCE:
                self._find("presence too large", f"a fresh reader got a presence state of "
                           f"{reader.largest_presence} bytes", recent)
            for seen in (witness, reader):
                for problem in dict.fromkeys(seen.relayed):
                    self._find("relayed", f"the {seen.name} received {problem}", recent)
                seen.relayed.clear()
            witness.largest_presence = 0
            await witness.set_presence(json.loads(presence))
            try:
                self.final_content[board["id"]] = reader.content()
            except TooDeep:  # reported by _compare; nothing to compare after a restart
                self.final_content.pop(board["id"], None)
        finally:
            await reader.close()
        await self._check_other(recent)

    async def _wait(self, condition: Callable[[], bool], limit: float = 30) -> None:
        """Wait for ``condition`` a while; the caller checks it again and reports."""
        with contextlib.suppress(AssertionError):
            await wait_for(condition, limit)

    def _compare(self, role: str, witness: Witness, reader: Witness, expected: dict[str, Any],
                 recent: list[Input], same_link: bool) -> None:
        try:
            seen, mine = reader.content(), witness.content()
        except TooDeep as error:
            self._find("too deep", f"the board holds Y types nested {error}", recent)
            return
        if seen != mine and not same_link:
            self._find("diverged", "a fresh reader and the witness hold different boards: "
                       f"{_diff(seen, mine)}", recent)
        if role == "observer" and seen != expected:
            self._find("observer changed the board", _diff(seen, expected), recent)
        if role == "participant":
            for part in ("meta", "partners"):
                if seen[part] != expected[part]:
                    self._find(f"participant changed {part}", _diff(seen[part], expected[part]),
                               recent)
            for key, element in seen["elements"].items():
                # Deleting (or replacing) a marked element is not marking; a mark is.
                status = element.get("status") if isinstance(element, dict) else None
                wanted = expected["elements"].get(key, {}).get("status")
                if status is not None and status != wanted:
                    self._find("participant set a status", f"{key}: {status!r:.100}", recent)
                problem = shape_problem(reader.doc.get("elements", type=Map).get(key))
                if problem:
                    self._find("participant made an odd element", f"{key} {problem}", recent)
        for part in ("meta", "partners"):  # a facilitator's fuzz may change them: follow it
            expected[part] = seen[part]
        expected["elements"].update(
            {k: v for k, v in seen["elements"].items() if k.startswith("w-")})

    async def _check_other(self, recent: list[Input]) -> None:
        other = self.other_witness
        assert other is not None
        if other.close_code is not None or other.updates_received or other.awareness_frames:
            self._find("other board", f"closed {other.close_code}, {other.updates_received} "
                       f"updates, {other.awareness_frames} presence frames", recent)
        reader = await Witness(self.server.board_ws(self.other, "observer"), "other-reader"
                               ).connect()
        try:
            if reader.content() != self.other_content:
                self._find("other board", _diff(reader.content(), self.other_content), recent)
            self.final_content[self.other["id"]] = reader.content()
        finally:
            await reader.close()

    async def check_restart(self) -> None:
        """Stop the server (it compacts), start it again: what it reads back is what it held."""
        if self.other_witness is not None:
            await self.other_witness.close()
            self.other_witness = None
        self._scan_log([])
        self.server.terminate()
        self.server.start(timeout=120)
        self._log_offset = 0
        for board_id, content in self.final_content.items():
            board = self.boards[board_id]
            try:
                reader = await Witness(self.server.board_ws(board, "observer"),
                                       "after-restart").connect()
            except (OSError, TimeoutError) as error:
                self._find("stored board does not load", f"board {board_id}: {error}")
                continue
            try:
                if reader.content() != content:
                    self._find("stored differs", f"board {board_id} after a restart: "
                               f"{_diff(reader.content(), content)}")
            finally:
                await reader.close()
        self._scan_log([])

    def restart_after_death(self) -> None:
        self.server.kill()
        self.server.start(timeout=120)
        self._log_offset = 0


def _diff(seen: Any, wanted: Any) -> str:
    """The first difference between two plain values, briefly."""
    if isinstance(seen, dict) and isinstance(wanted, dict):
        for key in sorted(set(seen) | set(wanted), key=str):
            if seen.get(key, "<absent>") != wanted.get(key, "<absent>"):
                return f"{key}: " + _diff(seen.get(key, "<absent>"), wanted.get(key, "<absent>"))
    shown = json.dumps(seen, default=str)[:200]
    return f"{shown} instead of {json.dumps(wanted, default=str)[:200]}"
