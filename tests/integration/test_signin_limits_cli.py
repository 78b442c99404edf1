"""Sign-in limits as the office meets them, and the `allocbot users` commands that open and
close the way in: the real web app (FastAPI's test client) and the real CLI (Typer's runner)
over one real database, SQLite and PostgreSQL."""
from __future__ import annotations

import json
import os
import re

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app as allocbot
from bot.ledger.tables import AuditEvent, User
from bot.web.app import create_app
from tests.integration.conftest import CHEAP_PASSWORD_HASHES, BotWorld
from tests.integration.web.conftest import PASSWORD, USERS, Web, WebClient, serve

ADMIN, VIEWER = USERS["admin"][0], USERS["viewer"][0]
OFFICE = "203.0.113.40"  # everyone behind one office address
LOCKED = re.compile(r"it is locked until (\d\d:\d\d) UTC")


@pytest.fixture
def web(world: BotWorld, tmp_path, monkeypatch) -> Web:
    yield from serve(world, tmp_path, monkeypatch)


class Users:
    """`allocbot users …` run in-process against the world's database, configured as an
    operator's shell would be: environment only."""

    def __init__(self, world: BotWorld, monkeypatch) -> None:
        for name in [n for n in os.environ if n.startswith("ALLOCBOT_")]:
            monkeypatch.delenv(name)
        self.env = {"DATABASE_URL": world.database_url, "ALLOCBOT_MAILBOX": f"maildir:{world.maildir}",
                    "ALLOCBOT_OUTBOX": f"file:{world.outbox_dir}"}
        self.env.update({f"ALLOCBOT_{k.upper()}": str(v) for k, v in CHEAP_PASSWORD_HASHES.items()})

    def __call__(self, *args: str, input: str | None = None):
        return CliRunner().invoke(allocbot, ["users", *args], env=self.env, input=input)

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.output, result.stderr)
        return result.stdout


@pytest.fixture
def users(world, monkeypatch) -> Users:
    return Users(world, monkeypatch)


def browser(web: Web, host: str = OFFICE) -> WebClient:
    client = WebClient(create_app(web.world.app), base_url="http://testserver", client=(host, 50000))
    web.clients.append(client)
    return client


def attempt(client: WebClient, email: str, password: str):
    return client.post_form("/login", {"email": email, "password": password, "next": "/"})


def events(web: Web, action: str) -> list[AuditEvent]:
    return [e for e in web.world.rows(AuditEvent) if e.action == action]


def error_of(response) -> str:
    match = re.search(r'<p class="error" role="alert" id="sign-in-error">([^<]*)</p>', response.text)
    assert match, response.text
    return match.group(1)


def lock_out(web: Web, client: WebClient, email: str) -> None:
    for _ in range(web.world.app.settings.sign_in_attempts_per_15min):
        assert attempt(client, email, "not the password").status_code == 401


def test_a_colleagues_typos_lock_their_account_only_and_unlock_lets_them_in(web, users):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    assert web.world.app.settings.sign_in_attempts_per_ip_15min == 5 * limit  # the documented defaults
    operator, viewer = browser(web), browser(web)  # two desks, one office address
    lock_out(web, operator, ADMIN)
    blocked = attempt(operator, ADMIN, PASSWORD)  # the right password, too late
    assert blocked.status_code == 429 and LOCKED.search(error_of(blocked))
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    # the viewer, from the same address, is not locked out by the operator's mistakes
    assert attempt(viewer, VIEWER, PASSWORD).status_code == 303
    listed = {line.split("\t")[0]: line.split("\t") for line in users.ok("list").splitlines()}
    assert listed[ADMIN][2] == "active" and listed[ADMIN][3].startswith("locked until ")
    shown = LOCKED.search(error_of(blocked)).group(1)
    assert listed[ADMIN][3] == f"locked until {shown} UTC"
    assert listed[VIEWER][2:] == ["active", "not locked"]

    unlocked_out = users.ok("unlock", " Admin@Billing.Example", "--by", "ops-lead")
    assert "unlocked admin@billing.example" in unlocked_out
    [unlocked] = events(web, "sign_in_unlocked")
    assert unlocked.actor == "ops-lead" and json.loads(unlocked.detail) == {"email": ADMIN}
    assert attempt(operator, ADMIN, PASSWORD).status_code == 303
    assert operator.get("/", follow_redirects=False).status_code == 200
    assert users.ok("list").count("not locked") == 2


def test_failures_before_an_unlock_stop_counting_and_later_ones_count_afresh(web, users):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    desk = browser(web)
    lock_out(web, desk, VIEWER)
    users.ok("unlock", VIEWER)
    for _ in range(limit - 1):
        assert attempt(desk, VIEWER, "typo").status_code == 401
    assert attempt(desk, VIEWER, PASSWORD).status_code == 303  # nine since the unlock: not locked
    desk.post_form("/logout")
    lock_out(web, desk, VIEWER)
    assert attempt(desk, VIEWER, PASSWORD).status_code == 429  # ten more: locked again


def test_the_lock_reads_the_same_for_an_address_nobody_has(web):
    known, unknown = browser(web, "198.51.100.1"), browser(web, "198.51.100.2")
    lock_out(web, known, ADMIN)
    lock_out(web, unknown, "nobody@billing.example")
    answers = [attempt(known, ADMIN, PASSWORD), attempt(unknown, "nobody@billing.example", PASSWORD)]
    assert [a.status_code for a in answers] == [429, 429]
    # the same words; the time only as far apart as the two lock-outs were (a slow machine: a minute)
    hhmm = re.compile(r"\d\d:\d\d")
    assert hhmm.sub("HH:MM", error_of(answers[0])) == hhmm.sub("HH:MM", error_of(answers[1]))
    assert abs(int(answers[0].headers["retry-after"]) - int(answers[1].headers["retry-after"])) <= 60


def test_the_failure_that_reaches_the_limit_already_says_until_when(web):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    desk = browser(web)
    for n in range(limit):
        response = attempt(desk, ADMIN, "typo")
        assert response.status_code == 401
        assert bool(LOCKED.search(error_of(response))) == (n == limit - 1)


def test_a_flood_from_one_address_is_still_blocked_for_everyone_there(web):
    per_ip = web.world.app.settings.sign_in_attempts_per_ip_15min
    sprayer = browser(web, "192.0.2.66")
    for n in range(per_ip):
        assert attempt(sprayer, f"user{n}@billing.example", "Winter2026!").status_code == 401
    refused = attempt(sprayer, ADMIN, PASSWORD)
    assert refused.status_code == 429 and "from this network" in error_of(refused)
    assert re.search(r"until \d\d:\d\d UTC", error_of(refused))
    assert [json.loads(e.detail)["limited_by"] for e in events(web, "sign_in_blocked")] == ["client"]
    assert attempt(browser(web, "192.0.2.67"), ADMIN, PASSWORD).status_code == 303  # another address: in


def test_many_colleagues_typing_wrong_from_one_office_stay_under_the_address_limit(web):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    per_ip = web.world.app.settings.sign_in_attempts_per_ip_15min
    desk = browser(web)
    for n in range(per_ip // (limit - 1) - 1):  # each a little short of their own limit
        for _ in range(limit - 1):
            assert attempt(desk, f"colleague{n}@billing.example", "typo").status_code == 401
    assert attempt(desk, VIEWER, PASSWORD).status_code == 303


def test_disable_ends_the_users_sessions_and_stops_sign_in_until_enabled(web, users):
    viewer = web.client("viewer")
    assert viewer.get("/", follow_redirects=False).status_code == 200
    assert "disabled" in users.ok("disable", VIEWER)
    assert viewer.get("/", follow_redirects=False).status_code == 303  # the open session has ended
    assert web.client(None).sign_in(VIEWER).status_code == 401
    assert f"{VIEWER}\tviewer\tdisabled\tnot locked" in users.ok("list")
    users.ok("enable", VIEWER, "--by", "ops-lead")
    assert web.client(None).sign_in(VIEWER).status_code == 303
    assert [(e.action, e.actor, json.loads(e.detail)) for e in web.world.rows(AuditEvent)
            if e.action in ("user_disabled", "user_enabled")] == [
        ("user_disabled", "operator", {"email": VIEWER}), ("user_enabled", "ops-lead", {"email": VIEWER})]


def test_set_password_ends_sessions_unlocks_and_only_the_new_password_works(web, users):
    session_before = web.client("admin")
    lock_out(web, browser(web), ADMIN)
    new = "a much longer new passphrase"
    assert "new password set" in users.ok("set-password", ADMIN, "--password-stdin", input=f"{new}\n")
    assert session_before.get("/", follow_redirects=False).status_code == 303
    desk = browser(web)
    assert attempt(desk, ADMIN, PASSWORD).status_code == 401  # the old one is gone
    assert attempt(desk, ADMIN, new).status_code == 303  # and the lock was lifted
    audited = [e.action for e in web.world.rows(AuditEvent)
               if e.action in ("password_set", "sign_in_unlocked")]
    assert audited == ["password_set", "sign_in_unlocked"]


def test_set_password_asks_twice_and_refuses_a_short_one(web, users):
    typed = "typed twice, not echoed"
    users.ok("set-password", VIEWER, input=f"{typed}\n{typed}\n")
    assert web.client(None).sign_in(VIEWER, typed).status_code == 303
    short = users("set-password", VIEWER, "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.stderr
    assert web.client(None).sign_in(VIEWER, typed).status_code == 303  # unchanged


def test_set_password_piped_as_one_line_needs_no_flag_and_two_lines_must_match(web, users):
    piped = "one line from echo, no flag"
    users.ok("set-password", VIEWER, input=f"{piped}\n")  # `echo … | allocbot users set-password EMAIL`
    assert web.client(None).sign_in(VIEWER, piped).status_code == 303
    differ = users("set-password", VIEWER, input="first of the two lines\nsecond of the two lines\n")
    assert differ.exit_code == 2 and "differ" in differ.stderr
    assert web.client(None).sign_in(VIEWER, piped).status_code == 303  # unchanged


@pytest.mark.parametrize("command", [["unlock"], ["disable"], ["enable"],
                                     ["set-password", "--password-stdin"]])
def test_an_unknown_email_is_a_clear_error_that_changes_nothing(web, users, command):
    before = web.world.rows(AuditEvent)
    result = users(command[0], "nobody@billing.example", *command[1:], input="a long enough password\n")
    assert result.exit_code == 1
    assert "no web UI user has the e-mail 'nobody@billing.example'" in " ".join(result.stderr.split())
    assert len(web.world.rows(AuditEvent)) == len(before)
    with Session(web.world.app.engine) as session:
        assert [(u.active, u.session_version) for u in session.exec(select(User))] == [(True, 0), (True, 0)]


def test_an_ipv6_flood_is_counted_by_its_64_network(web):
    per_ip = web.world.app.settings.sign_in_attempts_per_ip_15min
    for n in range(per_ip):  # a new address for every guess, all in one /64
        response = attempt(browser(web, f"2001:db8:1:2::{n + 1:x}"), f"user{n}@billing.example", "guess")
        assert response.status_code == 401
    assert attempt(browser(web, "2001:db8:1:2:ffff::1"), ADMIN, PASSWORD).status_code == 429
    assert attempt(browser(web, "2001:db8:1:3::1"), ADMIN, PASSWORD).status_code == 303  # the next /64: in
