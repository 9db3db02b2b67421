#!/usr/bin/env python3
"""A proxy between Portico and the emulator that injects faults on a seeded schedule.

Usage: fault_proxy.py UPSTREAM LOG [--seed N] [--rate R] [--kinds a,b,...] [--max-run K]
                                   [--force OPERATION=FAULT,...] [--signatures FILE]
Prints its port, then serves until killed.

Each request is either forwarded as is or meets one fault, chosen from the seed, the request
(method, path, body) and how many times that same request was seen before; so a run's schedule
does not depend on the order in which concurrent calls arrive. Retries of one request meet at
most K faults in a row (default 3), so a client that retries well always gets through: with
--rate 1 and --max-run 0 every call fails, forever.

Faults (the AWS error bodies are in each service's own envelope):
  throttle      400 Throttling (EC2: 503 RequestLimitExceeded; ACM: 400 ThrottlingException)
  429           429 with an empty body
  500           500 InternalFailure
  503           503 with an HTML page, as a load balancer in front of a service sends
  reset         the connection is reset before the request reaches the emulator
  reset-after   the request is carried out by the emulator, then the connection is reset
  truncate      carried out, then the response is cut short (Content-Length says more)
  delay         carried out, answered after 0.3-1.5 s

--force meets the first request of each named operation with the named fault, whatever the
seed says: a test that a lost answer to one particular call is survived.

The log gets one JSON line per request: service (the credential scope's), operation, HTTP
method, fault (or null), and whether the emulator carried it out. With --rate 0 it is a
recording proxy: a test sees from outside Portico what a command sent. --signatures writes every request's SigV4 signature, one per line, so
a test can check that none of them is printed. --bodies adds each request's path and body
to its log line, for Tests/Support/check_requests.py. --latency S holds each call S seconds
before forwarding it, as the way to AWS would (scripts/bench.py)."""
import argparse, hashlib, http.client, http.server, json, random, re, socket, socketserver, struct, sys, threading, time, urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("upstream")
parser.add_argument("log")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--rate", type=float, default=0.25)
parser.add_argument("--kinds", default="throttle,429,500,503,reset,reset-after,truncate,delay")
parser.add_argument("--max-run", type=int, default=3)
parser.add_argument("--force", default="")
parser.add_argument("--signatures")
parser.add_argument("--bodies", action="store_true", help="log each request's path and body too (for check_requests.py)")
parser.add_argument("--latency", type=float, default=0, help="seconds each call waits before it is forwarded, as a network to AWS would add")
options = parser.parse_args()
upstream = urllib.parse.urlparse(options.upstream)
kinds = options.kinds.split(",")
forced = dict(pair.split("=", 1) for pair in options.force.split(",") if pair)
lock = threading.Lock()
seen = {}        # request key -> times seen
in_a_row = {}    # request key -> faults met in a row


def operation_of(headers, path, body):
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    service = scope.group(1) if scope else "?"
    if headers.get("X-Amz-Target"):
        return service, headers["X-Amz-Target"].split(".")[-1]
    params = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    if "Action" in params:
        return service, params["Action"][0]
    return service, None


def route53_operation(method, path):
    """Route53 is REST: the operation follows from method and path."""
    if path.endswith("/rrset") and method == "POST":
        return "ChangeResourceRecordSets"
    if path.endswith("/rrset"):
        return "ListResourceRecordSets"
    if "/hostedzonesbyname" in path:
        return "ListHostedZonesByName"
    if "/hostedzone/" in path:
        return "GetHostedZone"
    return f"{method} {path}"


def error_response(service, fault):
    """Status, content type and body of an injected error, as the service would send it."""
    request_id = "fault-" + hashlib.sha1(str(time.time()).encode()).hexdigest()[:12]
    if fault == "429":
        return 429, "text/plain", b""
    if fault == "503":
        return 503, "text/html", b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503</h1></body></html>"
    code, status = ("Throttling", 400) if fault == "throttle" else ("InternalFailure", 500)
    if service == "ec2":
        if fault == "throttle":
            code, status = "RequestLimitExceeded", 503
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        return status, "text/xml", body.encode()
    if service == "acm":
        code = "ThrottlingException" if fault == "throttle" else "InternalFailure"
        return status, "application/x-amz-json-1.1", json.dumps({"__type": code, "message": "injected"}).encode()
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, "text/xml", body.encode()


def choose_fault(key):
    with lock:
        nth = seen.get(key, 0)
        seen[key] = nth + 1
        run = in_a_row.get(key, 0)
        rng = random.Random(f"{options.seed}:{key}:{nth}")
        fault = None
        if rng.random() < options.rate and (options.max_run == 0 or run < options.max_run):
            fault = kinds[rng.randrange(len(kinds))]
        in_a_row[key] = run + 1 if fault and fault != "delay" else 0
        return fault, rng


class Handler(http.server.BaseHTTPRequestHandler):
    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        if options.latency:
            time.sleep(options.latency)
        service, operation = operation_of(self.headers, self.path, body)
        if service == "route53" and operation is None:
            operation = route53_operation(self.command, urllib.parse.urlparse(self.path).path.rstrip("/"))
        if options.signatures:
            signature = re.search(r"Signature=([0-9a-f]+)", self.headers.get("Authorization", ""))
            if signature:
                with lock, open(options.signatures, "a") as out:
                    out.write(signature.group(1) + "\n")
        key = hashlib.sha256(self.command.encode() + self.path.encode() + body).hexdigest()
        fault, rng = choose_fault(key)
        with lock:
            if operation in forced:
                fault = forced.pop(operation)
        reached = fault not in ("throttle", "429", "500", "503", "reset")
        with lock, open(options.log, "a") as log:
            entry = {"service": service, "operation": operation, "method": self.command, "fault": fault, "reached": reached}
            if options.bodies:
                entry.update(path=self.path, body=body.decode("utf-8", "replace"))
            log.write(json.dumps(entry) + "\n")

        if fault == "reset":
            return self.reset()
        if fault in ("throttle", "429", "500", "503"):
            status, content_type, data = error_response(service, fault)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return

        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if fault == "reset-after":
            return self.reset()
        if fault == "delay":
            time.sleep(0.3 + rng.random() * 1.2)
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            return self.reset()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
