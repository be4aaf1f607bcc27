"""Serve an annotation round with uvicorn: bind, print the personal links, run until stopped."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from pathlib import Path
from typing import IO, TextIO

import uvicorn

from meta_evaluator.annotate._app import build_app
from meta_evaluator.annotate._round import AnnotationRound
from meta_evaluator.annotate._tokens import OWNER
from meta_evaluator.errors import ConfigError, ProjectError

__all__ = ["AnnotationServer", "lock_project"]


def lock_project(project_dir: str | Path) -> IO[str]:
    """Hold the project's annotate lock (one server per project); released when closed or on exit.

    Raises:
        ProjectError: Another annotate server holds it.
    """
    if not (Path(project_dir) / "state.json").is_file():
        raise ProjectError(
            f"Cannot annotate {str(project_dir)!r}: it holds no saved project (state.json). "
            "Create the project (add_eval_task, add_data, save_state) or fix the path."
        )
    folder = Path(project_dir) / "annotations" / "annotate"
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / "server.lock", "a+", encoding="utf-8")  # noqa: SIM115 (held while serving)
    try:
        import fcntl

        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no fcntl (Windows): no lock
        pass
    except OSError:
        fh.seek(0)
        other = fh.read().strip() or "?"
        fh.close()
        raise ProjectError(
            f"Another annotate server (pid {other}) is serving this project; two would write the "
            "same journals. Stop it first, or use its links."
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


class AnnotationServer:
    """An HTTP server for one :class:`AnnotationRound` (uvicorn on a socket bound at creation).

    Args:
        round_: The round to serve.
        host: Interface to bind (default loopback only; see the README for a reverse proxy).
        port: TCP port; 0 or None picks a free one.
        public_url: The address annotators reach the server at, when it sits behind a reverse
            proxy (e.g. ``https://label.example.org``); links are printed with it.
        lock: The project lock from :func:`lock_project`, when the caller took it before
            building the round (as ``launch_annotator`` does); taken here otherwise.

    Raises:
        ConfigError: The address cannot be bound (port in use, unknown host).
        ProjectError: Another annotate server is serving the same project.
    """

    def __init__(
        self,
        round_: AnnotationRound,
        *,
        host: str = "127.0.0.1",
        port: int | None = 0,
        public_url: str | None = None,
        lock: IO[str] | None = None,
    ) -> None:
        self.round = round_
        self.host = host
        self.public_url = public_url.rstrip("/") if public_url else None
        self._lock = lock if lock is not None else lock_project(round_.ev.project_dir)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port or 0))
        except OSError as exc:
            self._sock.close()
            self._lock.close()
            raise ConfigError(
                f"Cannot listen on {host}:{port}: {exc}. Pick another --port (0 = any free one)."
            ) from exc
        self._sock.listen(2048)
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(round_),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def link(self, token: str, *, owner: bool = False) -> str:
        """The personal link for a token (kept in the #fragment: never sent in logs or Referer)."""
        base = self.public_url or self.base_url
        return f"{base}/{'status' if owner else ''}#token={token}"

    def print_links(self, out: TextIO) -> None:
        """Print the owner's and every annotator's link (only tokens issued in this run exist)."""
        new = self.round.new_tokens
        where = f"{self.base_url}/" + (f" (public: {self.public_url}/)" if self.public_url else "")
        print(f"annotating {self.round.ev.project_dir.name!r} at {where}", file=out)
        holders = [OWNER, *self.round.settings.annotators]
        for holder in holders:
            label = "owner status" if holder == OWNER else f"annotator {holder}"
            if holder in new:
                print(f"  {label}: {self.link(new[holder], owner=holder == OWNER)}", file=out)
            else:
                print(
                    f"  {label}: link issued earlier (unchanged; --new-tokens issues new ones)",
                    file=out,
                )
        if self.host not in ("127.0.0.1", "localhost", "::1") and not self.public_url:
            print(
                f"warning: listening on {self.host} over plain HTTP; tokens cross the network "
                "unencrypted. Prefer the default 127.0.0.1 behind a TLS reverse proxy (README).",
                file=out,
            )
        print("Ctrl-C stops the server; every confirmed label is already saved.", file=out)
        out.flush()

    def serve_forever(self) -> None:
        """Serve until Ctrl-C / SIGTERM (the labels are written to the project on the way out).

        Inside a running event loop (Jupyter) the server runs in a thread and Ctrl-C (interrupt
        the kernel) stops it.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                self._server.run(sockets=[self._sock])
            finally:
                self._release()
            return
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def _release(self) -> None:
        self._sock.close()
        self._lock.close()

    def start(self) -> AnnotationServer:
        """Serve in a background thread (tests, notebooks); returns when it accepts requests."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="annotate-server", daemon=True)  # fmt: skip
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the annotation server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop a server started with :meth:`start` (flushing the labels first)."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._release()

    def __enter__(self) -> AnnotationServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
