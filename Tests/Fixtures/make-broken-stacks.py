#!/usr/bin/env python3
# Writes Tests/Fixtures/broken/*.yaml: each a valid base stack with one mistake, followed by the
# diagnostics it must produce ("# expect: LINE:COL SEVERITY CODE MESSAGE-PART") and the exit code.
# Positions are computed from the token each mistake must be reported at, never from the
# tool's output. Run: python3 Tests/Fixtures/make-broken-stacks.py Tests/Fixtures/broken
import os, re, sys
BASE = '''stack: demo
region: us-east-1
existing:
  vpc: { type: vpc, id: vpc-0123456789abcdef0 }
  subnets: { type: subnets, ids: [subnet-0123456789abcdef1, subnet-0123456789abcdef2] }
  web: { type: instances, tags: { Role: web } }
  zone: { type: hosted_zone, name: example.com }
resources:
  cert: { type: certificate, domain: example.com, alternative_names: [www.example.com], validation_zone: zone }
  alb-sg:
    type: security_group
    vpc: vpc
    ingress:
      - { protocol: tcp, port: 80, from: ["0.0.0.0/0", "::/0"] }
      - { protocol: tcp, port: 443, from: ["0.0.0.0/0", "::/0"] }
  web-sg:
    type: security_group
    vpc: vpc
    attach_to: web
    ingress:
      - { protocol: tcp, port: 80, from: alb-sg }
  tg: { type: target_group, vpc: vpc, port: 80, targets: web }
  alb:
    type: load_balancer
    ip_address_type: dualstack
    subnets: subnets
    security_groups: [alb-sg]
    listeners:
      - { protocol: HTTP, port: 80, redirect: { protocol: HTTPS, port: 443 } }
      - { protocol: HTTPS, port: 443, certificate: cert, ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06, forward: tg }
  site: { type: alias_record, zone: zone, name: example.com, target: alb }
'''
cases = []
def case(name, what, edits, expects, exit_code=1, raw=None):
    cases.append((name, what, edits, expects, exit_code, raw))

# edits: list of (old, new) replacements on BASE; expects: (line_substring, token, severity, code, message_substring)
case("yaml-unclosed-flow", "YAML syntax: a flow sequence never closed",
     [("alternative_names: [www.example.com], validation_zone: zone }", "alternative_names: [www.example.com, validation_zone: zone }")],
     [("validation_zone: zone }", "}", "error", "yaml-syntax", "did not find expected ',' or ']'")])
case("yaml-tab-indent", "a tab used for indentation",
     [("    vpc: vpc\n    ingress:\n      - { protocol: tcp, port: 80, from: [", "    vpc: vpc\n\tingress:\n      - { protocol: tcp, port: 80, from: [")],
     [("\tingress:", "\t", "error", "yaml-syntax", "tab")])
case("unknown-key-suggestion", "a misspelt field gets a suggestion",
     [("tg: { type: target_group, vpc: vpc, port: 80, targets: web }", "tg: { type: target_group, vpc: vpc, port: 80, tragets: web }")],
     [("tragets", "tragets", "error", "unknown-key", "did you mean 'targets'?")])
case("unknown-top-level-key", "a top-level key that does not exist",
     [("region: us-east-1\n", "region: us-east-1\nresource_defaults: {}\n")],
     [("resource_defaults", "resource_defaults", "error", "unknown-key", "has no field 'resource_defaults'")])
case("wrong-type-port-list", "a port given as a list",
     [("tg: { type: target_group, vpc: vpc, port: 80,", "tg: { type: target_group, vpc: vpc, port: [80],")],
     [("tg: { type", "[80]", "error", "wrong-type", "'port' must be a number")])
case("wrong-type-quoted-port", "a port written as a string",
     [("- { protocol: HTTP, port: 80,", "- { protocol: HTTP, port: \"80\",")],
     [("protocol: HTTP, port", "\"80\"", "error", "wrong-type", "remove the quotes")])
case("missing-required-domain", "a certificate without its domain",
     [("cert: { type: certificate, domain: example.com, alternative_names", "cert: { type: certificate, alternative_names")],
     [("  cert:", "cert", "error", "missing-field", "missing 'domain'")])
case("missing-type", "an entry without a type",
     [("  tg: { type: target_group, vpc: vpc,", "  tg: { vpc: vpc,")],
     [("  tg: {", "tg", "error", "missing-field", "has no 'type'")])
case("port-out-of-range", "an ingress port above 65535",
     [("port: 443, from: [", "port: 70000, from: [")],
     [("port: 70000", "70000", "error", "invalid-value", "from 1 to 65535")])
case("port-range-backwards", "a port range that ends before it starts",
     [("{ protocol: tcp, port: 80, from: alb-sg }", "{ protocol: tcp, ports: 9000-8000, from: alb-sg }")],
     [("ports: 9000-8000", "9000-8000", "error", "invalid-value", "ends before it starts")])
case("cidr-v4-bad-octet", "an IPv4 CIDR with an octet over 255",
     [('port: 80, from: ["0.0.0.0/0", "::/0"]', 'port: 80, from: ["10.0.0.300/16", "::/0"]')],
     [("10.0.0.300", "\"10.0.0.300", "error", "invalid-value", "not an IPv4 address")])
case("cidr-host-bits", "a CIDR with host bits set names the network meant",
     [('port: 80, from: ["0.0.0.0/0", "::/0"]', 'port: 80, from: ["10.1.2.3/16", "::/0"]')],
     [("10.1.2.3/16", "\"10.1.2.3/16", "error", "invalid-value", "the network is 10.1.0.0/16")])
case("cidr-v6-bad", "a malformed IPv6 CIDR",
     [('port: 443, from: ["0.0.0.0/0", "::/0"]', 'port: 443, from: ["0.0.0.0/0", "2001:db8:::1/64"]')],
     [("2001:db8:::1", "\"2001:db8:::1", "error", "invalid-value", "not an IPv6 address")])
case("cidr-missing-prefix", "a single address without /32",
     [('port: 80, from: ["0.0.0.0/0", "::/0"]', 'port: 80, from: ["203.0.113.7", "::/0"]')],
     [("203.0.113.7", "\"203.0.113.7", "error", "invalid-value", "/32")])
case("bad-domain-name", "an underscore in a domain name",
     [("alternative_names: [www.example.com]", "alternative_names: [my_app.example.com]")],
     [("my_app", "my_app", "error", "invalid-value", "only letters, digits, hyphens")])
case("wildcard-in-zone-name", "a wildcard where only certificates take one",
     [("zone: { type: hosted_zone, name: example.com }", "zone: { type: hosted_zone, name: \"*.example.com\" }")],
     [("hosted_zone", "\"*.example.com", "error", "invalid-value", "wildcard")])
case("bad-vpc-id", "a VPC id with the wrong number of digits",
     [("vpc: { type: vpc, id: vpc-0123456789abcdef0 }", "vpc: { type: vpc, id: vpc-12345 }")],
     [("vpc-12345", "vpc-12345", "error", "invalid-value", "8 or 17 lower-case hex digits")])
case("wrong-kind-of-id", "a security group id where a VPC is expected",
     [("  web-sg:\n    type: security_group\n    vpc: vpc", "  web-sg:\n    type: security_group\n    vpc: sg-0123456789abcdef0")],
     [("vpc: sg-", "sg-0123456789abcdef0", "error", "invalid-value", "is a security group id")])
case("unknown-ssl-policy", "an SSL policy ELB does not have",
     [("ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06", "ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021")],
     [("ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021", "error", "invalid-value", "did you mean 'ELBSecurityPolicy-TLS13-1-2-2021-06'?")])
case("health-check-interval-range", "a health-check interval AWS rejects",
     [("tg: { type: target_group, vpc: vpc, port: 80, targets: web }", "tg: { type: target_group, vpc: vpc, port: 80, targets: web, health_check: { interval: 400 } }")],
     [("interval: 400", "400", "error", "invalid-value", "from 5 to 300")])
case("health-check-timeout-not-below-interval", "a health-check timeout as long as the interval",
     [("tg: { type: target_group, vpc: vpc, port: 80, targets: web }", "tg: { type: target_group, vpc: vpc, port: 80, targets: web, health_check: { interval: 10, timeout: 10 } }")],
     [("timeout: 10", "10 }", "error", "invalid-value", "shorter than its interval")])
case("health-check-matcher", "a health-check matcher outside 200-499",
     [("tg: { type: target_group, vpc: vpc, port: 80, targets: web }", "tg: { type: target_group, vpc: vpc, port: 80, targets: web, health_check: { matcher: \"200-599\" } }")],
     [("matcher", "\"200-599\"", "error", "invalid-value", "from 200 to 499")])
case("duplicate-field", "a field given twice in one mapping",
     [("    type: load_balancer\n    ip_address_type: dualstack\n", "    type: load_balancer\n    ip_address_type: dualstack\n    ip_address_type: ipv4\n")],
     [("ip_address_type: ipv4", "ip_address_type", "error", "duplicate-key", "given twice")])
case("duplicate-entry-key", "one key in both existing and resources",
     [("  tg: { type: target_group", "  web: { type: target_group")],
     [("  web: { type: target_group", "web", "error", "duplicate-key", "declared twice"),
      ("forward: tg", "tg }", "error", "unknown-reference", "no entry with that key")])
case("unknown-reference", "a reference to an entry that does not exist, with a suggestion",
     [("forward: tg }", "forward: tgg }")],
     [("forward: tgg", "tgg", "error", "unknown-reference", "did you mean 'tg'?")])
case("wrong-reference-type", "forwarding to a certificate",
     [("forward: tg }", "forward: cert }")],
     [("forward: cert", "cert }", "error", "wrong-reference-type", "must name a target_group, but 'cert' is a certificate")])
case("dependency-cycle", "two alias records that point at each other",
     [("  site: { type: alias_record, zone: zone, name: example.com, target: alb }",
       "  site: { type: alias_record, zone: zone, name: example.com, target: www }\n  www: { type: alias_record, zone: zone, name: www.example.com, target: site }")],
     [("name: example.com, target: www", "www }", "error", "dependency-cycle", "site -> www -> site")])
case("listener-port-not-allowed", "the classic: the HTTPS listener's port is not open in the load balancer's group",
     [('      - { protocol: tcp, port: 443, from: ["0.0.0.0/0", "::/0"] }\n', "")],
     [("port: 443, certificate", "443, certificate", "error", "listener-port-blocked", "no ingress rule of its security groups ('alb-sg') allows TCP 443")])
case("target-port-wrong-port", "the instances' group admits the load balancer, but on the wrong port",
     [("{ protocol: tcp, port: 80, from: alb-sg }", "{ protocol: tcp, port: 8080, from: alb-sg }")],
     [("port: 8080, from: alb-sg", "{ protocol: tcp, port: 8080", "error", "target-port-blocked", "not on TCP 80")])
case("target-port-unknown", "no managed group reaches the targets: a warning, since their own groups may",
     [("    attach_to: web\n", "")],
     [("tg: { type", "80, targets", "warning", "target-port-blocked", "their own groups may allow it"),
      ("  web-sg:", "web-sg", "warning", "unused-resource", "neither used")], 0)
case("https-without-certificate", "an HTTPS listener with no certificate",
     [("certificate: cert, ssl_policy", "ssl_policy")],
     [("protocol: HTTPS, port: 443, ssl_policy", "{ protocol: HTTPS", "error", "https-without-certificate", "names no certificate"),
      ("  cert: {", "cert", "warning", "unused-resource", "no listener uses certificate")])
case("certificate-does-not-cover-record", "an alias record whose name the certificate does not cover",
     [("name: example.com, target: alb }", "name: api.example.com, target: alb }")],
     [("name: api.example.com", "api.example.com", "error", "certificate-does-not-cover-name", "do not cover it")])
case("wildcard-covers-one-label-only", "a wildcard certificate does not cover a name two labels down",
     [("alternative_names: [www.example.com]", "alternative_names: [\"*.example.com\"]"), ("name: example.com, target: alb }", "name: a.b.example.com, target: alb }")],
     [("name: a.b.example.com", "a.b.example.com", "error", "certificate-does-not-cover-name", "*.example.com")])
case("record-zone-not-parent", "a record written in a zone that is not its parent",
     [("name: example.com, target: alb }", "name: example.org, target: alb }")],
     [("name: example.org", "example.org", "error", "zone-not-parent", "not a parent of the name"),
      ("name: example.org", "example.org", "error", "certificate-does-not-cover-name", "do not cover it")])
case("validation-zone-not-parent", "a certificate name outside its validation zone",
     [("alternative_names: [www.example.com]", "alternative_names: [www.example.org]")],
     [("www.example.org", "www.example.org", "error", "zone-not-parent", "cannot be validated in zone 'example.com'")])
case("one-subnet", "a load balancer in one subnet",
     [("ids: [subnet-0123456789abcdef1, subnet-0123456789abcdef2]", "ids: [subnet-0123456789abcdef1]")],
     [("    subnets: subnets", "subnets: |subnets", "error", "too-few-subnets", "at least two Availability Zones")])
case("http-listener-forwards", "an HTTP listener that serves the app instead of redirecting: a warning",
     [("- { protocol: HTTP, port: 80, redirect: { protocol: HTTPS, port: 443 } }", "- { protocol: HTTP, port: 80, forward: tg }")],
     [("protocol: HTTP, port: 80, forward", "{ protocol: HTTP", "warning", "http-listener-forwards", "redirect it to HTTPS")], 0)
case("vpc-mismatch", "a target group in another VPC than the load balancer",
     [("  tg: { type: target_group, vpc: vpc,", "  tg: { type: target_group, vpc: vpc-0fedcba9876543210,")],
     [("forward: tg", "tg }", "error", "vpc-mismatch", "are different VPCs")])
case("targets-open-to-world", "the instances' group open to the internet on the target port: a warning",
     [("{ protocol: tcp, port: 80, from: alb-sg }", "{ protocol: tcp, port: 80, from: [alb-sg, 0.0.0.0/0] }")],
     [("from: [alb-sg, 0.0.0.0/0]", "0.0.0.0/0", "warning", "target-port-open-to-world", "bypasses the load balancer")], 0)
case("redirect-loop", "an HTTPS listener that redirects to itself",
     [("- { protocol: HTTP, port: 80, redirect: { protocol: HTTPS, port: 443 } }", "- { protocol: HTTP, port: 80, redirect: { protocol: HTTP, port: 80 } }")],
     [("redirect: { protocol: HTTP, port: 80 }", "{ protocol: HTTP, port: 80 } }", "error", "redirect-loop", "redirects to itself")])
case("duplicate-listener-port", "two listeners on one port",
     [("- { protocol: HTTP, port: 80, redirect: { protocol: HTTPS, port: 443 } }", "- { protocol: HTTP, port: 443, redirect: { protocol: HTTPS, port: 443 } }")],
     [("protocol: HTTPS, port: 443, certificate", "443, certificate", "error", "duplicate-listener-port", "two listeners on port 443")])
case("selector-conflict", "an existing entry found two ways at once",
     [("vpc: { type: vpc, id: vpc-0123456789abcdef0 }", "vpc: { type: vpc, id: vpc-0123456789abcdef0, tags: { Name: main } }")],
     [("type: vpc, id", "tags", "error", "conflicting-fields", "give exactly one way")])
case("resource-type-under-existing", "a resource type written under existing",
     [("web: { type: instances, tags: { Role: web } }", "web: { type: target_group, tags: { Role: web } }")],
     [("web: { type: target_group", "target_group", "error", "invalid-value", "belongs under 'resources:'")])
case("yaml-1-1-boolean", "yes/no is not taken for a boolean",
     [("    ip_address_type: dualstack\n", "    ip_address_type: dualstack\n    deletion_protection: yes\n")],
     [("deletion_protection", "yes", "error", "wrong-type", "must be true or false")])
case("bad-stack-name", "a stack name with capitals and underscores",
     [("stack: demo", "stack: Demo_Stack")],
     [("stack: Demo", "Demo_Stack", "error", "invalid-value", "lower-case letters, digits and hyphens")])
case("too-many-security-groups", "six security groups on one load balancer",
     [("security_groups: [alb-sg]", "security_groups: [alb-sg, sg-00000001, sg-00000002, sg-00000003, sg-00000004, sg-00000005]")],
     [("security_groups: [alb-sg,", "security_groups", "error", "invalid-value", "at most 5")])
case("custom-tag", "a CloudFormation tag has no meaning here",
     [("forward: tg }", "forward: !Ref tg }")],
     [("forward: !Ref", "!Ref", "error", "yaml-syntax", "'!Ref' is not supported")])
case("ipv6-blocked-on-dualstack", "a dualstack load balancer open to IPv4 only: a warning",
     [('port: 443, from: ["0.0.0.0/0", "::/0"]', 'port: 443, from: ["0.0.0.0/0"]')],
     [("port: 443, from: [\"0.0.0.0/0\"]", "{ protocol: tcp, port: 443", "warning", "listener-port-blocked", "from IPv6")], 0)

# Raw files that are not edits of the base.
case("empty-file", "an empty file", [], [("", "", "error", "empty-file", "is empty")], raw="# nothing here\n")
case("multiple-documents", "two YAML documents in one file", [],
     [("---", "---", "error", "multiple-documents", "second one")], raw="stack: a\nregion: us-east-1\n---\nstack: b\nregion: us-east-1\n")
case("not-a-mapping", "a list where the stack mapping should be", [],
     [("- stack", "- stack", "error", "wrong-type", "must be a mapping")], raw="- stack: a\n- region: us-east-1\n")
case("alias-bomb", "aliases that repeat aliases until the document is enormous", [],
     [("e: &e", "&e", "error", "yaml-limits", "expands to more than")],
     raw="stack: a\nregion: us-east-1\nx:\n  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n")

case("non-utf8", "bytes that are not UTF-8", [],
     [("region:", "region: |", "error", "yaml-syntax", "UTF-8")], raw=b"stack: a\nregion: \xff\xfe\n")
case("deep-nesting", "lists nested two hundred deep (the root mapping is level 1, so the 64th bracket is level 65)", [],
     [("[[[", "x: " + "[" * 63 + "|", "error", "yaml-limits", "deeper than 64 levels")], raw="stack: a\nregion: us-east-1\nx: " + "[" * 200 + "]" * 200 + "\n")

out = sys.argv[1]
for name, what, edits, expects, exit_code, raw in cases:
    binary = isinstance(raw, bytes)
    text = raw.decode("latin-1") if binary else (raw if raw is not None else BASE)
    for old, new in edits:
        assert text.count(old) == 1, (name, old, text.count(old))
        text = text.replace(old, new)
    lines = text.split("\n")
    trailer = [f"# {what}", f"# exit: {exit_code}"]
    for line_sub, token, sev, code, msg in expects:
        if line_sub == "":
            ln, col = 1, 1
        else:
            ln = next(i for i, l in enumerate(lines) if line_sub in l) + 1
            bar = token.find("|")
            plain_token = token.replace("|", "")
            try:
                col = lines[ln - 1].index(plain_token) + 1 + max(bar, 0)
            except ValueError:
                raise SystemExit(f"{name}: token {token!r} not in line {lines[ln-1]!r}")
        trailer.append(f"# expect: {ln}:{col} {sev} {code} {msg}")
    body = text if text.endswith("\n") else text + "\n"
    with open(os.path.join(out, name + ".yaml"), "wb") as f:
        f.write((body + "\n".join(trailer) + "\n").encode("latin-1" if binary else "utf-8"))
print(len(cases), "cases")
