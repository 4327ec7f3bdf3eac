"""The load client of bench/load.py: virtual users over asyncio and HTTP/1.1.

Run by bench/load.py as a child process (``python bench/_loadclient.py``), one
JSON command per line on standard input, one JSON answer per line on standard
output. It imports nothing from the app and no third-party package, so that it
stays cheap: a small HTTP/1.1 client over ``asyncio.open_connection`` that keeps
connections alive when the server allows it (gunicorn's gthread workers) and
reconnects when the server closes them (sync workers answer ``Connection:
close``, so there every request pays a loopback connect, as a browser's would).

Commands:

- ``{"cmd": "login", "servers": [...], "users": [...]}``: every virtual user
  signs in once through the real form (GET /login for the CSRF token, POST
  /login) and keeps its session cookie.
- ``{"cmd": "run", "scenario": ..., "mode": "lms" | "floor", ...}``: every
  virtual user loops over the scenario's requests until the end of the run;
  the requests that complete inside the measured window are returned as
  records ``[label, status, latency_us, response_bytes, request_bytes, method]``.
- ``{"cmd": "quit"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import random
import re
import sys
import time
from urllib.parse import quote, urlencode, urlsplit

REQUEST_TIMEOUT = 30.0
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
ATTEMPT_PATH = re.compile(r"/courses/[a-z0-9-]+/attempts/(\d+)$")
INPUT = re.compile(rb"<input ([^>]*)>")
SELECT = re.compile(rb'<select id="[^"]*" name="([^"]+)">(.*?)</select>', re.S)
OPTION_VALUE = re.compile(rb'<option value="([^"]+)"')
ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')

# What each scenario's loop requests, by label. The floor replays the same labels.
SEQUENCES = {
    "dashboard": ["dashboard"],
    "outline": ["outline"],
    "lesson": ["lesson"],
    "quiz": ["quiz page"],
    "verify": ["verify"],
    "submit": ["quiz start", "attempt form", "quiz submit"],
    "mix": [
        "dashboard",
        "outline",
        "lesson",
        "quiz page",
        "quiz start",
        "attempt form",
        "quiz submit",
        "verify",
    ],
}


class ConnectionFailed(Exception):
    """No complete response: refused, reset, closed early or timed out."""


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class Connection:
    """One HTTP/1.1 connection to one server, opened again when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0
        self.answering = False

    async def request(self, method: str, path: str, headers: dict, body: bytes) -> Response:
        reused = self.writer is not None
        try:
            return await self._exchange(method, path, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError, ConnectionFailed):
            self.close()
            # A kept-alive connection the server had closed while it was idle: nothing
            # of the answer came, so the request was not handled; once more, on a new one.
            if reused and not self.answering:
                try:
                    return await self._exchange(method, path, headers, body)
                except (ConnectionError, asyncio.IncompleteReadError, ConnectionFailed):
                    self.close()
                    raise ConnectionFailed(method + " " + path) from None
            raise ConnectionFailed(method + " " + path) from None

    async def _exchange(self, method, path, headers, body) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.connects += 1
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        reader = self.reader
        self.answering = False
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionFailed("closed before the status line")
        self.answering = True
        status = int(status_line.split(b" ", 2)[1])
        response_headers = []
        length = None
        chunked = close = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            key, value = key.strip().lower(), value.strip()
            response_headers.append((key, value))
            if key == "content-length":
                length = int(value)
            elif key == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif key == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    break
                parts.append(await reader.readexactly(size))
                await reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await reader.readexactly(length) if length else b""
        elif method == "HEAD" or status in (204, 304):
            data = b""
        else:
            data = await reader.read()
            close = True
        if close:
            self.close()
        return Response(status, response_headers, data)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Run:
    """The clock of one run: requests completed inside [measure_from, until] are kept."""

    def __init__(self, start_at: float, warmup: float, duration: float):
        self.measure_from = start_at + warmup
        self.until = self.measure_from + duration
        self.records: list[list] = []
        self.errors: list[str] = []

    def open(self) -> bool:
        return time.time() < self.until

    def keep(self, label, status, started, ended, response_bytes, request_bytes, method):
        if self.measure_from <= ended <= self.until:
            latency_us = int((ended - started) * 1_000_000)
            self.records.append([label, status, latency_us, response_bytes, request_bytes, method])


class User:
    """One virtual user: a learner (or, for the floor, anyone), one connection per server."""

    def __init__(self, spec: dict, servers: list, seed: int):
        self.spec = spec
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.rng = random.Random(seed)
        self.connections = [Connection(host, port) for host, port in servers]
        self.turn = self.rng.randrange(len(self.connections))
        self.step = self.rng.randrange(1_000_000)

    def use_servers(self, servers: list) -> None:
        for connection in self.connections:
            connection.close()
        self.connections = [Connection(host, port) for host, port in servers]
        self.turn = self.rng.randrange(len(self.connections))

    def connects(self) -> int:
        return sum(c.connects for c in self.connections)

    async def send(
        self,
        run: Run | None,
        label: str,
        method: str,
        path: str,
        form: dict | None = None,
        anonymous: bool = False,
        raw_body: bytes | None = None,
    ) -> Response | None:
        """One request, round-robin over the servers; recorded when inside the window."""
        body = raw_body if raw_body is not None else urlencode(form or {}).encode()
        headers = {"User-Agent": "lms-bench-load"}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies and not anonymous:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = self.connections[self.turn]
        self.turn = (self.turn + 1) % len(self.connections)
        started = time.time()
        try:
            response = await asyncio.wait_for(
                connection.request(method, path, headers, body), REQUEST_TIMEOUT
            )
        except (ConnectionFailed, TimeoutError, OSError) as error:
            connection.close()
            if run is not None:
                run.keep(label, 0, started, time.time(), 0, len(body), method)
                run.errors.append(f"{label}: {type(error).__name__} {error}"[:200])
            return None
        ended = time.time()
        if run is not None:
            run.keep(label, response.status, started, ended, len(response.body), len(body), method)
            if response.status >= 500 and len(run.errors) < 100:
                run.errors.append(f"{label}: {response.status} {method} {path}")
        if not anonymous:
            self._keep_cookies(response)
        return response

    def _keep_cookies(self, response: Response) -> None:
        for key, value in response.headers:
            if key != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            name, _, cookie = pair.strip().partition("=")
            expired = "max-age=0" in attributes.lower() or "expires=thu, 01 jan 1970" in (
                attributes.lower()
            )
            if expired or not cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie

    def take_csrf(self, response: Response | None) -> None:
        if response is not None and response.status == 200:
            found = CSRF.search(response.body)
            if found:
                self.csrf = found.group(1).decode()

    # -- what a learner does ----------------------------------------------------------

    async def sign_in(self, run: Run) -> str | None:
        """None when signed in, else why not."""
        page = await self.send(run, "sign-in form", "GET", "/login")
        if page is None or page.status != 200:
            return f"GET /login answered {page and page.status}"
        self.take_csrf(page)
        form = {"csrf_token": self.csrf, "email": self.spec["email"]}
        form["password"] = self.spec["password"]
        answer = await self.send(run, "sign in", "POST", "/login", form)
        if answer is None or answer.status != 302:
            found = re.search(rb'class="error[^"]*"[^>]*>(.*?)</', answer.body if answer else b"")
            reason = found.group(1).decode(errors="replace").strip() if found else ""
            return f"POST /login answered {answer and answer.status} {reason}".strip()
        return None

    def _pick(self, items: list):
        self.step += 1
        return items[self.step % len(items)]

    def _course(self) -> dict:
        return self._pick(self.spec["courses"])

    async def lms_step(self, run: Run, label: str, state: dict) -> None:
        """One request of a scenario against the LMS."""
        if label == "dashboard":
            await self.send(run, label, "GET", "/dashboard")
        elif label == "outline":
            course = state["course"] = self._course()
            await self.send(run, label, "GET", f"/courses/{course['slug']}")
        elif label == "lesson":
            course = state.get("course") or self._course()
            module, lesson, note = self._pick(course["lessons"])
            path = f"/courses/{course['slug']}/lessons/{module}/{lesson}"
            await self.send(run, label, "GET", path + ("?note=seen" if note else ""))
        elif label == "quiz page":
            course = state.get("course") or self._course()
            state["quiz"] = self._pick(course["quizzes"])
            state["quiz_course"] = course
            page = await self.send(
                run, label, "GET", f"/courses/{course['slug']}/quizzes/{state['quiz']}"
            )
            self.take_csrf(page)
        elif label == "quiz start":
            course = state.get("quiz_course") or self._course()
            quiz = state.get("quiz") or self._pick(course["quizzes"])
            state["quiz_course"], state["quiz"], state["attempt"] = course, quiz, None
            answer = await self.send(
                run,
                label,
                "POST",
                f"/courses/{course['slug']}/quizzes/{quiz}/start",
                {"csrf_token": self.csrf},
            )
            location = answer.header("location") if answer is not None else None
            found = ATTEMPT_PATH.search(urlsplit(location).path) if location else None
            if answer is not None and answer.status == 302 and found:
                state["attempt"] = int(found.group(1))
            elif answer is not None and answer.status == 302:
                state["refused"] = state.get("refused", 0) + 1  # attempts used up: by design
        elif label == "attempt form":
            if state.get("attempt") is None:
                return
            course = state["quiz_course"]
            page = await self.send(
                run, label, "GET", f"/courses/{course['slug']}/attempts/{state['attempt']}"
            )
            if page is not None and page.status == 200:
                key = (course["slug"], state["quiz"])
                if key not in FORMS:
                    FORMS[key] = attempt_fields(page.body)
        elif label == "quiz submit":
            if state.get("attempt") is None:
                return
            course = state["quiz_course"]
            fields = FORMS.get((course["slug"], state["quiz"]), {})
            form = [("csrf_token", self.csrf)] + answers(fields, self.rng) + [("action", "submit")]
            await self.send(
                run,
                label,
                "POST",
                f"/courses/{course['slug']}/attempts/{state['attempt']}",
                raw_body=urlencode(form).encode(),
            )
            state["attempt"] = None
        elif label == "verify":
            code = self._pick(self.spec["codes"]) if self.spec["codes"] else "NO-CODES"
            await self.send(run, label, "GET", f"/verify/{quote(code)}", anonymous=True)
        else:
            raise ValueError(label)


FORMS: dict[tuple[str, str], dict] = {}


def attempt_fields(page: bytes) -> dict:
    """The attempt form's questions: field name -> (kind, possible values)."""
    fields: dict[str, tuple[str, list[str]]] = {}
    for match in INPUT.finditer(page):
        attributes = {
            k.decode(): html.unescape(v.decode()) for k, v in ATTRIBUTE.findall(match.group(1))
        }
        name = attributes.get("name", "")
        if not name.startswith("q-"):
            continue
        kind = attributes.get("type", "text")
        values = fields.setdefault(name, (kind, []))[1]
        if kind in ("radio", "checkbox"):
            values.append(attributes.get("value", ""))
    for name, options in SELECT.findall(page):
        values = [html.unescape(v.decode()) for v in OPTION_VALUE.findall(options)]
        fields[html.unescape(name.decode())] = ("select", values)
    return fields


def answers(fields: dict, rng: random.Random) -> list[tuple[str, str]]:
    """A learner's answers: one choice per radio group, some boxes, a word, an option."""
    form = []
    for name, (kind, values) in fields.items():
        if kind == "radio" and values:
            form.append((name, rng.choice(values)))
        elif kind == "checkbox" and values:
            picked = [v for v in values if rng.random() < 0.5] or [rng.choice(values)]
            form += [(name, v) for v in picked]
        elif kind == "select" and values:
            form.append((name, rng.choice(values)))
        elif kind == "text":
            form.append((name, rng.choice(["interpreter", "42", "safety plan"])))
    return form


async def user_loop(user: User, run: Run, command: dict) -> None:
    sequence = SEQUENCES[command["scenario"]]
    think = command.get("think", 0.0)
    floor = command["mode"] == "floor"
    sizes = command.get("sizes", {})
    state: dict = {}
    # Users start spread over the first tenth of a second, not as one burst.
    await asyncio.sleep(user.rng.random() * 0.1)
    while run.open():
        for label in sequence:
            if not run.open():
                return
            if floor:
                if label not in sizes:
                    continue  # the LMS answered none of these (a refused start, say)
                method, request_bytes, response_bytes = sizes[label]
                await user.send(
                    run,
                    label,
                    method,
                    f"/bytes?size={response_bytes}",
                    raw_body=b"x" * request_bytes if method == "POST" else b"",
                    anonymous=True,
                )
            else:
                await user.lms_step(run, label, state)
            if think:
                await asyncio.sleep(user.rng.expovariate(1.0 / think))


async def sign_in_all(users: list[User], start_at: float) -> dict:
    run = Run(start_at, 0.0, 3600.0)
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async def one(user):
        problem = await user.sign_in(run)
        return None if problem is None else f"{user.spec['email']}: {problem}"

    problems = [p for p in await asyncio.gather(*(one(u) for u in users)) if p]
    return {"records": run.records, "errors": run.errors + problems}


async def run_scenario(users: list[User], command: dict) -> dict:
    servers = [tuple(s) for s in command["servers"]]
    for user in users:
        user.use_servers(servers)
    run = Run(command["start_at"], command["warmup"], command["duration"])
    await asyncio.sleep(max(0.0, command["start_at"] - time.time()))
    cpu = time.process_time()
    connects = sum(u.connects() for u in users)
    await asyncio.gather(*(user_loop(u, run, command) for u in users))
    return {
        "records": run.records,
        "errors": run.errors[:20],
        "error_count": len(run.errors),
        "client_cpu_seconds": time.process_time() - cpu,
        "connects": sum(u.connects() for u in users) - connects,
    }


async def serve() -> None:
    loop = asyncio.get_running_loop()
    users: list[User] = []
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        command = json.loads(line)
        if command["cmd"] == "quit":
            return
        if command["cmd"] == "login":
            servers = [tuple(s) for s in command["servers"]]
            users = [
                User(spec, servers, seed=command["seed"] + i)
                for i, spec in enumerate(command["users"])
            ]
            answer = await sign_in_all(users, command["start_at"])
        elif command["cmd"] == "run":
            answer = await run_scenario(users, command)
        else:
            answer = {"errors": [f"unknown command {command['cmd']!r}"]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # bench/load.py stops us with its group
        asyncio.run(serve())
