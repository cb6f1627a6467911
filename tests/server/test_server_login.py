"""Logging in to the dashboard: back-off, timing, password policy, sessions, CSRF and cookies."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.admins import add_admin, lock_duration, log_in as check_login
from server.stations import AdminRequestError
from server.tables import login_throttle

from commands import kiosk_server
from dashboard_login import csrf_token, log_in

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-1"
NEW_PASSWORD = "một-mật-khẩu-khác-2"
PROXIED = {"KIOSK_SERVER_TRUSTED_PROXIES": "127.0.0.1"}


@pytest.fixture(autouse=True)
def no_failures_left(engine):
    """Each test starts with no failed logins counted (the server and database are shared by the module)."""
    yield
    with engine.begin() as conn:
        conn.execute(login_throttle.delete())


def from_address(session: requests.Session, address: str) -> requests.Session:
    session.headers["X-Forwarded-For"] = address
    return session


def logged_in(server_url: str, username: str = "quan-tri", password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    assert log_in(session, server_url, username, password).url.endswith("/dashboard/")
    return session


def is_logged_in(session: requests.Session, server_url: str) -> bool:
    return session.get(f"{server_url}/dashboard/", timeout=10, allow_redirects=False).status_code == 200


def test_failed_logins_back_off_per_user_then_clear_on_success(server, engine):
    add_admin(engine, "quan-tri", PASSWORD)
    browser = requests.Session()

    wrong = [log_in(browser, server.url, "quan-tri", f"sai-{n}").status_code for n in range(5)]
    locked = log_in(browser, server.url, "quan-tri", PASSWORD)  # even the right password waits

    assert wrong == [401] * 5
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 30
    assert "Quá nhiều lần đăng nhập sai" in locked.text
    with engine.begin() as conn:  # the lock has run out
        conn.execute(login_throttle.update().values(locked_until=None))
    assert log_in(browser, server.url, "quan-tri", PASSWORD).url.endswith("/dashboard/")
    assert log_in(requests.Session(), server.url, "quan-tri", "sai").status_code == 401  # counting from zero


def test_the_lock_grows_but_never_lasts_forever():
    assert [lock_duration(n) for n in range(5)] == [None] * 5
    assert lock_duration(5).total_seconds() == 30 and lock_duration(6).total_seconds() == 60
    assert lock_duration(1000).total_seconds() == 15 * 60


def test_the_back_off_counts_per_address_and_per_user(start_server, engine):
    server = start_server(env=PROXIED)  # a proxy on 127.0.0.1 tells the client's address
    add_admin(engine, "quan-tri", PASSWORD)
    attacker = from_address(requests.Session(), "203.0.113.7")

    tries = [log_in(attacker, server.url, f"user-{n}", "sai-mat-khau").status_code for n in range(5)]
    next_user = log_in(attacker, server.url, "quan-tri", PASSWORD)
    elsewhere = log_in(from_address(requests.Session(), "198.51.100.2"), server.url, "quan-tri", PASSWORD)

    assert tries == [401] * 5 and next_user.status_code == 429  # that address is held back, whatever the user
    assert elsewhere.url.endswith("/dashboard/")  # the administrator from another address is not

    spread = [log_in(from_address(requests.Session(), f"192.0.2.{n}"), server.url, "quan-tri", "sai").status_code
              for n in range(6)]
    assert spread == [401] * 5 + [429]  # one user name guessed from many addresses is held back too


def test_an_attacker_cannot_lock_the_administrator_out_of_their_own_browser(start_server, engine):
    server = start_server(env=PROXIED)
    add_admin(engine, "quan-tri", PASSWORD)
    own_browser = from_address(requests.Session(), "198.51.100.20")
    assert log_in(own_browser, server.url, "quan-tri", PASSWORD).url.endswith("/dashboard/")
    own_browser.post(f"{server.url}/dashboard/logout", timeout=10,
                     data={"csrf_token": csrf_token(own_browser.get(f"{server.url}/dashboard/", timeout=10).text)})

    for n in range(8):
        log_in(from_address(requests.Session(), f"203.0.113.{n}"), server.url, "quan-tri", "doan-mo")
    stranger = log_in(from_address(requests.Session(), "198.51.100.21"), server.url, "quan-tri", PASSWORD)
    again = log_in(own_browser, server.url, "quan-tri", PASSWORD)

    assert stranger.status_code == 429  # a new browser waits while the name is under attack
    assert again.url.endswith("/dashboard/")  # the browser the administrator logged in from before does not


def test_parallel_guesses_cannot_slip_past_the_limit_together(engine):
    add_admin(engine, "quan-tri", PASSWORD)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda n: check_login(engine, "quan-tri", f"doan-{n}", f"192.0.2.{n}"), range(12)))

    assert sum(1 for r in results if r.retry_after is None) == 5  # checked; the other 7 were held back


def test_unknown_users_take_as_long_as_known_ones(engine):
    add_admin(engine, "quan-tri", PASSWORD)

    def seconds(username: str, n: int) -> float:
        started = time.perf_counter()
        assert check_login(engine, username, "sai-mat-khau", f"192.0.2.{n}").token is None
        return time.perf_counter() - started

    seconds("khong-co-ai", 9)  # the first unknown user also makes the dummy hash
    known, unknown = [], []
    for n in range(4):  # interleaved, so that a busy machine slows both alike
        known.append(seconds("quan-tri", n))
        unknown.append(seconds(f"khong-co-{n}", 10 + n))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, (known, unknown)  # without a hash to check, an unknown user answered 20x sooner


@pytest.mark.parametrize("password, problem", [
    ("1234567890", "most common passwords"),
    ("Password123", "most common passwords"),
    ("QUAN-TRI-2026!", "must not contain the user name"),
    ("ngắn-1", "at least 10 characters"),
])
def test_weak_passwords_are_refused(engine, database_url, password, problem):
    with pytest.raises(AdminRequestError, match=problem):
        add_admin(engine, "quan-tri", password)
    refused = kiosk_server(database_url, "admin", "add", "quan-tri", "--password-stdin", stdin=password + "\n")
    assert refused.returncode == 1 and problem in refused.stderr and "Traceback" not in refused.stderr


def test_a_new_password_ends_the_sessions(server, engine, database_url):
    add_admin(engine, "quan-tri", PASSWORD)
    browser = logged_in(server.url)

    changed = kiosk_server(database_url, "admin", "password", "quan-tri", "--password-stdin",
                           stdin=NEW_PASSWORD + "\n")

    assert changed.returncode == 0, changed.stderr
    assert not is_logged_in(browser, server.url)
    assert log_in(requests.Session(), server.url, "quan-tri", PASSWORD).status_code == 401
    assert is_logged_in(logged_in(server.url, password=NEW_PASSWORD), server.url)


def test_disabling_and_removing_an_administrator_end_their_sessions(server, engine, database_url):
    add_admin(engine, "quan-tri", PASSWORD)
    add_admin(engine, "tro-ly", PASSWORD)
    disabled_browser, removed_browser = logged_in(server.url), logged_in(server.url, "tro-ly")

    disabled = kiosk_server(database_url, "admin", "disable", "quan-tri")
    removed = kiosk_server(database_url, "admin", "remove", "tro-ly")
    unknown = kiosk_server(database_url, "admin", "remove", "khong-co-ai")

    assert disabled.returncode == 0 and removed.returncode == 0
    assert not is_logged_in(disabled_browser, server.url) and not is_logged_in(removed_browser, server.url)
    assert log_in(requests.Session(), server.url, "quan-tri", PASSWORD).status_code == 401
    assert log_in(requests.Session(), server.url, "tro-ly", PASSWORD).status_code == 401
    assert unknown.returncode == 1 and "No administrator is named 'khong-co-ai'" in unknown.stderr
    kiosk_server(database_url, "admin", "password", "quan-tri", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert is_logged_in(logged_in(server.url, password=NEW_PASSWORD), server.url)  # enabled again


def test_forms_without_this_browsers_token_are_refused(server, engine):
    add_admin(engine, "quan-tri", PASSWORD)
    other_browser_form = requests.Session().get(f"{server.url}/dashboard/login", timeout=10).text
    victim = requests.Session()
    victim.get(f"{server.url}/dashboard/login", timeout=10)

    bare = victim.post(f"{server.url}/dashboard/login", data={"username": "quan-tri", "password": PASSWORD},
                       timeout=10)
    foreign = victim.post(f"{server.url}/dashboard/login", timeout=10, data={
        "username": "quan-tri", "password": PASSWORD, "csrf_token": csrf_token(other_browser_form)})
    admin = logged_in(server.url)
    forged_logout = admin.post(f"{server.url}/dashboard/logout", timeout=10)

    for refused in (bare, foreign, forged_logout):
        assert refused.status_code == 403 and "The form has expired" in refused.text and "hết hạn" in refused.text
    assert not is_logged_in(victim, server.url) and is_logged_in(admin, server.url)


def test_the_session_cookie_is_http_only_and_same_site(server, engine):
    add_admin(engine, "quan-tri", PASSWORD)
    browser = requests.Session()
    form = browser.get(f"{server.url}/dashboard/login", timeout=10)
    answer = browser.post(f"{server.url}/dashboard/login", allow_redirects=False, timeout=10,
                          data={"username": "quan-tri", "password": PASSWORD, "csrf_token": csrf_token(form.text)})

    cookie = next(c for c in answer.headers["set-cookie"].split(", ") if c.startswith("kiosk_admin="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http straight to the server: a Secure cookie would never come back
