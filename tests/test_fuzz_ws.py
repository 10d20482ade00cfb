"""The WebSocket fuzz target, short form (issue 9; ``make fuzz`` runs the long one).

Inputs go to a live server, into one board, from three connections at once, in three rounds: as
a participant, as an observer and as the facilitator. Checked after every few hundred inputs and
at the end (see tests/wsfuzz/harness.py): no process death, no traceback or error in the server
log, the other board unchanged, the witness on the fuzzed board still syncing and seeing only
what a client of that role may do, and after a restart the stored boards equal what the server
held. Two passes: a fixed seed, and a random one that is printed (set PARTNERBOARD_FUZZ_SEED to
replay it).

Excluded here for now, because main still fails them (each is written up with reproducers in
the fuzz findings; ``make fuzz`` and ``tests/wsfuzz/run.py --families`` run them):

* document updates, valid and mutated (families ``seed``, ``mutated``, ``bytes``, ``step2``): an
  Any value nested 30,000 deep kills the process; pycrdt's RuntimeError "block parent must be
  deleted or shared ref type" escapes as a traceback and leaves half an update in memory; a
  stored update that can no longer be replayed breaks the board's reload;
* presence (family ``awareness``): deep JSON ends in a RecursionError traceback, anyone can take
  or erase another client's presence, states over 8 KiB and NaN (which JSON.parse refuses) are
  passed on.

What runs here: broken framing (random bytes, unknown message and sync types, wrong lengths,
trailing bytes, overlong varints, an Any value nested 30,000 deep straight under a root), text
frames, auth messages, presence queries, SyncStep1 with odd state vectors and oversized frames.
When the sync-side fixes are on main, widen ``FAMILIES`` to every family (None).
"""

from __future__ import annotations

import asyncio
import os
import random

import pytest
from wsfuzz.harness import FuzzRun, RoundPlan

FIXED_SEED = 20261130
ROUNDS = (("participant", 300), ("observer", 150), ("facilitator", 150))
FAMILIES = ("framing", "text", "auth", "query-awareness", "step1", "oversized")


@pytest.mark.timeout(900)
def test_fuzzed_frames_break_nothing_and_change_only_what_the_role_may(tmp_path):
    chosen = os.environ.get("PARTNERBOARD_FUZZ_SEED")
    seeds = (FIXED_SEED, int(chosen) if chosen else random.randrange(2**32))
    print(f"fuzz seeds {seeds} (replay the second with PARTNERBOARD_FUZZ_SEED={seeds[1]})")
    run = FuzzRun(tmp_path / "data", connections=3, check_every=300, families=FAMILIES,
                  stop_on_finding=True)

    async def scenario() -> None:
        await run.start()
        try:
            for seed in seeds:
                for number, (role, count) in enumerate(ROUNDS):
                    if not run.findings:
                        await run.run_round(RoundPlan(role, count, seed + number))
            if not run.findings:
                await run.check_restart()
        finally:
            await run.stop()

    asyncio.run(scenario())
    report = "\n\n".join(finding.render() for finding in run.findings[:8])
    assert not run.findings, f"seeds {seeds}, {run.stats.total} inputs:\n{report}"
    assert run.stats.total == 2 * sum(count for _, count in ROUNDS)
    # The inputs reached the server: the broken ones closed their connections.
    assert run.stats.closes and run.stats.connections > 1
