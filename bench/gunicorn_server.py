"""A real gunicorn server on loopback, started as the Procfile starts it (gunicorn.conf.py in the
repository root supplies the settings), for the benchmarks and the serving tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
ABORT_SIGNS = ("SIGABRT", "terminate called", "Worker (pid", "Traceback")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`gunicorn wsgi:server` on a free loopback port; `extra` arguments override gunicorn.conf.py."""

    def __init__(self, artifacts: Path, workers: int = 2, extra: tuple[str, ...] = (), env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log", delete=False)
        environment = {**os.environ, "ARTIFACTS_DIR": str(artifacts), **(env or {})}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:server", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), *extra],
            cwd=ROOT, env=environment, stdout=self.log_file, stderr=subprocess.STDOUT)

    def wait_listening(self, timeout: float = 60) -> float:
        """Seconds from start until the port accepts connections (the app is loaded by then:
        gunicorn.conf.py preloads it before binding workers)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"gunicorn did not start within {timeout} s:\n{self.log()}")

    def wait_ready(self, path: str = "/", timeout: float = 60) -> float:
        """Seconds from start until GET `path` answers 200."""
        import requests

        self.wait_listening(timeout)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                if requests.get(self.url + path, timeout=5).status_code == 200:
                    return time.perf_counter() - self.started
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"GET {path} did not answer 200 within {timeout} s:\n{self.log()}")

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def worker_rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker process, by pid (with the pages of mapped files it has read,
        such as the galleries' cached splits, which every worker shares)."""
        return {c.pid: round(c.memory_info().rss / 2**20, 1) for c in self.workers()}

    def worker_private_mb(self) -> dict[int, float]:
        """Each worker's own memory, by pid: what is resident and not backed by a file (its heap), so
        what another worker costs; the cached splits' mapped pages are the page cache's, shared."""
        return {c.pid: round((info.rss - info.shared) / 2**20, 1)
                for c in self.workers() for info in [c.memory_info()]}

    def stop(self, timeout: float = 60) -> tuple[int, float]:
        """SIGTERM, as a platform stops a dyno; returns (exit code, seconds to stop)."""
        start = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code, time.perf_counter() - start

    def log(self) -> str:
        self.log_file.flush()
        return Path(self.log_file.name).read_text(errors="replace")

    def aborts(self) -> list[str]:
        """Log lines that show a worker dying badly (aborted, killed, crashed)."""
        return [line for line in self.log().splitlines() if any(sign in line for sign in ABORT_SIGNS)]

    def close(self) -> None:
        if self.process.poll() is None:
            self.stop()
        self.log_file.close()
        Path(self.log_file.name).unlink(missing_ok=True)
