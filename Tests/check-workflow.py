#!/usr/bin/env python3
"""Checks docs/examples/github-actions.yml: valid YAML, the jobs docs/ci.md describes, and every
portico command line in it accepted by the built binary's argument parser: run against a stack
file that does not exist, each must get past the parser (exit 64 is a bad command line) and stop
at the missing file, before any AWS call."""
import shlex, subprocess, sys, yaml

workflow = yaml.safe_load(open("docs/examples/github-actions.yml"))
jobs = workflow["jobs"]
missing = {"build", "plan", "apply", "drift"} - set(jobs)
assert not missing, f"jobs missing: {missing}"
assert jobs["apply"].get("environment") == "production", "apply must wait for the production environment's reviewers"
assert workflow["permissions"]["id-token"] == "write", "OIDC needs id-token: write"
checked = 0
for job in jobs.values():
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if not line.startswith("portico "):
                continue
            words = shlex.split(line.split(" > ")[0].replace('"$STACK"', "/nonexistent/stack.yaml").replace("plan.json", "/nonexistent/plan.json"))
            result = subprocess.run([".build/debug/portico"] + words[1:], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                    env={"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "HOME": "/nonexistent"})
            assert result.returncode == 1 and "/nonexistent/" in result.stdout + result.stderr, f"{line}: exit {result.returncode}: {result.stderr}"
            checked += 1
assert checked >= 5, f"only {checked} portico commands found"
print(f"docs/examples/github-actions.yml: {len(jobs)} jobs, {checked} portico command lines parse")
