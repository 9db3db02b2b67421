#!/usr/bin/env python3
"""A local HTTP server that plays STS GetCallerIdentity badly on purpose: it answers each POST
from a script (throttle = 400 Throttling, ec2throttle = 503 RequestLimitExceeded, 429, 503,
reset = close the connection, ok = success), repeating the last entry. Prints its port, then
serves until killed. Every request is counted in the file given as the second argument."""
import http.server, socket, sys

script = sys.argv[1].split(",")
counter_path = sys.argv[2]
OK = ("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/flaky</Arn>"
      "<UserId>AIDAFLAKY</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>")
count = 0

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        step = script[min(count, len(script) - 1)]
        count += 1
        open(counter_path, "w").write(str(count))
        if step == "reset":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body = {
            "throttle": (400, "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"),
            "ec2throttle": (503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors></Response>"),
            "429": (429, ""),
            "503": (503, "<html><body>Service Unavailable</body></html>"),
            "ok": (200, OK),
        }[step]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
