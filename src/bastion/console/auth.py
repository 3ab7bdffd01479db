"""Who may use the console and what they may do: users, password hashes, sessions, CSRF, rate limits.

Roles, in increasing authority: ``observer`` (watch), ``operator`` (also answer engagement
authorisation requests and drive a simulated night's clock), ``commander`` (also change the
weapons-control status).

- Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher``, whose defaults are RFC 9106's
  second recommended option: 3 passes, 64 MiB, 4 lanes) in the ``users`` table of the console's
  SQLite database. An unknown name costs the same hash as a wrong password, so response times do not
  reveal which names exist.
- Sessions are random 256-bit tokens held server-side (by their SHA-256, so the table of live
  sessions does not hold usable cookies), carried in an HttpOnly, SameSite=Strict cookie, with an
  idle and an absolute lifetime.
- State changes need the session's CSRF token in the ``X-CSRF-Token`` header (a synchroniser token:
  a page on another origin can neither read it nor set a custom header without a CORS preflight the
  console never grants), and a browser's ``Origin`` header, when sent, must be the console's own.
- Failed logins are limited per client address and per name (sliding window); past the limit the
  login answers 429 with ``Retry-After`` without checking the password. Each attempt is reserved
  (counted as a failure) atomically *before* the slow hash and released only when it succeeds, so
  parallel guesses cannot all pass the check while earlier ones are still hashing.
- Every login, logout and refused action is written to the ``audit`` table.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("observer", "operator", "commander")
RANK = {r: i for i, r in enumerate(ROLES)}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack, not a secret

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('observer', 'operator', 'commander')),
    password_hash TEXT NOT NULL,
    created_utc   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    utc     TEXT NOT NULL,
    user    TEXT NOT NULL,
    action  TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL,
    client  TEXT NOT NULL
);
"""


class UserError(ValueError):
    """A user name, role or password that cannot be accepted (the message says which and why)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def may(self, role: str) -> bool:
        """True when this user holds ``role`` or a higher one."""
        return RANK[self.role] >= RANK[role]


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise UserError(f"user name {name!r}: 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
    return name


def check_role(role: str) -> str:
    if role not in RANK:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"password: at most {MAX_PASSWORD} characters")
    return password


def _utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class UserStore:
    """The ``users`` and ``audit`` tables of the console's SQLite database (one connection per call,
    so web handlers on different threads never share one)."""

    def __init__(self, path: str | Path, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # hashed on first use: an unknown name costs a real verification
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30.0)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        db = self._connect()
        try:
            with db:
                return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def add(self, name: str, role: str, password: str, replace: bool = False) -> None:
        """Add a user (or, with ``replace``, set an existing user's role and password)."""
        check_name(name)
        check_role(role)
        check_password(password)
        digest = self.hasher.hash(password)
        if replace:
            self._run(
                "INSERT INTO users (name, role, password_hash, created_utc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                (name, role, digest, _utc()),
            )
            return
        try:
            self._run(
                "INSERT INTO users (name, role, password_hash, created_utc) VALUES (?, ?, ?, ?)",
                (name, role, digest, _utc()),
            )
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} already exists (use --replace to change the role or password)") from None

    def remove(self, name: str) -> bool:
        db = self._connect()
        try:
            with db:
                return db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0
        finally:
            db.close()

    def users(self) -> list[tuple[str, str, str]]:
        """(name, role, created UTC) of every user, by name."""
        return [tuple(r) for r in self._run("SELECT name, role, created_utc FROM users ORDER BY name")]

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (in about the same time either way)."""
        rows = self._run("SELECT role, password_hash FROM users WHERE name = ?", (name,)) if NAME_RE.match(name) else []
        if not rows and self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(16))
        digest = rows[0][1] if rows else self._dummy
        try:
            self.hasher.verify(digest, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if not rows:
            return None
        if self.hasher.check_needs_rehash(digest):
            self._run("UPDATE users SET password_hash = ? WHERE name = ?", (self.hasher.hash(password), name))
        return User(name, rows[0][0])

    def audit(self, user: str, action: str, outcome: str, detail: str = "", client: str = "") -> None:
        self._run(
            "INSERT INTO audit (utc, user, action, outcome, detail, client) VALUES (?, ?, ?, ?, ?, ?)",
            (_utc(), user[:64], action, outcome, detail[:500], client[:64]),
        )

    def audit_log(self, limit: int = 100) -> list[dict]:
        rows = self._run(
            "SELECT utc, user, action, outcome, detail, client FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [dict(zip(("utc", "user", "action", "outcome", "detail", "client"), r, strict=True)) for r in rows]


@dataclass
class Session:
    user: User
    csrf: str
    created: float
    last_seen: float


class Sessions:
    """Live sessions by the SHA-256 of their token; expire after ``idle_s`` unused or ``max_s`` in all."""

    def __init__(self, idle_s: float = 2 * 3600.0, max_s: float = 12 * 3600.0, clock=time.monotonic) -> None:
        self.idle_s = idle_s
        self.max_s = max_s
        self.clock = clock
        self._lock = threading.Lock()
        self._by_hash: dict[str, Session] = {}

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def create(self, user: User) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(user, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._by_hash[self._key(token)] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token or len(token) > 200:
            return None
        now = self.clock()
        key = self._key(token)
        with self._lock:
            s = self._by_hash.get(key)
            if s is None:
                return None
            if now - s.last_seen > self.idle_s or now - s.created > self.max_s:
                del self._by_hash[key]
                return None
            s.last_seen = now
            return s

    def drop(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._by_hash.pop(self._key(token), None)


@dataclass
class LoginLimiter:
    """At most ``max_failures`` failed logins per key (client address, user name) in ``window_s``."""

    max_failures: int = 5
    window_s: float = 300.0
    clock: object = time.monotonic
    _failures: dict[str, deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _wait(self, keys: list[str], now: float) -> float:
        wait = 0.0
        for k in keys:
            q = self._failures.get(k)
            if not q:
                continue
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.max_failures:
                wait = max(wait, self.window_s - (now - q[0]))
        return wait

    def retry_after(self, keys: list[str]) -> float:
        """Seconds until every key may try again (0: allowed now)."""
        now = self.clock()
        with self._lock:
            return self._wait(keys, now)

    def reserve(self, keys: list[str]) -> tuple[float, float]:
        """Check and count one attempt in a single step: ``(wait, stamp)``. ``wait > 0``: refused, nothing
        counted. Otherwise the attempt is already counted as a failure (``stamp`` is its time) before the
        caller checks the password, so at most ``max_failures`` attempts per key can be in flight or
        failed in a window however many arrive at once; a successful one is handed back with
        :meth:`release` (and :meth:`succeeded`)."""
        now = self.clock()
        with self._lock:
            wait = self._wait(keys, now)
            if wait > 0:
                return wait, now
            self._record(keys, now)
        return 0.0, now

    def release(self, keys: list[str], stamp: float) -> None:
        """Un-count a reserved attempt that succeeded (one entry of time ``stamp`` per key)."""
        with self._lock:
            for k in keys:
                q = self._failures.get(k)
                if q and stamp in q:
                    q.remove(stamp)

    def _record(self, keys: list[str], now: float) -> None:
        for k in keys:
            self._failures.setdefault(k, deque()).append(now)
        if len(self._failures) > 10_000:  # forget idle keys so a scan of names cannot fill memory
            for k in [k for k, q in self._failures.items() if not q or now - q[-1] > self.window_s]:
                del self._failures[k]

    def failed(self, keys: list[str]) -> None:
        """Count one failure (an attempt made without :meth:`reserve`)."""
        now = self.clock()
        with self._lock:
            self._record(keys, now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


def same_origin(origin: str | None, host: str | None, scheme: str) -> bool:
    """True when a browser's ``Origin`` header names this server (absent Origin: not a browser's
    cross-site request, allowed; the CSRF token still guards every state change)."""
    if origin is None:
        return True
    if not host or origin == "null":
        return False
    parts = urlsplit(origin)
    want = "https" if scheme in ("https", "wss") else "http"
    return parts.scheme == want and parts.netloc.lower() == host.lower()
