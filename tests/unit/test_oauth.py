"""XOAUTH2 token sources: settings validation, MSAL results, and real token commands."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from bot.oauth import CommandTokenSource, MsalTokenSource, OAuthError, build_token_source, xoauth2_bytes
from bot.settings import OAuthSettings

SECRET = "s3cr3t-value~42"
MSAL = dict(provider="msal", tenant_id="contoso.onmicrosoft.com", client_id="app-1", client_secret=SECRET)


def python(code: str) -> str:
    """A token command running `code` in this interpreter, quoted as a config file would hold it."""
    return shlex.join([sys.executable, "-c", code])


# --------------------------------------------------------------------------- xoauth2_bytes

def test_xoauth2_bytes_is_the_sasl_string_gmail_and_microsoft_document():
    assert xoauth2_bytes("bot@billing.example", "ya29.tok") == b"user=bot@billing.example\x01auth=Bearer ya29.tok\x01\x01"


@pytest.mark.parametrize("user, token", [("", "tok"), ("bot", ""), ("bot", "tok en"), ("bot\x01", "tok")])
def test_xoauth2_bytes_refuses_values_that_would_break_the_string(user, token):
    with pytest.raises(ValueError):
        xoauth2_bytes(user, token)


# --------------------------------------------------------------------------- build_token_source

def test_provider_none_means_no_token_source():
    assert build_token_source(OAuthSettings()) is None


def test_providers_build_their_sources():
    assert isinstance(build_token_source(OAuthSettings(**MSAL)), MsalTokenSource)
    assert isinstance(build_token_source(OAuthSettings(provider="command", command="oauth2l fetch")), CommandTokenSource)


@pytest.mark.parametrize("missing", ["tenant_id", "client_id", "client_secret"])
def test_msal_names_the_missing_setting(missing):
    with pytest.raises(OAuthError, match=rf"^oauth\.{missing} is required for provider msal$"):
        build_token_source(OAuthSettings(**{**MSAL, missing: "  "}))


def test_several_missing_settings_are_named_together():
    with pytest.raises(OAuthError, match=r"^oauth\.tenant_id and oauth\.client_secret are required for provider msal$"):
        build_token_source(OAuthSettings(provider="msal", client_id="app-1"))


def test_command_provider_needs_a_command():
    with pytest.raises(OAuthError, match=r"^oauth\.command is required for provider command$"):
        build_token_source(OAuthSettings(provider="command"))


def test_an_unbalanced_quote_in_the_command_is_an_oauth_error():
    with pytest.raises(OAuthError, match="cannot be split"):
        build_token_source(OAuthSettings(provider="command", command="fetch 'token"))


# --------------------------------------------------------------------------- MSAL

class RecordingApp:
    """Stands in for msal.ConfidentialClientApplication: records calls, returns a set result."""

    def __init__(self, result=None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.calls: list[dict] = []

    def acquire_token_for_client(self, **kwargs):
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return self.result


def test_msal_asks_for_the_configured_scope_and_returns_the_token():
    app = RecordingApp({"access_token": "eyJ0.tok", "token_type": "Bearer", "expires_in": 3599})
    source = MsalTokenSource(OAuthSettings(**MSAL), app=app)
    assert source.token() == "eyJ0.tok"
    assert source.token() == "eyJ0.tok"
    assert app.calls == [{"scopes": ["https://outlook.office365.com/.default"]}] * 2  # MSAL's cache decides


def test_msal_refusal_surfaces_error_and_description_without_the_secret():
    app = RecordingApp({"error": "invalid_client",
                        "error_description": f"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1 ({SECRET})"})
    with pytest.raises(OAuthError) as caught:
        MsalTokenSource(OAuthSettings(**MSAL), app=app).token()
    text = str(caught.value)
    assert "invalid_client: AADSTS7000215: Invalid client secret provided. Trace ID: 1" in text
    assert "app-1" in text and "contoso.onmicrosoft.com" in text
    assert SECRET not in text


def test_msal_exceptions_become_oauth_errors_without_the_secret():
    app = RecordingApp(error=ConnectionError(f"login.microsoftonline.com unreachable (sent {SECRET})"))
    with pytest.raises(OAuthError, match="ConnectionError: login.microsoftonline.com unreachable") as caught:
        MsalTokenSource(OAuthSettings(**MSAL), app=app).token()
    assert SECRET not in str(caught.value)


# --------------------------------------------------------------------------- token commands

def test_the_commands_stdout_stripped_is_the_token():
    assert CommandTokenSource(python("print('  tok-1  ')"), timeout=10).token() == "tok-1"


def test_the_token_is_reused_until_the_cache_expires(tmp_path: Path):
    counter = tmp_path / "runs"
    code = (f"import pathlib; p = pathlib.Path({str(counter)!r}); n = len(p.read_text()) if p.exists() else 0; "
            f"p.write_text('x' * (n + 1)); print(f'tok-{{n + 1}}')")
    now = [1000.0]
    source = CommandTokenSource(python(code), timeout=10, cache_seconds=300, clock=lambda: now[0])
    assert [source.token(), source.token()] == ["tok-1", "tok-1"]
    now[0] += 299
    assert source.token() == "tok-1"
    now[0] += 2
    assert source.token() == "tok-2"
    assert counter.read_text() == "xx"


def test_a_failing_command_names_the_program_and_its_stderr_tail():
    code = "import sys; sys.stderr.write('x' * 500 + '\\nERROR: refresh token expired\\n'); sys.exit(3)"
    with pytest.raises(OAuthError) as caught:
        CommandTokenSource(python(code), timeout=10).token()
    text = str(caught.value)
    assert text.startswith(f"token command {sys.executable} exited with status 3; stderr: …")
    assert text.endswith("ERROR: refresh token expired")
    assert len(text) < 450


def test_empty_output_is_an_error():
    with pytest.raises(OAuthError, match="printed no token"):
        CommandTokenSource(python("print()"), timeout=10).token()


def test_output_with_more_than_a_token_is_an_error():
    with pytest.raises(OAuthError, match="more than the token"):
        CommandTokenSource(python("print('Your token is: abc')"), timeout=10).token()


def test_a_command_that_hangs_times_out():
    with pytest.raises(OAuthError, match=r"timed out after 0.5s"):
        CommandTokenSource(python("import time; time.sleep(10)"), timeout=0.5).token()


def test_a_missing_program_is_an_oauth_error():
    with pytest.raises(OAuthError, match="cannot run token command /nonexistent/oauth2l"):
        CommandTokenSource("/nonexistent/oauth2l fetch --secret=abc", timeout=5).token()
