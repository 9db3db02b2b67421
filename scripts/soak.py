#!/usr/bin/env python3
"""`make soak`: the hard cases at full length, then their figures written into
docs/reliability.md (between the "figures" markers), with the machine and the date.

  scripts/soak.py PORTICO_BINARY [--seeds N] [--fuzz N] [--every-call]

Runs Tests/Support/hard_cases.py: faults with N seeds (default 10) at 25 %, the give-up case,
apply and destroy interrupted by SIGINT and SIGKILL at many calls (--every-call: at every
call of the run), the secrets check; and the stack-reader fuzzer with --fuzz inputs (default
20000). Stops at the first failure, naming it, and leaves the document alone."""
import argparse, datetime, json, os, platform, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARD = os.path.join(ROOT, "Tests/Support/hard_cases.py")
DOC = os.path.join(ROOT, "docs/reliability.md")
START, END = "<!-- figures: written by make soak -->", "<!-- end of figures -->"


def run(arguments, stats):
    print("soak:", " ".join(arguments), file=sys.stderr, flush=True)
    result = subprocess.run([sys.executable, HARD] + arguments + ["--stats", stats], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"soak: FAILED: {' '.join(arguments)}")


def fuzz(iterations, seed):
    stats = tempfile.mktemp(suffix=".json")
    environment = dict(os.environ, PORTICO_FUZZ_ITERATIONS=str(iterations), PORTICO_FUZZ_SEED=str(seed), PORTICO_FUZZ_STATS=stats)
    print(f"soak: fuzz {iterations} inputs, seed {seed}", file=sys.stderr, flush=True)
    result = subprocess.run(["swift", "test", "--disable-xctest", "--filter", "FuzzTests"], cwd=ROOT, env=environment,
                            stdout=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"soak: FAILED: the fuzzer (seed {seed}); reproduce with PORTICO_FUZZ_SEED={seed} PORTICO_FUZZ_ITERATIONS={iterations} swift test --filter FuzzTests")
    return json.load(open(stats))


def machine():
    cpus = os.cpu_count()
    memory = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    moto = subprocess.run([sys.executable, "-c", "import moto; print(moto.__version__)"], capture_output=True, text=True).stdout.strip()
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs{memory}; moto {moto}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("portico")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--fuzz", type=int, default=20000)
    parser.add_argument("--every-call", action="store_true")
    options = parser.parse_args()
    stats_file = tempfile.mktemp(suffix=".json")
    common = ["--portico", os.path.abspath(options.portico)]
    run(["faults", "--seeds", ",".join(str(100 + i) for i in range(options.seeds)), "--rate", "0.25"] + common, stats_file)
    run(["lost-answers"] + common, stats_file)
    run(["give-up"] + common, stats_file)
    points = "200" if options.every_call else "12"
    for command in ("apply", "destroy"):
        for signal_name in ("INT", "KILL"):
            run(["interrupt", "--command", command, "--signal", signal_name, "--points", points] + common, stats_file)
    run(["secrets"] + common, stats_file)
    scenarios = json.load(open(stats_file))
    seed = int(datetime.datetime.now().strftime("%Y%m%d"))
    fuzzed = fuzz(options.fuzz, seed)

    faults = next(s for s in scenarios if s["scenario"] == "faults")
    give_up = next(s for s in scenarios if s["scenario"] == "give-up")
    lost = next(s for s in scenarios if s["scenario"] == "lost-answers")
    interrupts = [s for s in scenarios if s["scenario"].startswith("interrupt")]
    secrets = next(s for s in scenarios if s["scenario"] == "secrets")
    lines = [
        START,
        f"Last run: {datetime.date.today().isoformat()}, `make soak`, on {machine()}.",
        "",
        "| What | Figures |",
        "|---|---|",
        f"| Faults | {options.seeds} seeds at 25 %: {faults['calls']} calls, {faults['faults']} faults injected "
        f"({', '.join(f'{k} {v}' for k, v in sorted(faults['fault_kinds'].items()))}); "
        f"{sum(faults['lost_write_answers'].values())} changes carried out whose answer was lost, "
        f"{faults['adopted_after_lost_create']} creates found by their tags instead of made twice; every apply, plan, drift and destroy converged |",
        f"| Lost answers | the first answer of each of {', '.join(lost['operations'])} lost, by a reset and by a cut body: "
        f"{lost['lost']} lost, {lost['adopted']} creates found by their tags, one of everything |",
        f"| Giving up | every call failing: `{give_up['error']}`, {give_up['seconds']} s |",
    ]
    for s in interrupts:
        lines.append(f"| {s['scenario'].replace('interrupt-', 'Interrupted ').replace('-', ' by SIG')} | {s['interruptions']} points "
                     f"over a run of {s['calls_per_run']} calls; outcomes {', '.join(f'{k}: {v}' for k, v in sorted(s['outcomes'].items()))}; "
                     f"every re-run converged |")
    lines += [
        f"| Secrets | {secrets['commands']} commands with `--debug`, {secrets['signatures_checked']} request signatures, "
        f"{secrets['outputs_checked']} outputs and plan files searched: none printed |",
        f"| Fuzzed stack files | {fuzzed['inputs']} inputs (seed {fuzzed['seed']}): {fuzzed['accepted']} accepted, {fuzzed['rejected']} "
        f"rejected with located errors, {fuzzed['failures']} failures |",
        "| Lost | duplicates 0, orphans 0, resources missing after a re-run 0 |",
        END,
    ]
    text = open(DOC).read()
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    open(DOC, "w").write(head + "\n".join(lines) + tail)
    print("\n".join(lines[1:-1]))


if __name__ == "__main__":
    main()
