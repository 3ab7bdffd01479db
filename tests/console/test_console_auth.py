"""Users, Argon2 hashes, sessions, login limits and origin checks, against independent references."""

from __future__ import annotations

import argon2
import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type, verify_secret
from console_support import FAST_HASHER

from bastion.console.auth import (
    LoginLimiter,
    Sessions,
    User,
    UserError,
    UserStore,
    check_name,
    check_password,
    check_role,
    same_origin,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_stored_hash_is_argon2id_with_rfc9106_parameters(tmp_path):
    """The default hasher writes Argon2id with RFC 9106's second recommended option (t=3, m=64 MiB,
    p=4), and the stored string verifies with argon2's low-level binding (not the wrapper that wrote it)."""
    store = UserStore(tmp_path / "u.sqlite")  # the console's own default hasher
    store.add("alice", "commander", "correct horse battery")
    rows = store._run("SELECT password_hash FROM users WHERE name = 'alice'")
    digest = rows[0][0]
    assert digest.startswith("$argon2id$")
    params = extract_parameters(digest)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert "correct horse battery" not in digest
    assert verify_secret(digest.encode(), b"correct horse battery", Type.ID)
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        verify_secret(digest.encode(), b"correct horse battery!", Type.ID)


def test_verify_right_wrong_and_unknown(tmp_path):
    store = UserStore(tmp_path / "u.sqlite", FAST_HASHER)
    store.add("op", "operator", "operator-pass")
    assert store.verify("op", "operator-pass") == User("op", "operator")
    assert store.verify("op", "operator-pasS") is None
    assert store.verify("nobody", "operator-pass") is None
    assert store.verify("bad name;--", "x") is None


def test_add_refuses_duplicates_unless_replaced(tmp_path):
    store = UserStore(tmp_path / "u.sqlite", FAST_HASHER)
    store.add("op", "operator", "operator-pass")
    with pytest.raises(UserError, match="already exists"):
        store.add("op", "commander", "another-pass")
    store.add("op", "commander", "another-pass", replace=True)
    assert store.verify("op", "another-pass") == User("op", "commander")
    assert store.verify("op", "operator-pass") is None
    assert store.remove("op") and not store.remove("op")


def test_rehash_when_parameters_change(tmp_path):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    UserStore(tmp_path / "u.sqlite", weak).add("op", "operator", "operator-pass")
    store = UserStore(tmp_path / "u.sqlite", FAST_HASHER)
    assert store.verify("op", "operator-pass") is not None
    digest = store._run("SELECT password_hash FROM users")[0][0]
    assert extract_parameters(digest).memory_cost == FAST_HASHER.memory_cost


@pytest.mark.parametrize(
    ("check", "value", "field"),
    [
        (check_name, "", "user name"),
        (check_name, "a b", "user name"),
        (check_name, "x" * 65, "user name"),
        (check_role, "admin", "role"),
        (check_password, "short", "password"),
        (check_password, "x" * 2000, "password"),
    ],
)
def test_validation_names_the_field(check, value, field):
    with pytest.raises(UserError, match=field):
        check(value)


def test_roles_are_ordered():
    assert User("c", "commander").may("operator") and User("c", "commander").may("observer")
    assert User("o", "operator").may("operator") and not User("o", "operator").may("commander")
    assert not User("w", "observer").may("operator")


def test_sessions_expire_idle_and_absolute():
    clock = FakeClock()
    sessions = Sessions(idle_s=60, max_s=300, clock=clock)
    token, s = sessions.create(User("op", "operator"))
    assert token not in sessions._by_hash  # only the token's hash is kept
    assert sessions.get(token) is s
    clock.t += 59
    assert sessions.get(token) is s  # use renews the idle timer
    clock.t += 59
    assert sessions.get(token) is s
    clock.t += 61
    assert sessions.get(token) is None  # idle too long
    token, s = sessions.create(User("op", "operator"))
    for _ in range(6):
        clock.t += 50
        assert sessions.get(token) is not None  # up to 300 s in all
    clock.t += 1
    assert sessions.get(token) is None  # past 300 s in all, though never idle
    token, _ = sessions.create(User("op", "operator"))
    sessions.drop(token)
    assert sessions.get(token) is None
    assert sessions.get(None) is None and sessions.get("x" * 500) is None


def test_session_tokens_and_csrf_are_unique():
    sessions = Sessions()
    made = [sessions.create(User("op", "operator")) for _ in range(50)]
    tokens = {t for t, _ in made}
    csrfs = {s.csrf for _, s in made}
    assert len(tokens) == 50 and len(csrfs) == 50
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, base64url


def test_login_limiter_window():
    clock = FakeClock()
    lim = LoginLimiter(max_failures=3, window_s=100, clock=clock)
    keys = ["ip:1", "user:op"]
    for _ in range(3):
        assert lim.retry_after(keys) == 0
        lim.failed(keys)
        clock.t += 10
    assert lim.retry_after(keys) == pytest.approx(100 - 30)
    assert lim.retry_after(["ip:2", "user:op"]) > 0  # the name is limited from any address
    assert lim.retry_after(["ip:2", "user:other"]) == 0
    clock.t += 71
    assert lim.retry_after(keys) == 0  # the oldest failure left the window
    lim.failed(keys)
    lim.succeeded(["user:op"])
    assert lim.retry_after(["user:op"]) == 0


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "ok"),
    [
        (None, "127.0.0.1:8000", "http", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "http", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "http", False),
        ("http://evil.example", "127.0.0.1:8000", "http", False),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "http", False),
        ("null", "127.0.0.1:8000", "http", False),
        ("http://LOCALHOST:8000", "localhost:8000", "http", True),
    ],
)
def test_same_origin(origin, host, scheme, ok):
    assert same_origin(origin, host, scheme) is ok


def test_audit_log(tmp_path):
    store = UserStore(tmp_path / "u.sqlite", FAST_HASHER)
    store.audit("op", "login", "failed", "", "127.0.0.1")
    store.audit("op", "authorise", "queued", "approve request 1", "127.0.0.1")
    log = store.audit_log()
    assert [e["action"] for e in log] == ["authorise", "login"]
    assert log[0]["user"] == "op" and log[0]["detail"] == "approve request 1"
