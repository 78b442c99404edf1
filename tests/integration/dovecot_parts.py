"""What a throwaway Dovecot is made of: its configuration, a TLS certificate from a fresh
CA, and an RFC 7662 token-introspection endpoint for XOAUTH2 (used by tests/integration/dovecot.py)."""
from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

USER, PASSWORD = "bot", "secret"
VALID_TOKEN = "valid-token-for-bot"


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
first_valid_uid = 1
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
auth_mechanisms = plain login {oauth2_mechanisms}
{tls_settings}
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
TLS_SETTINGS = "ssl = required\ndisable_plaintext_auth = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
PLAIN_SETTINGS = "ssl = no\ndisable_plaintext_auth = no"
OAUTH2_PASSDB = "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {root}/dovecot-oauth2.conf.ext\n}}"
OAUTH2_EXT = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


def dovecot_config(root: Path, port: int, *, imaps_port: int, oauth2_url: str | None, imap_capability: str | None) -> str:
    """dovecot.conf for one instance; imaps_port 0 means plain text only (no STARTTLS offered)."""
    if oauth2_url:
        (root / "dovecot-oauth2.conf.ext").write_text(OAUTH2_EXT.format(url=oauth2_url))
    return CONFIG.format(
        root=root, port=port, imaps_port=imaps_port,
        tls_settings=(TLS_SETTINGS if imaps_port else PLAIN_SETTINGS).format(root=root),
        capability=f"imap_capability = {imap_capability}" if imap_capability else "",
        oauth2_mechanisms="xoauth2 oauthbearer" if oauth2_url else "",
        oauth2_passdb=OAUTH2_PASSDB.format(root=root) if oauth2_url else "")


def trusted_certificate(root: Path) -> ssl.SSLContext:
    """Write a certificate for 127.0.0.1 from a fresh CA; the client context trusts that CA."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(root / "cert.pem"), append=True)
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))  # for settings' tls_ca_file
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class _Introspection(BaseHTTPRequestHandler):
    """RFC 7662 token introspection, as Dovecot's oauth2 passdb asks it (POST token=...)."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        token = parse_qs(body).get("token", [""])[0]
        answer = {"active": True, "username": USER} if token == VALID_TOKEN else {"active": False}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@contextmanager
def introspection_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/introspect"
    finally:
        server.shutdown()
        server.server_close()


