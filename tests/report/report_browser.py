"""Open an HTML file in headless Chromium (the Debian `chromium` package) and report what a
reader's browser saw: console messages, uncaught exceptions, log errors (CSP violations,
failed loads), network requests, JavaScript dialogs, and values of expressions evaluated in
the page.

It speaks the Chrome DevTools Protocol over `--remote-debugging-pipe` (file descriptors 3
and 4, NUL-delimited JSON), so it needs nothing but Python and the browser: no websocket
client, no driver, no port.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--remote-debugging-pipe",
)


def chromium() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


class BrowserError(Exception):
    pass


@dataclass
class PageReport:
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    loaded: bool = False

    @property
    def errors(self) -> list[str]:
        """Everything a reader would count as an error in the browser's console."""
        found = [f"console.{m['type']}: {m['text']}" for m in self.console
                 if m["type"] in ("error", "assert", "warning")]
        found += [f"exception: {e}" for e in self.exceptions]
        found += [f"log {e.get('level')}: {e.get('text')} {e.get('url', '')}".strip()
                  for e in self.log if e.get("level") in ("error", "warning")]
        return found


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.buffer = b""
        self.next_id = 0

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method,
                                   "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self.write_fd, data)
            data = data[written:]
        return self.next_id

    def receive(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise BrowserError("the browser closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)


def _high(fd: int) -> int:
    """A copy of `fd` at 10 or above, so moving it to 3 or 4 cannot clobber its partner."""
    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


def open_page(path: Path, expressions: dict[str, str], timeout: float = 60.0) -> PageReport:
    """Load `path`, wait for the load event, evaluate `expressions` (name -> JS), close."""
    binary = chromium()
    if binary is None:
        raise BrowserError("chromium is not installed")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    child_in, child_out = _high(to_browser_r), _high(from_browser_w)

    def wire() -> None:  # in the child, before exec
        os.dup2(child_in, 3)
        os.dup2(child_out, 4)

    profile = tempfile.mkdtemp(prefix="bridgelab-chromium-")
    # The browser's own log goes to a file: a pipe nobody reads could fill and stall it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        pass_fds=(3, 4), preexec_fn=wire,  # only dup2 in the child: no locks taken
    )
    for fd in (to_browser_r, from_browser_w, child_in, child_out):
        os.close(fd)
    pipe = _Pipe(to_browser_w, from_browser_r)
    report = PageReport()
    deadline = time.monotonic() + timeout
    try:
        report = _drive(pipe, path, expressions, deadline)
    except BrowserError as error:
        log.seek(0)
        tail = log.read().decode(errors="replace")[-2000:]
        raise BrowserError(f"{error}\nchromium's log ends:\n{tail}") from None
    finally:
        with contextlib.suppress(OSError):
            pipe.send("Browser.close")
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        os.close(to_browser_w)
        os.close(from_browser_r)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
    return report


def _drive(pipe: _Pipe, path: Path, expressions: dict[str, str],
           deadline: float) -> PageReport:
    report = PageReport()
    replies: dict[int, dict[str, Any]] = {}

    def pump(until_id: int | None = None, until_event: str | None = None) -> Any:
        while True:
            if until_id is not None and until_id in replies:
                reply = replies.pop(until_id)
                if "error" in reply:
                    raise BrowserError(f"DevTools error: {reply['error']}")
                return reply.get("result", {})
            message = pipe.receive(deadline)
            if message is None:
                raise BrowserError("timed out waiting for the browser")
            if "id" in message:
                replies[message["id"]] = message
                continue
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", "")))
                                for a in params.get("args", []))
                report.console.append({"type": params.get("type"), "text": text})
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                report.exceptions.append(
                    details.get("exception", {}).get("description") or details.get("text"))
            elif method == "Log.entryAdded":
                report.log.append(params.get("entry", {}))
            elif method == "Network.requestWillBeSent":
                report.requests.append(params.get("request", {}).get("url", ""))
            elif method == "Page.javascriptDialogOpening":
                report.dialogs.append(params)
                pipe.send("Page.handleJavaScriptDialog", {"accept": False},
                          message.get("sessionId"))
            if until_event is not None and method == until_event:
                return params

    target = pump(pipe.send("Target.createTarget", {"url": "about:blank"}))
    attached = pump(pipe.send("Target.attachToTarget",
                              {"targetId": target["targetId"], "flatten": True}))
    session = attached["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        pump(pipe.send(f"{domain}.enable", {}, session))
    pump(pipe.send("Page.navigate", {"url": path.resolve().as_uri()}, session))
    pump(until_event="Page.loadEventFired")
    report.loaded = True
    # Let late console messages and image decodes arrive.
    settle = pipe.send("Runtime.evaluate", {
        "expression": "new Promise(r => setTimeout(r, 300))", "awaitPromise": True,
    }, session)
    pump(settle)
    for name, expression in expressions.items():
        result = pump(pipe.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
        }, session))
        report.values[name] = result.get("result", {}).get("value")
    return report
