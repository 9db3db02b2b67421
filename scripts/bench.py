#!/usr/bin/env python3
"""make bench: how Portico's cost grows with the stack, against moto.

For generated stacks of 1, 10, 50 and 200 target groups (each behind one host rule of an HTTPS
listener; at most 50 rules per load balancer, so 200 groups take 4 load balancers), it measures
`validate`, a no-change `plan`, `apply` from empty and `destroy`: wall time (median of several
runs, each a fresh process), peak memory (the process's maximum resident set), and the API
calls by service and operation (counted by a recording proxy in a separate pass, so the timed
runs talk to moto directly). Apply and destroy are timed both as they run (independent steps
in parallel) and with --parallelism 1, to show what the parallel walk buys.

Prints the tables and, unless BENCH_WRITE=0, writes them to docs/performance.md with the
machine they were measured on. No verdicts here: the numbers are for people to read.

moto answers a call in a few milliseconds on this machine and does its work on the same two
CPUs, so calls made at once gain little there. AWS answers in tens of milliseconds, most of it
waiting. The timed runs are therefore made twice: straight to moto, and through a proxy that
holds each call BENCH_LATENCY seconds (default 0.05) before passing it on, as the way to AWS
would; the parallel speed-up is measured on the second.

Environment: BENCH_SIZES (default 1,10,50,200), BENCH_RUNS (default 3), BENCH_WRITE (1),
BENCH_LATENCY (0.05).
Usage: bench.py PORTICO_BINARY"""
import collections, json, os, platform, signal, socket, statistics, subprocess, sys, tempfile, time

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1,10,50,200").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
WRITE = os.environ.get("BENCH_WRITE", "1") == "1"
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.05"))
RULES_PER_LB = 50
binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/portico")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"


def stack(n):
    lbs = (n + RULES_PER_LB - 1) // RULES_PER_LB
    out = ["stack: bench", f"region: {REGION}", "existing:",
           "  vpc: { type: vpc, tags: { Name: bench } }",
           "  subnets: { type: subnets, tags: { Tier: public } }",
           "  web: { type: instances, tags: { Role: web } }",
           "  zone: { type: hosted_zone, name: bench.example.com }",
           "resources:",
           "  cert: { type: certificate, domain: bench.example.com, alternative_names: [\"*.bench.example.com\"], validation_zone: zone }",
           "  lb-sg:", "    type: security_group", "    vpc: vpc", "    ingress:",
           "      - { protocol: tcp, port: 80, from: [\"0.0.0.0/0\", \"::/0\"] }",
           "      - { protocol: tcp, port: 443, from: [\"0.0.0.0/0\", \"::/0\"] }",
           "  web-sg:", "    type: security_group", "    vpc: vpc", "    attach_to: web", "    ingress:",
           "      - { protocol: tcp, port: 80, from: lb-sg }"]
    for i in range(n):
        out.append(f"  tg-{i}: {{ type: target_group, vpc: vpc, targets: web, health_check: {{ path: /svc/{i}/health }} }}")
    for b in range(lbs):
        out += [f"  lb-{b}:", "    type: load_balancer", "    ip_address_type: dualstack", "    subnets: subnets",
                "    security_groups: [lb-sg]", "    listeners:",
                "      - { protocol: HTTP, port: 80, redirect: { protocol: HTTPS, port: 443, status: 301 } }",
                "      - protocol: HTTPS", "        port: 443", "        certificate: cert",
                "        ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06", "        fixed_response: { status: 404 }", "        rules:"]
        for i in range(b * RULES_PER_LB, min(n, (b + 1) * RULES_PER_LB)):
            out.append(f"          - {{ host: svc{i}.bench.example.com, forward: tg-{i} }}")
        out.append(f"  record-{b}: {{ type: alias_record, zone: zone, name: lb{b}.bench.example.com, target: lb-{b} }}")
    return "\n".join(out) + "\n", lbs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


class Moto:
    """A fresh moto server with the world the generated stacks look up."""

    def __init__(self):
        self.port = free_port()
        environment = dict(os.environ, MOTO_ACM_VALIDATION_WAIT="0")
        self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        wait_for(self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        import boto3
        kw = dict(endpoint_url=self.url, region_name=REGION, aws_access_key_id="bench", aws_secret_access_key="bench")
        ec2, route53 = boto3.client("ec2", **kw), boto3.client("route53", **kw)
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "bench"}]}])["Vpc"]["VpcId"]
        for index, zone in enumerate("ab"):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{index}.0/24", AvailabilityZone=f"{REGION}{zone}",
                                       TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Tier", "Value": "public"}]}])["Subnet"]["SubnetId"]
            ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "web"}]}])
        route53.create_hosted_zone(Name="bench.example.com", CallerReference="portico-bench")

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Proxy:
    """The recording proxy (Tests/Support/fault_proxy.py --rate 0): one JSON line per call."""

    def __init__(self, upstream, log, latency=0):
        self.log = log
        self.process = subprocess.Popen([sys.executable, os.path.join(root, "Tests/Support/fault_proxy.py"), upstream, log, "--rate", "0", "--latency", str(latency)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def calls(self):
        """Calls since the last reading, by "service Operation"."""
        counts = collections.Counter()
        if os.path.exists(self.log):
            for line in open(self.log):
                entry = json.loads(line)
                counts[f"{entry['service'].replace('elasticloadbalancing', 'elbv2')} {entry['operation'] or entry['method']}"] += 1
            os.remove(self.log)
        return counts

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait()


def timed(arguments, endpoint=None):
    """One fresh portico process: (seconds, its own peak resident MiB, from wait4)."""
    environment = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION=REGION,
                       AWS_DEFAULT_REGION=REGION, HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null",
                       AWS_SHARED_CREDENTIALS_FILE="/dev/null", NO_COLOR="1")
    if endpoint:
        environment["AWS_ENDPOINT_URL"] = endpoint
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen([binary] + arguments, stdout=out, stderr=subprocess.STDOUT, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            out.seek(0)
            raise SystemExit(f"portico {' '.join(arguments)} exited {process.returncode}:\n{out.read().decode()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


APPLY = ["apply", "--auto-approve", "--poll-seconds", "0.1"]
DESTROY = ["destroy", "--auto-approve", "--poll-seconds", "0.1"]


def measure(n, folder):
    text, lbs = stack(n)
    path = os.path.join(folder, f"bench-{n}.yaml")
    open(path, "w").write(text)
    row = {"size": n, "lbs": lbs}
    validate = [timed(["validate", path]) for _ in range(max(RUNS, 5))]
    row["validate_ms"] = statistics.median(t for t, _ in validate) * 1000
    peaks = [m for _, m in validate]

    moto = Moto()
    try:
        # Counted pass, through the recording proxy.
        log = os.path.join(folder, f"calls-{n}.log")
        proxy = Proxy(moto.url, log)
        try:
            timed(APPLY + [path], proxy.url)
            row["apply_calls"] = proxy.calls()
            timed(["plan", "--detailed-exitcode", path], proxy.url)
            row["plan_calls"] = proxy.calls()
            timed(DESTROY + [path], proxy.url)
            row["destroy_calls"] = proxy.calls()
        finally:
            proxy.stop()
        # Timed passes: straight to moto, then with the latency of a network in between.
        applies, plans, destroys = [], [], []
        for _ in range(RUNS):
            applies.append(timed(APPLY + [path], moto.url))
            plans.append(timed(["plan", "--detailed-exitcode", path], moto.url))
            destroys.append(timed(DESTROY + [path], moto.url))
        slow = Proxy(moto.url, os.path.join(folder, f"slow-{n}.log"), latency=LATENCY)
        far = {"apply": [], "plan": [], "destroy": [], "apply_serial": [], "plan_serial": [], "destroy_serial": []}
        try:
            for _ in range(RUNS):
                far["apply"].append(timed(APPLY + [path], slow.url))
                far["plan"].append(timed(["plan", "--detailed-exitcode", path], slow.url))
                far["destroy"].append(timed(DESTROY + [path], slow.url))
                far["apply_serial"].append(timed(APPLY + ["--parallelism", "1", path], slow.url))
                far["destroy_serial"].append(timed(DESTROY + ["--parallelism", "1", path], slow.url))
                slow.calls()
        finally:
            slow.stop()
    finally:
        moto.stop()
    median = lambda samples: statistics.median(t for t, _ in samples)
    row.update(plan_s=median(plans), apply_s=median(applies), destroy_s=median(destroys))
    row.update({f"far_{key}_s": median(samples) for key, samples in far.items() if samples})
    peaks += [m for _, m in applies + plans + destroys + sum(far.values(), [])]
    row["peak_mib"] = max(peaks)
    return row


def tables(rows):
    out = []
    out.append("| target groups (rules) | load balancers | validate ms | plan calls | no-change plan s | apply s | destroy s | peak MiB |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(f"| {r['size']} | {r['lbs']} | {r['validate_ms']:.1f} | {sum(r['plan_calls'].values())} | {r['plan_s']:.2f} | "
                   f"{r['apply_s']:.2f} | {r['destroy_s']:.2f} | {r['peak_mib']:.1f} |")
    far = [f"| with {LATENCY * 1000:.0f} ms a call | no-change plan s | apply s | apply s, one step at a time | speed-up | destroy s | destroy s, one step at a time | speed-up |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        far.append(f"| {r['size']} | {r['far_plan_s']:.2f} | {r['far_apply_s']:.2f} | {r['far_apply_serial_s']:.2f} | {r['far_apply_serial_s'] / r['far_apply_s']:.1f}× | "
                   f"{r['far_destroy_s']:.2f} | {r['far_destroy_serial_s']:.2f} | {r['far_destroy_serial_s'] / r['far_destroy_s']:.1f}× |")
    out += ["", "\n".join(far)]
    sections = ["\n".join(out)]
    for key, title in (("plan_calls", "No-change plan"), ("apply_calls", "Apply from empty"), ("destroy_calls", "Destroy")):
        operations = sorted(set().union(*(r[key] for r in rows)))
        lines = [f"| {title}: calls by operation | " + " | ".join(str(r["size"]) for r in rows) + " |",
                 "|---|" + "---:|" * len(rows)]
        for operation in operations:
            lines.append(f"| {operation} | " + " | ".join(str(r[key].get(operation, 0)) for r in rows) + " |")
        lines.append("| **total** | " + " | ".join(f"**{sum(r[key].values())}**" for r in rows) + " |")
        sections.append("\n".join(lines))
    return sections


def main():
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in SIZES:
            print(f"bench: {n} target group(s)...", file=sys.stderr, flush=True)
            rows.append(measure(n, folder))
    sections = tables(rows)
    print("\n\n".join(sections))
    if not WRITE:
        return
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    moto_version = subprocess.run([sys.executable, "-c", "import moto; print(moto.__version__)"], capture_output=True, text=True).stdout.strip()
    template = open(os.path.join(root, "docs/performance.md")).read()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    generated = (f"{start}\nMeasured by `make bench` on {machine}, against moto {moto_version} on the same machine, "
                 f"release build, median of {RUNS} runs (validate: {max(RUNS, 5)}), each a fresh process. The first table talks to moto "
                 f"directly; the second through a proxy that holds each call {LATENCY * 1000:.0f} ms, as the network to AWS would.\n\n"
                 + "\n\n".join(sections) + f"\n{end}")
    before, _, rest = template.partition(start)
    _, _, after = rest.partition(end)
    open(os.path.join(root, "docs/performance.md"), "w").write(before + generated + after)


if __name__ == "__main__":
    main()
