#!/usr/bin/env python3
"""Checks docs/stack.schema.json with an independent validator (jsonschema): every example stack
must validate, and stacks whose mistake is one of shape (unknown keys, wrong types, bad enums)
must not. The Swift test SchemaTests checks the schema's keys against the reader's tables."""
import glob, json, sys
import jsonschema, yaml

schema = json.load(open("docs/stack.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = 0
for path in sorted(glob.glob("stacks/*.yaml")):
    errors = list(validator.iter_errors(yaml.safe_load(open(path))))
    if errors:
        failures += 1
        print(f"FAIL {path}: {errors[0].message} at {list(errors[0].absolute_path)}")
must_fail = ["unknown-key-suggestion", "unknown-top-level-key", "wrong-type-port-list", "wrong-type-quoted-port",
             "missing-required-domain", "port-out-of-range", "unknown-ssl-policy", "health-check-interval-range",
             "bad-stack-name", "too-many-security-groups", "selector-conflict", "resource-type-under-existing", "bad-vpc-id"]
for name in must_fail:
    document = yaml.safe_load(open(f"Tests/Fixtures/broken/{name}.yaml"))
    if validator.is_valid(document):
        failures += 1
        print(f"FAIL Tests/Fixtures/broken/{name}.yaml: the schema accepts it")
checked = len(glob.glob("stacks/*.yaml")) + len(must_fail)
print(f"schema: {checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
