#!/usr/bin/env python3
"""Checks every request a recording proxy logged (fault_proxy.py --rate 0 --bodies) against
botocore's service models, the shapes real AWS enforces and the emulator does not: the
operation exists, every parameter is a member of its input shape (nested structures and lists
included), required members are there, and numbers, enums, string lengths and list lengths are
within the model's limits. Query (ELBv2), EC2 and JSON (ACM) requests are checked; Route53's
REST-XML requests only for their operation.

Usage: check_requests.py LOG. Prints one line per problem and exits 1 if there is any."""
import collections, gzip, json, os, sys, urllib.parse

import botocore

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
SERVICES = {"elasticloadbalancing": "elbv2", "ec2": "ec2", "acm": "acm", "route53": "route53", "sts": "sts"}
models = {}


def model(service):
    if service not in models:
        folder = os.path.join(DATA, SERVICES[service])
        version = sorted(os.listdir(folder))[-1]
        path = os.path.join(folder, version, "service-2.json")
        models[service] = json.load(gzip.open(path + ".gz") if os.path.exists(path + ".gz") else open(path))
    return models[service]


def tree(pairs):
    """`A.member.1.B=x` into nested dicts."""
    root = {}
    for key, value in pairs:
        node, parts = root, key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return None
        node[parts[-1]] = value
    return root


def check(shapes, name, value, where, problems, ec2):
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            return problems.append(f"{where}: a structure expected, found {value!r}")
        members = shape.get("members", {})
        wire = {}
        for member, spec in members.items():
            wire[member] = member
            if ec2:
                wire[spec.get("queryName") or (spec.get("locationName", member)[:1].upper() + spec.get("locationName", member)[1:])] = member
        for key, inner in value.items():
            if key not in wire:
                problems.append(f"{where}: '{key}' is not a member of {name} ({', '.join(sorted(members))})")
                continue
            check(shapes, members[wire[key]]["shape"], inner, f"{where}.{key}", problems, ec2)
        given = {wire[key] for key in value if key in wire}
        for required in shape.get("required", []):
            if required not in given:
                problems.append(f"{where}: required member '{required}' of {name} is missing")
    elif kind == "list":
        items = value
        if isinstance(value, dict) and not ec2 and not shape.get("flattened"):
            items = value.get("member", {}) if set(value) <= {"member"} else None
        if isinstance(value, list):
            items = dict(enumerate(value, 1))
        if not isinstance(items, dict) or not all(str(key).isdigit() for key in items):
            return problems.append(f"{where}: a list expected, found {value!r}")
        indices = sorted(int(key) for key in items)
        if indices != list(range(1, len(indices) + 1)) and not isinstance(value, list):
            problems.append(f"{where}: list indices {indices} are not 1..{len(indices)}")
        count = len(items)
        if "min" in shape and count < shape["min"] or "max" in shape and count > shape["max"]:
            problems.append(f"{where}: {count} items, the model allows {shape.get('min', 0)}..{shape.get('max', '∞')}")
        for key, inner in items.items():
            check(shapes, shape["member"]["shape"], inner, f"{where}[{key}]", problems, ec2)
    elif kind == "map":
        pass
    elif kind in ("integer", "long"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            return problems.append(f"{where}: {value!r} is not an integer")
        if "min" in shape and number < shape["min"] or "max" in shape and number > shape["max"]:
            problems.append(f"{where}: {number} is outside {shape.get('min')}..{shape.get('max')}")
    elif kind == "boolean":
        if str(value).lower() not in ("true", "false"):
            problems.append(f"{where}: {value!r} is not a boolean")
    elif kind == "string":
        if not isinstance(value, str):
            return problems.append(f"{where}: a string expected, found {value!r}")
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"{where}: {value!r} is not one of {shape['enum']}")
        if "min" in shape and len(value) < shape["min"] or "max" in shape and len(value) > shape["max"]:
            problems.append(f"{where}: length {len(value)} is outside {shape.get('min', 0)}..{shape.get('max', '∞')}")


def main(log):
    problems, counts = [], collections.Counter()
    for line in open(log):
        entry = json.loads(line)
        service, operation = entry["service"], entry.get("operation")
        if service not in SERVICES:
            problems.append(f"unknown service {service}")
            continue
        spec = model(service)
        if operation not in spec["operations"]:
            problems.append(f"{service}: unknown operation {operation}")
            continue
        counts[f"{service} {operation}"] += 1
        input_shape = spec["operations"][operation].get("input", {}).get("shape")
        protocol = spec["metadata"]["protocol"]
        where = f"{service} {operation}"
        if not input_shape or "body" not in entry:
            continue
        if protocol in ("query", "ec2"):
            pairs = [(key, value) for key, value in urllib.parse.parse_qsl(entry["body"], keep_blank_values=True) if key not in ("Action", "Version")]
            value = tree(pairs)
            if value is None:
                problems.append(f"{where}: parameters that do not nest: {pairs}")
                continue
            check(spec["shapes"], input_shape, value, where, problems, protocol == "ec2")
        elif protocol == "json":
            check(spec["shapes"], input_shape, json.loads(entry["body"] or "{}"), where, problems, False)
    for problem in problems:
        print(problem)
    print(f"checked {sum(counts.values())} requests ({len(counts)} operations): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
