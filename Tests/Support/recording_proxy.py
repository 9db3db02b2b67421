#!/usr/bin/env python3
"""An HTTP proxy in front of the emulator that writes down every AWS operation it forwards, so
a test can see from outside Portico what a command sent. Usage: recording_proxy.py UPSTREAM LOG.
Prints its port, then serves until killed. Each log line: SERVICE OPERATION METHOD PATH, where
the service is the credential scope's and the operation comes from the query Action, the
X-Amz-Target header, or (REST, Route53) is the method and path."""
import http.client, http.server, re, socketserver, sys, urllib.parse

upstream = urllib.parse.urlparse(sys.argv[1])
log_path = sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
        service = scope.group(1) if scope else "?"
        operation = None
        if self.headers.get("X-Amz-Target"):
            operation = self.headers["X-Amz-Target"].split(".")[-1]
        else:
            params = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
            params.update(urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query))
            if "Action" in params:
                operation = params["Action"][0]
        # Opened per line: the test may truncate or replace the log between commands.
        with open(log_path, "a") as log:
            log.write(f"{service} {operation or '-'} {self.command} {urllib.parse.urlparse(self.path).path}\n")
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
