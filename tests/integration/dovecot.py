"""A real Dovecot IMAP server for tests: a throwaway instance per test on a free loopback port.

Fixtures (this module is a pytest plugin, loaded by tests/integration/conftest.py):
- `dovecot`: plain text only, no STARTTLS offered, user `bot` / `secret`.
- `dovecot_tls`: an imaps listener and STARTTLS on the plain one, with a certificate from a
  throwaway trustme CA (`.ssl_context` trusts it); plain-text logins are refused.
- `dovecot_oauth2`: XOAUTH2 checked by Dovecot against a token-introspection endpoint served
  from a thread of this process; only `VALID_TOKEN` is active.
- `start_dovecot(**options)`: any other variant, e.g. `imap_capability="IMAP4rev1 IDLE"`.
- `imap_mailbox(server, tls="off", **options)`: the adapter under test on a server, closed
  at the end of the test.
Dovecot keeps maildir's default hierarchy delimiter ".", so "/" in configured folder names
must be translated by the adapter. Needs root: Dovecot's login processes run as `dovenull`.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
from tests.integration.dovecot_parts import PASSWORD, USER, VALID_TOKEN, dovecot_config, introspection_server, trusted_certificate  # noqa: F401 - VALID_TOKEN is for the tests


def _unavailable(reason: str) -> None:
    from tests.integration.conftest import unavailable  # late: conftest loads this module as a plugin
    unavailable(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Dovecot:
    """One running instance and what a test does to it from outside the adapter."""

    root: Path
    port: int
    imaps_port: int = 0
    ssl_context: ssl.SSLContext | None = None  # trusts the instance's CA (TLS variant only)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def ca_file(self) -> Path:
        """The CA that signed the TLS variant's certificate (PEM)."""
        return self.root / "ca.pem"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER

    def url(self, folder: str = "INBOX", tls: str = "off", *, auth: str = "password", port: int | None = None) -> str:
        """`imap://bot:secret@127.0.0.1:PORT/INBOX?tls=off`; tls=implicit gives imaps:// on the
        imaps port, tls=starttls a plain imap:// URL (STARTTLS required)."""
        scheme = "imaps" if tls == "implicit" else "imap"
        port = port or (self.imaps_port if tls == "implicit" else self.port)
        user = f"{USER}@" if auth == "xoauth2" else f"{USER}:{PASSWORD}@"
        query = [f"tls={tls}"] if tls == "off" else []
        query += ["auth=xoauth2"] if auth == "xoauth2" else []
        return f"{scheme}://{user}127.0.0.1:{port}/{quote(folder)}" + (f"?{'&'.join(query)}" if query else "")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start (or restart, on the same ports) and wait until the IMAP port answers."""
        log = (self.root / "dovecot.log").open("ab")
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)], stdout=log, stderr=log,
                                        start_new_session=True)  # one process group: stop() ends them all
        log.close()
        deadline = time.monotonic() + 10
        while not _port_answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Dovecot did not start:\n{self.log()}", pytrace=False)
            time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server with every process it started (open connections drop at once, as
        when a server dies); `start()` brings it back on the same ports."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own process group: see start()
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def kick(self, user: str = USER) -> None:
        """Drop every IMAP connection of `user` (the server says BYE and closes them)."""
        self.doveadm("kick", user)

    def imap_pids(self, user: str = USER) -> list[int]:
        """The processes serving `user`'s open IMAP connections."""
        rows = [line.split() for line in self.doveadm("who", "-1", user).splitlines()[1:]]
        return [int(row[2]) for row in rows if len(row) >= 3 and row[1] == "imap"]

    def freeze(self, user: str = USER) -> list[int]:
        """Stop `user`'s IMAP processes without closing their sockets: the connections stay
        open but never answer again (a hung server or a silently dead network path)."""
        pids = self.imap_pids(user)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)  # killed with the rest by stop()
        return pids

    # ------------------------------------------------------------------ the mailbox, from outside
    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A test's own logged-in connection (over TLS on the TLS variant)."""
        if self.ssl_context is not None:
            client = IMAPClient("127.0.0.1", self.imaps_port, ssl=True, ssl_context=self.ssl_context, timeout=10)
        else:
            client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10)
        try:
            client.login(USER, PASSWORD)
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001
                client.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> int:
        """IMAP APPEND, the way mail arrives in these tests; returns the new message's UID."""
        with self.client() as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            answer = c.append(folder, raw, flags=flags)
        return int(answer.split(b"APPENDUID ")[1].split()[1].rstrip(b"]"))

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            return sorted(c.search("ALL"))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as c:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def folders(self) -> list[str]:
        with self.client() as c:
            return sorted(name for _flags, _delim, name in c.list_folders())

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages of `folder` in UID order (read with PEEK: flags stay as they are)."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            uids = sorted(c.search("ALL"))
            data = c.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [bytes(data[uid][b"BODY[]"]) for uid in uids]

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            return {uid: set(f) for uid, f in c.get_flags(uids).items()} if uids else {}

    def renumber(self) -> int:
        """Make INBOX's UIDVALIDITY change and its UIDs start again from 1 (what a restored or
        rebuilt server does); returns the new UIDVALIDITY. Close your connections first."""
        before = self.uidvalidity()
        for path in self.maildir.iterdir():
            if path.name == "dovecot-uidlist" or path.name.startswith("dovecot.index"):
                path.unlink()
        after = self.uidvalidity()
        assert after != before, "Dovecot kept its UIDVALIDITY"
        return after


# ---------------------------------------------------------------------------- configuration

# Learned on Debian's 2.3.19: login processes never run as root (they drop to dovenull), the
# mail belongs to the dovecot user, and nothing is chrooted (the tmp dir is not a chroot).
@contextmanager
def running_dovecot(*, tls: bool = False, oauth2: bool = False, imap_capability: str | None = None) -> Iterator[Dovecot]:
    """A started instance in a fresh directory under /tmp, stopped and removed afterwards."""
    if not (os.path.exists(DOVECOT) and shutil.which("doveadm")):
        _unavailable("Dovecot is not installed (scripts/services.sh installs dovecot-imapd)")
    if os.geteuid() != 0:
        _unavailable("the Dovecot tests run as root (Dovecot's login processes drop to the dovenull user)")
    # Directly under /tmp, mode 0755: the dovecot user must reach the mail directory.
    root = Path(tempfile.mkdtemp(prefix="allocbot-dovecot-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        os.chmod(root, 0o755)
        shutil.chown(root / "mail", "dovecot", "dovecot")
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        server = Dovecot(root=root, port=free_port(), imaps_port=free_port() if tls else 0)
        if tls:
            server.ssl_context = trusted_certificate(root)
        oauth2_url = stack.enter_context(introspection_server()) if oauth2 else None
        server.conf.write_text(dovecot_config(root, server.port, imaps_port=server.imaps_port, oauth2_url=oauth2_url,
                                       imap_capability=imap_capability))
        stack.callback(server.stop)
        server.start()
        yield server


@pytest.fixture
def start_dovecot() -> Iterator:
    """start_dovecot(tls=False, oauth2=False, imap_capability=None) -> Dovecot, for variants."""
    with ExitStack() as stack:
        yield lambda **options: stack.enter_context(running_dovecot(**options))


@pytest.fixture
def imap_mailbox() -> Iterator:
    """imap_mailbox(server, tls="off", folder="INBOX", auth="password", **ImapMailbox options)."""
    from bot.endpoints import parse_endpoint
    from bot.intake.imap import ImapMailbox
    from bot.settings import ImapFolders

    made: list[ImapMailbox] = []

    def make(server: Dovecot, *, tls: str = "off", folder: str = "INBOX", auth: str = "password",
             port: int | None = None, **options) -> ImapMailbox:
        options.setdefault("folders", ImapFolders())
        options.setdefault("timeout", 5.0)
        if server.ssl_context is not None:
            options.setdefault("ssl_context", server.ssl_context)
        mailbox = ImapMailbox(parse_endpoint(server.url(folder, tls, auth=auth, port=port)), **options)
        made.append(mailbox)
        return mailbox

    yield make
    for mailbox in made:
        mailbox.close()


@pytest.fixture
def dovecot(start_dovecot) -> Dovecot:
    return start_dovecot()


@pytest.fixture
def dovecot_tls(start_dovecot) -> Dovecot:
    return start_dovecot(tls=True)


@pytest.fixture
def dovecot_oauth2(start_dovecot) -> Dovecot:
    return start_dovecot(oauth2=True)
