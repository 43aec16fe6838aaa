"""Several API worker processes, each listening on a socket of its own on the one port.

uvicorn's workers share one listening socket, and the worker that wakes first accepts every
connection that is waiting. Clients that connect together (50 keep-alive clients of the API
benchmark) then mostly land on one worker, which serves them all on one core while the other
idles: in one run 28.9 s of CPU against 0.25 s, and creates queued to a median of half a
second. Here each worker binds its own socket with SO_REUSEPORT, and the kernel spreads new
connections over the workers' sockets. A worker that dies is started again.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess

import uvicorn

from scheduling_platform.runtime.launcher import refuse_busy_port

APP_FACTORY = "scheduling_platform.api.app:create_served_app"
# A worker that dies this soon after it started, this many times in a row, is not started
# again: it cannot start (a broken setting), and restarting it would only spin.
EARLY_DEATH_SECONDS = 10.0
EARLY_DEATHS_ALLOWED = 3
STOP_SECONDS = 15.0  # a stopping worker finishes its requests, then is killed
PARENT_CHECK_SECONDS = 1.0  # how often a worker looks whether its supervisor still runs


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other sockets of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def stop_when_orphaned(parent: int) -> None:
    """SIGTERM to this worker once its supervisor `parent` is gone (killed, so it could not
    stop its workers): a worker left behind would go on taking connections on the port
    (SO_REUSEPORT) beside the next server started there, with the old code and settings."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's handler: the requests in flight finish


def serve_one_worker(host: str, port: int, parent: int) -> None:
    """A worker process: its own socket, its own app (the asyncio server listens on it)."""
    threading.Thread(target=stop_when_orphaned, args=(parent,), daemon=True).start()
    config = uvicorn.Config(
        APP_FACTORY, factory=True, host=host, port=port, log_level="info", access_log=True
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve_workers(host: str, port: int, workers: int) -> int:
    """Run `workers` worker processes until SIGINT or SIGTERM; returns the exit status."""
    # With SO_REUSEPORT a second server of this user could bind the same port and share
    # its connections without an error: refuse a taken port before any worker binds.
    refuse_busy_port(host, port, "REST API", "SCHEDULING_API_PORT")
    context = multiprocessing.get_context("spawn")  # no inherited threads, locks or sockets
    stopping = threading.Event()

    def stop(*_args: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(
            target=serve_one_worker, args=(host, port, os.getpid()), name="api-worker", daemon=False
        )
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    early_deaths = 0
    status = 0
    try:
        while not stopping.wait(0.5):
            for n, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                early = time.monotonic() - started < EARLY_DEATH_SECONDS
                early_deaths = early_deaths + 1 if early else 0
                if early_deaths > EARLY_DEATHS_ALLOWED:
                    print(
                        f"API worker {process.pid} exited with {process.exitcode} "
                        f"{early_deaths} times in a row within seconds of starting; stopping",
                        file=sys.stderr,
                        flush=True,
                    )
                    status = 1
                    stopping.set()
                    break
                print(
                    f"API worker {process.pid} exited with {process.exitcode}; starting another",
                    file=sys.stderr,
                    flush=True,
                )
                running[n] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in running:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                process.kill()
                process.join(5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
