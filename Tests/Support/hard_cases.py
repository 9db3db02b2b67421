#!/usr/bin/env python3
"""Hard cases for Portico, run against moto with the built binary and checked with boto3
(census.py), never with Portico's own reading of AWS.

  hard_cases.py faults    --seeds 1,2 [--rate 0.25]   apply, plan, drift, destroy through the fault proxy
  hard_cases.py lost-answers                          the first answer of each create is lost
  hard_cases.py give-up                               every call fails: a bounded, named error
  hard_cases.py interrupt --signal INT|KILL --points N|--at 3,20 [--command apply|destroy]
  hard_cases.py secrets                               every command with --debug leaks nothing

Common: --portico BIN (default .build/debug/portico), --stack FILE (default
stacks/askmeanything.yaml), --stats FILE (the figures, as JSON, added to the file's list).
Exits 1 naming the first check that failed. Each scenario starts its own moto on a free port.
"""
import argparse, collections, json, os, re, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ZONE = "askmeanything.com"


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """One moto with the example's pre-existing world, and a way to run Portico against it."""

    def __init__(self, options, scratch):
        self.options, self.scratch = options, scratch
        self.port = free_port()
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-2",
                        AWS_DEFAULT_REGION="ap-northeast-2", HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null",
                        AWS_SHARED_CREDENTIALS_FILE="/dev/null", NO_COLOR="1", MOTO_ACM_VALIDATION_WAIT="1")
        self.env.pop("AWS_SESSION_TOKEN", None)
        self.env.pop("AWS_PROFILE", None)
        self.moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                check(time.time() < deadline and self.moto.poll() is None, "moto_server did not start")
                time.sleep(0.1)
        self.env["AWS_ENDPOINT_URL"] = self.url
        subprocess.run([sys.executable, os.path.join(HERE, "demo_world.py")], env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.proxies = []

    def close(self):
        for proxy in self.proxies:
            proxy.kill()
            proxy.wait()
        self.moto.kill()
        self.moto.wait()

    def proxy(self, log, seed=1, rate=0.0, kinds=None, max_run=3, signatures=None, force=None):
        """The fault proxy in front of this moto; returns its URL."""
        arguments = [sys.executable, os.path.join(HERE, "fault_proxy.py"), self.url, log, "--seed", str(seed), "--rate", str(rate), "--max-run", str(max_run)]
        if kinds:
            arguments += ["--kinds", kinds]
        if signatures:
            arguments += ["--signatures", signatures]
        if force:
            arguments += ["--force", force]
        process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.proxies.append(process)
        return f"http://127.0.0.1:{int(process.stdout.readline())}"

    def portico_args(self, arguments):
        return [self.options.portico] + arguments

    def run(self, arguments, endpoint=None, env=None, timeout=300):
        environment = dict(self.env, **(env or {}))
        environment["AWS_ENDPOINT_URL"] = endpoint or self.url
        return subprocess.run(self.portico_args(arguments), env=environment, capture_output=True, text=True, timeout=timeout)

    def start(self, arguments, endpoint=None):
        environment = dict(self.env, AWS_ENDPOINT_URL=endpoint or self.url)
        return subprocess.Popen(self.portico_args(arguments), env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def census(self):
        output = subprocess.run([sys.executable, os.path.join(HERE, "census.py"), ZONE], env=self.env, capture_output=True, text=True, check=True)
        return json.loads(output.stdout)

    def apply_args(self):
        return ["apply", "--auto-approve", "--poll-seconds", "0.2", self.options.stack]

    def destroy_args(self):
        return ["destroy", "--auto-approve", "--poll-seconds", "0.2", self.options.stack]


def must_succeed(result, what):
    check(result.returncode == 0, f"{what} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def difference(expected, actual):
    """The first kind whose contents differ, for a readable failure."""
    for kind in sorted(set(expected) | set(actual)):
        if expected.get(kind) != actual.get(kind):
            return f"{kind}:\n  expected {json.dumps(expected.get(kind))[:1500]}\n  live     {json.dumps(actual.get(kind))[:1500]}"
    return "no difference"


def same_state(expected, actual, what):
    check(expected == actual, f"{what}: AWS does not hold what an uninterrupted run leaves: {difference(expected, actual)}")


def duplicates(census):
    """Names that appear more than once within a kind (a second copy of a resource)."""
    found = []
    for kind, key in (("security_groups", "name"), ("target_groups", "name"), ("load_balancers", "name"), ("certificates", "domain")):
        # Every VPC has its own group named default.
        counts = collections.Counter(item[key] for item in census[kind] if not (kind == "security_groups" and item[key] == "default"))
        found += [f"{kind} {name} x{count}" for name, count in counts.items() if count > 1]
    for lb in census["load_balancers"]:
        counts = collections.Counter(listener["port"] for listener in lb["listeners"])
        found += [f"listener {lb['name']}:{port} x{count}" for port, count in counts.items() if count > 1]
    return found


def lock_records(census):
    return [r for r in census["records"] if r["name"].startswith("_portico-lock.")]


def read_log(path):
    calls, faults = 0, collections.Counter()
    if os.path.exists(path):
        for line in open(path):
            entry = json.loads(line)
            calls += 1
            if entry["fault"]:
                faults[entry["fault"]] += 1
    return calls, faults


def lost_write_answers(path):
    """Changes the emulator carried out whose answer never reached Portico: the retries that
    must not make a second resource."""
    lost = collections.Counter()
    for line in open(path):
        entry = json.loads(line)
        operation = entry["operation"] or ""
        if entry["fault"] in ("reset-after", "truncate") and not operation.startswith(("Describe", "List", "Get")):
            lost[operation] += 1
    return lost


def references(world):
    """The census of the account before the stack, and after an uninterrupted apply."""
    empty = world.census()
    must_succeed(world.run(world.apply_args()), "reference apply")
    applied = world.census()
    check(not duplicates(applied), f"reference apply made duplicates: {duplicates(applied)}")
    must_succeed(world.run(world.destroy_args()), "reference destroy")
    same_state(empty, world.census(), "reference destroy")
    return empty, applied


# MARK: Scenarios

def faults(world, options, stats):
    empty, applied = references(world)
    totals, lost, adopted = collections.Counter(), collections.Counter(), 0
    calls = 0
    for seed in [int(s) for s in options.seeds.split(",")]:
        log = os.path.join(world.scratch, f"faults-{seed}.log")
        endpoint = world.proxy(log, seed=seed, rate=options.rate)
        result = world.run(world.apply_args(), endpoint)
        must_succeed(result, f"apply with faults (seed {seed})")
        adopted += result.stderr.count("made by an earlier attempt whose answer was lost")
        state = world.census()
        check(not duplicates(state), f"seed {seed}: duplicates after apply: {duplicates(state)}")
        same_state(applied, state, f"seed {seed}: apply with faults")
        plan = world.run(["plan", "--detailed-exitcode", options.stack], endpoint)
        check(plan.returncode == 0, f"seed {seed}: plan after apply with faults exited {plan.returncode} (0 = no changes):\n{plan.stdout[-2000:]}\n{plan.stderr[-2000:]}")
        drift = world.run(["drift", options.stack], endpoint)
        check(drift.returncode == 0, f"seed {seed}: drift after apply with faults exited {drift.returncode}:\n{drift.stdout[-2000:]}")
        must_succeed(world.run(world.destroy_args(), endpoint), f"destroy with faults (seed {seed})")
        same_state(empty, world.census(), f"seed {seed}: destroy with faults")
        seed_calls, seed_faults = read_log(log)
        check(seed_calls and sum(seed_faults.values()) >= options.rate * seed_calls * 0.5,
              f"seed {seed}: the proxy injected {sum(seed_faults.values())} faults in {seed_calls} calls; the schedule did not run")
        calls += seed_calls
        totals.update(seed_faults)
        lost.update(lost_write_answers(log))
        print(f"seed {seed}: {seed_calls} calls, {sum(seed_faults.values())} faults, converged", file=sys.stderr)
    stats.update(scenario="faults", seeds=options.seeds, rate=options.rate, calls=calls, faults=sum(totals.values()),
                 fault_kinds=dict(totals), lost_write_answers=dict(lost), adopted_after_lost_create=adopted, duplicates=0, lost=0)


# The creates of one apply, and the lock's CREATE (the first ChangeResourceRecordSets).
LOST_ANSWERS = ["CreateSecurityGroup", "CreateTargetGroup", "CreateLoadBalancer", "CreateListener", "RequestCertificate",
                "ChangeResourceRecordSets", "AuthorizeSecurityGroupIngress"]


def lost_answers(world, options, stats):
    """Each create is carried out by moto and its answer lost, half by a reset, half cut short:
    apply must finish with exactly one of everything (moto, unlike AWS, makes a second load
    balancer with the same name when asked again)."""
    empty, applied = references(world)
    adopted = 0
    for fault in ("reset-after", "truncate"):
        log = os.path.join(world.scratch, f"lost-{fault}.log")
        endpoint = world.proxy(log, force=",".join(f"{operation}={fault}" for operation in LOST_ANSWERS))
        result = world.run(world.apply_args(), endpoint)
        must_succeed(result, f"apply with the first answer of each create lost ({fault})")
        state = world.census()
        check(not duplicates(state), f"{fault}: duplicates: {duplicates(state)}")
        same_state(applied, state, f"apply with lost answers ({fault})")
        lost = lost_write_answers(log)
        check(set(LOST_ANSWERS) <= set(lost), f"{fault}: not every create lost its answer: {dict(lost)}")
        adopted += result.stderr.count("made by an earlier attempt whose answer was lost")
        must_succeed(world.run(world.destroy_args()), f"destroy after lost answers ({fault})")
        same_state(empty, world.census(), f"destroy after lost answers ({fault})")
    # The security group, target group, load balancer and listener are found by their tags.
    check(adopted >= 2 * 4, f"only {adopted} creates were found by their tags after a lost answer")
    stats.update(scenario="lost-answers", operations=LOST_ANSWERS, lost=2 * len(LOST_ANSWERS), adopted=adopted, duplicates=0)


def give_up(world, options, stats):
    empty = world.census()
    log = os.path.join(world.scratch, "give-up.log")
    endpoint = world.proxy(log, rate=1.0, max_run=0, kinds="throttle,500,503,reset")
    started = time.time()
    result = world.run(world.apply_args(), endpoint, timeout=600)
    seconds = time.time() - started
    output = result.stdout + result.stderr
    check(result.returncode == 1, f"apply with every call failing exited {result.returncode}:\n{output[-2000:]}")
    named = re.search(r"(route53|sts|ec2|elbv2|acm) (\w+) (?:failed|gave up) after (\d+) attempts", output)
    check(named is not None, f"the error does not name the call and its attempts:\n{output[-2000:]}")
    check(seconds < 130, f"gave up after {seconds:.0f} s, beyond the 120 s retry budget")
    same_state(empty, world.census(), "apply that gave up")
    calls, kinds = read_log(log)
    stats.update(scenario="give-up", calls=calls, faults=sum(kinds.values()), seconds=round(seconds, 1),
                 error=named.group(0), attempts=int(named.group(3)))


def interrupt(world, options, stats):
    empty, applied = references(world)
    destroying = options.command == "destroy"
    # The calls of one uninterrupted run, counted by the proxy, to spread the points over.
    log = os.path.join(world.scratch, "count.log")
    if destroying:
        must_succeed(world.run(world.apply_args()), "apply before counting destroy")
    must_succeed(world.run(world.destroy_args() if destroying else world.apply_args(), world.proxy(log)), "counted run")
    total, _ = read_log(log)
    if not destroying:
        must_succeed(world.run(world.destroy_args()), "destroy after counting")
    points = sorted({max(1, round(total * (i + 1) / (options.points + 1))) for i in range(options.points)})
    if options.at:
        points = sorted({int(p) for p in options.at.split(",")})
    signal_number = signal.SIGINT if options.signal == "INT" else signal.SIGKILL
    outcomes = collections.Counter()
    for point in points:
        if destroying:
            must_succeed(world.run(world.apply_args()), f"apply before destroy interrupted at call {point}")
        log = os.path.join(world.scratch, f"interrupt-{point}.log")
        endpoint = world.proxy(log)
        process = world.start(world.destroy_args() if destroying else world.apply_args(), endpoint)
        deadline = time.time() + 120
        while process.poll() is None and read_log(log)[0] < point and time.time() < deadline:
            time.sleep(0.002)
        sent = process.poll() is None
        if sent:
            process.send_signal(signal_number)
        stdout, stderr = process.communicate(timeout=300)
        where = f"{options.command} interrupted by SIG{options.signal} at call {point}"
        outcomes["killed" if process.returncode == -signal.SIGKILL else f"exit {process.returncode}"] += 1
        if sent and signal_number == signal.SIGINT:
            check(process.returncode in (0, 130), f"{where}: exited {process.returncode}:\n{stdout[-2000:]}\n{stderr[-2000:]}")
            if process.returncode == 130:
                check("Interrupted:" in stdout or "stopped before changing anything" in stderr,
                      f"{where}: no summary of what was done:\n{stdout[-2000:]}\n{stderr[-2000:]}")
            check(not lock_records(world.census()), f"{where}: the lock was left behind: {lock_records(world.census())}")
        partial = world.census()
        check(not duplicates(partial), f"{where}: duplicates: {duplicates(partial)}")
        again = world.run(world.destroy_args() if destroying else world.apply_args())
        must_succeed(again, f"{where}: the run after")
        state = world.census()
        same_state(empty if destroying else applied, state, f"{where}, then run again")
        if not destroying:
            must_succeed(world.run(world.destroy_args()), f"{where}: destroy to start over")
            same_state(empty, world.census(), f"{where}: destroy to start over")
        print(f"{where}: exit {process.returncode}, converged on the next run", file=sys.stderr)
    stats.update(scenario=f"interrupt-{options.command}-{options.signal}", calls_per_run=total, interruptions=len(points),
                 points=points, outcomes=dict(outcomes), duplicates=0, orphaned=0)


SECRET_KEY = "PorticoSecretKey/DoNotPrint+0123456789abcdefXYZ"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjPorticoSessionToken/DoNotPrint+9876543210zyxwvut=="


def secrets(world, options, stats):
    signatures = os.path.join(world.scratch, "signatures.txt")
    endpoint = world.proxy(os.path.join(world.scratch, "secrets.log"), signatures=signatures)
    env = {"AWS_ACCESS_KEY_ID": "AKIAPORTICOTESTKEY01", "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_SESSION_TOKEN": SESSION_TOKEN}
    plan_file = os.path.join(world.scratch, "plan.json")
    stack = options.stack
    commands = [
        # validate and version make no AWS call and have no --debug.
        ["validate", stack], ["validate", "--format", "json", stack],
        ["plan", "--debug", stack], ["plan", "--debug", "--json", stack], ["plan", "--debug", "--format", "markdown", stack],
        ["plan", "--debug", "--out", plan_file, stack], ["apply", "--debug", "--auto-approve", "--poll-seconds", "0.2", plan_file],
        ["drift", "--debug", stack], ["drift", "--debug", "--json", stack], ["whoami", "--debug"], ["unlock", "--debug", "--auto-approve", stack],
        ["apply", "--debug", "--auto-approve", "--json", "--poll-seconds", "0.2", stack],
        ["destroy", "--debug", "--auto-approve", "--poll-seconds", "0.2", stack], ["version"],
    ]
    texts = []
    for arguments in commands:
        result = world.run(arguments, endpoint, env=env)
        check(result.returncode in (0, 2), f"portico {' '.join(arguments)} exited {result.returncode}:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}")
        check("aws: " in result.stderr or "--debug" not in arguments,
              f"portico {' '.join(arguments)} printed no debug lines; the test would prove nothing")
        texts.append((" ".join(arguments), result.stdout + result.stderr))
    texts.append(("the plan file", open(plan_file).read()))
    seen = [line.strip() for line in open(signatures)]
    check(len(seen) > 20, f"only {len(seen)} signed requests were seen")
    secrets_list = [("secret key", SECRET_KEY), ("session token", SESSION_TOKEN)] + [("a signature", s) for s in seen]
    for name, text in texts:
        for what, secret in secrets_list:
            check(secret not in text, f"{name} printed {what}")
        for marker in ("Signature=", "X-Amz-Security-Token", "Authorization:"):
            check(marker not in text, f"{name} printed {marker}")
    stats.update(scenario="secrets", commands=len(commands), signatures_checked=len(seen), outputs_checked=len(texts))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["faults", "lost-answers", "give-up", "interrupt", "secrets"])
    parser.add_argument("--portico", default=os.path.join(ROOT, ".build/debug/portico"))
    parser.add_argument("--stack", default=os.path.join(ROOT, "stacks/askmeanything.yaml"))
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--rate", type=float, default=0.25)
    parser.add_argument("--signal", choices=["INT", "KILL"], default="INT")
    parser.add_argument("--points", type=int, default=3)
    parser.add_argument("--command", choices=["apply", "destroy"], default="apply")
    parser.add_argument("--at", help="interrupt at these calls (comma-separated) instead of --points spread over the run")
    parser.add_argument("--stats")
    options = parser.parse_args()
    stats = {}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="portico-hard-") as scratch:
        world = World(options, scratch)
        try:
            {"faults": faults, "lost-answers": lost_answers, "give-up": give_up, "interrupt": interrupt, "secrets": secrets}[options.scenario](world, options, stats)
        except CheckFailed as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            sys.exit(1)
        finally:
            world.close()
    stats["seconds"] = round(time.time() - started, 1)
    if options.stats:
        existing = json.load(open(options.stats)) if os.path.exists(options.stats) else []
        json.dump(existing + [stats], open(options.stats, "w"), indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
