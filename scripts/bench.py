#!/usr/bin/env python3
"""make bench: how `portico validate` scales with the stack. Generates stacks with 1, 10, 50
and 200 target groups (each behind its own HTTPS listener; 40 listeners per load balancer),
times validate (median of several runs, each a fresh process) and reads its peak memory.
Prints a table and writes docs/performance.md. No timing assertions: numbers, not verdicts.
Plan/apply/destroy join this table when they exist (issue 7)."""
import os, platform, statistics, subprocess, sys, tempfile, time

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1,10,50,200").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/portico"

def stack(n):
    per_lb = 40
    lbs = (n + per_lb - 1) // per_lb
    out = ["stack: bench", "region: us-east-1", "existing:",
           "  vpc: { type: vpc, id: vpc-0123456789abcdef0 }",
           "  subnets: { type: subnets, ids: [subnet-00000001, subnet-00000002] }",
           "  web: { type: instances, tags: { Role: web } }",
           "  zone: { type: hosted_zone, name: example.com }",
           "resources:",
           "  cert: { type: certificate, domain: example.com, alternative_names: [\"*.example.com\"], validation_zone: zone }",
           "  lb-sg:", "    type: security_group", "    vpc: vpc", "    ingress:",
           f"      - {{ protocol: tcp, ports: 443-{443 + per_lb}, from: [\"0.0.0.0/0\", \"::/0\"] }}",
           "  web-sg:", "    type: security_group", "    vpc: vpc", "    attach_to: web", "    ingress:",
           "      - { protocol: tcp, port: 80, from: lb-sg }"]
    for i in range(n):
        out.append(f"  tg-{i}: {{ type: target_group, vpc: vpc, port: 80, targets: web, health_check: {{ path: /svc/{i}/health }} }}")
    for b in range(lbs):
        out += [f"  lb-{b}:", "    type: load_balancer", "    ip_address_type: dualstack", "    subnets: subnets",
                "    security_groups: [lb-sg]", "    listeners:"]
        for i in range(b * per_lb, min(n, (b + 1) * per_lb)):
            out.append(f"      - {{ protocol: HTTPS, port: {443 + i - b * per_lb}, certificate: cert, ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06, forward: tg-{i} }}")
        out.append(f"  record-{b}: {{ type: alias_record, zone: zone, name: lb{b}.example.com, target: lb-{b} }}")
    return "\n".join(out) + "\n"

def run_once(path):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "validate", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"validate failed on {path}: {proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss  # KiB on Linux

rows = []
with tempfile.TemporaryDirectory() as tmp:
    for n in SIZES:
        path = os.path.join(tmp, f"bench-{n}.yaml")
        open(path, "w").write(stack(n))
        results = [run_once(path) for _ in range(RUNS)]
        rows.append((n, os.path.getsize(path), statistics.median(r[0] for r in results) * 1000, max(r[1] for r in results) / 1024))

header = "| target groups | file size | validate, median ms | peak memory MiB |\n|---:|---:|---:|---:|"
table = header + "\n" + "\n".join(f"| {n} | {size // 1024} KiB | {ms:.1f} | {mib:.1f} |" for n, size, ms, mib in rows)
print(table)
machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
if os.environ.get("BENCH_WRITE", "1") == "1":
    with open("docs/performance.md", "w") as f:
        f.write(f"""# Performance

Measured by `make bench` (scripts/bench.py) on {machine}, release build, {RUNS} runs per size,
each a fresh `portico validate` process (so the times include process start and reading the file).

{table}

Plan, apply and destroy (API calls per plan by service and operation, wall time, parallel
speed-up) join this table when those commands exist.
""")
