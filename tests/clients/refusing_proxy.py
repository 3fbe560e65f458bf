"""An HTTP(S) proxy that refuses every connection and records what was asked.

Claude Code runs with HTTPS_PROXY/HTTP_PROXY pointing here, so any attempt to
reach a host other than Keyway (which NO_PROXY exempts) shows up in
`attempts` instead of leaving the machine.
"""

import socket
import socketserver
import threading
import time

REFUSAL = b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 28\r\nConnection: close\r\n\r\nrefused by the test's proxy\n"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock: socket.socket = self.request
        sock.settimeout(2.0)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 16384:
                part = sock.recv(4096)
                if not part:
                    break
                head += part
        except OSError:
            pass
        first = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        host = ""
        for line in head.split(b"\r\n")[1:]:
            if line.lower().startswith(b"host:"):
                host = line[5:].strip().decode("latin-1", "replace")
        self.server.record({"request": first or "<no request line>", "host": host, "at": time.time()})
        try:
            sock.sendall(REFUSAL)
        except OSError:
            pass


class RefusingProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self.attempts: list[dict] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def record(self, attempt: dict) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def taken(self) -> list[dict]:
        """The attempts so far, clearing the record."""
        with self._lock:
            out, self.attempts = self.attempts, []
        return out

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "RefusingProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

