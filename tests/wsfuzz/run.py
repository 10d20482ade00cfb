"""``make fuzz``: a long fuzz run of the WebSocket endpoint against a live server.

Sends at least ``--inputs`` inputs (default 1,000,000) in rounds that cycle the fuzz role
(participant, observer, facilitator), each on a fresh board, and prints a summary line at the
end: inputs by kind, closes by code, process deaths, tracebacks, witness changes, inputs/s.
Findings are printed as they come and written to ``--findings`` (a process death restarts the
server and the run goes on). Exit status 1 when anything was found.

Reproduce a run with ``--seed``; the run is deterministic up to the timing between connections.

``--processes`` (default 2) splits the inputs over that many runs at once, each with its own
server, seed (``--seed`` + i) and findings file, so both cores of a small machine fuzz: the
server is one process and the run's checks mostly wait for it. The last line adds them up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from wsfuzz.harness import Finding, FuzzRun, RoundPlan  # noqa: E402
from wsfuzz.summary import summary_line  # noqa: E402

ROLES = ("participant", "observer", "participant", "facilitator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs to send at least")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--connections", type=int, default=6, help="fuzz connections at once")
    parser.add_argument("--round", type=int, default=25_000, help="inputs per board")
    parser.add_argument("--check-every", type=int, default=2_500, help="inputs between checks")
    parser.add_argument("--max-minutes", type=float, default=150, help="stop after this long")
    parser.add_argument("--families", default=None,
                        help="only these input families, comma-separated (default: all)")
    parser.add_argument("--server-python", default=None,
                        help="the interpreter that runs the server (another checkout's venv)")
    parser.add_argument("--findings", type=Path, default=HERE / "out" / "findings.txt")
    parser.add_argument("--processes", type=int, default=2,
                        help="runs at once, each with its own server (default 2: one a core)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the server's data here, to read the boards' stored updates "
                             "after a finding (default: a temporary directory, removed)")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz: seed {seed}, {args.inputs} inputs, {args.connections} connections", flush=True)
    args.findings.parent.mkdir(parents=True, exist_ok=True)
    findings = args.findings.open("w")

    def report(finding: Finding) -> None:
        print(finding.render(120)[:1500], flush=True)
        findings.write(finding.render(2_000_000) + "\n\n")
        findings.flush()

    deadline = time.monotonic() + args.max_minutes * 60
    with contextlib.ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="pb-fuzz-")))
        run = FuzzRun(data_dir, connections=args.connections, check_every=args.check_every,
                      on_finding=report, stop_on_finding=False,
                      families=tuple(args.families.split(",")) if args.families else None,
                      server_python=args.server_python, out_dir=args.findings.parent)
        await run.start()
        try:
            number = 0
            while run.stats.total < args.inputs and time.monotonic() < deadline:
                role = ROLES[number % len(ROLES)]
                # The facilitator's inputs are mostly accepted, so the board grows fast (and a
                # refused one reloads it): shorter rounds keep it the size of a real board.
                size = args.round // 5 if role == "facilitator" else args.round
                size = min(size, args.inputs - run.stats.total)
                deaths = run.deaths
                await run.run_round(RoundPlan(role, size, seed + number, deadline=deadline))
                if run.deaths > deaths:
                    run.restart_after_death()
                    await run.start_other()
                number += 1
                print(f"  {summary_line(run)}", flush=True)
            await run.check_restart()
        finally:
            await run.stop()
    print(summary_line(run), flush=True)
    findings.close()
    return 1 if run.findings else 0


#: The counts of a summary line that the runs' total adds up.
TOTALS = ("inputs sent", "process deaths", "tracebacks", "witness changes", "findings")


def in_parallel(args: argparse.Namespace, argv: list[str]) -> int:
    """Start ``args.processes`` runs of this script, each a share of the inputs; wait for all,
    print each one's last line and their totals."""
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    share = -(-args.inputs // args.processes)
    runs = []
    for number in range(args.processes):
        findings = args.findings.with_name(f"{args.findings.stem}-{number}{args.findings.suffix}")
        extra = ["--data-dir", str(args.data_dir / str(number))] if args.data_dir else []
        command = [sys.executable, __file__, *argv, "--processes", "1", "--inputs", str(share),
                   "--seed", str(seed + number), "--findings", str(findings), *extra]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    print(f"fuzz: {args.processes} runs at once, seeds {seed}..{seed + args.processes - 1}, "
          f"{share} inputs each", flush=True)
    lasts = [""] * len(runs)

    def relay(number: int, run: subprocess.Popen[str]) -> None:
        assert run.stdout is not None
        for line in run.stdout:
            print(f"[{number}] {line}", end="", flush=True)
            lasts[number] = line.strip()

    relays = [threading.Thread(target=relay, args=item) for item in enumerate(runs)]
    for thread in relays:
        thread.start()
    for thread, run in zip(relays, runs, strict=True):
        thread.join()
        run.wait()
    totals = {name: sum(int(m.group(1)) for last in lasts
                        if (m := re.search(rf"{name} (\d+)", last))) for name in TOTALS}
    print("all runs: " + ", ".join(f"{name} {count}" for name, count in totals.items()))
    return max(run.returncode for run in runs)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.processes > 1:
        sys.exit(in_parallel(arguments, sys.argv[1:]))
    sys.exit(asyncio.run(main(arguments)))
