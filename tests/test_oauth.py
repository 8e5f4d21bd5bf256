"""OAuth 2 sending (contract §2 [email] auth, §14), with real parts: aiosmtpd on 127.0.0.1 offering only
AUTH XOAUTH2 and checking the exact SASL string, token commands run as real subprocesses, a server that has
basic authentication turned off, and msal itself talking HTTPS to a local OAuth endpoint (tests/oauth_server.py)
for the Microsoft 365 device-code sign-in and the silent refresh of later runs."""
from __future__ import annotations

import base64
import json
import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline.delivery import LOG_NAME, send_log, send_messages
from pipeline.delivery import oauth
from pipeline.errors import RunError
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML
from tests.oauth_server import DEVICE_MESSAGE, OAuthEndpoint, running_endpoint
from tests.smtp_server import (PROVIDERS, SENDER, Authenticator, items, running_server, server_settings,
                               xoauth2_server)
from tests.test_send import ADDRESS, NEXT, PUPILS, Cli, make_school, one_line, sent_line

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # tests only

TOKEN = "ya29.a0-Test_Token.8Zq"          # what the token command prints
BASIC_OFF = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
ADDRESSES = {pid: address for pid, (_, address, _) in PROVIDERS.items()}


def sasl(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode("ascii")


def token_script(folder: Path, body: str) -> str:
    """A token_command: this Python running a tiny script (quoted, so paths with spaces work)."""
    script = folder / "token helper.py"
    folder.mkdir(parents=True, exist_ok=True)
    script.write_text(body, encoding="utf-8")
    return f'"{sys.executable}" "{script}" --scope https://mail.google.com/'


PRINTS_TOKEN = f"import sys\nassert sys.argv[1:] == ['--scope', 'https://mail.google.com/']\nprint({TOKEN!r})\n"


def school(tmp_path, capsys, port, **email) -> Cli:
    options = {"username": None, "password_env": None, **email}
    return Cli(capsys, make_school(tmp_path / "school", port, **options), tmp_path / "out")


# --- auth = "xoauth2": a token printed by a command ---------------------------------------------------------

def test_xoauth2_sends_every_providers_message_with_the_exact_sasl_string(tmp_path, capsys):
    with xoauth2_server(SENDER, TOKEN) as server:
        run = school(tmp_path, capsys, server.port, auth="xoauth2",
                     token_command=token_script(tmp_path / "helper", PRINTS_TOKEN))
        code, stdout, stderr = run("--send")
        assert (code, stderr) == (0, "")
        assert sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
        assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS[p]] for p in sorted(PUPILS)]
        assert server.handler.attempts == [sasl(SENDER, TOKEN)]     # one connection, one sign-in, as `from`
        assert all(r.message["X-Unsent"] is None for r in server.received)
        assert run.results() == [(p, "sent") for p in sorted(PUPILS)]
    for text in run.seen + [(run.folder() / LOG_NAME).read_text(encoding="utf-8-sig")]:
        assert TOKEN not in text


def test_xoauth2_signs_in_as_username_when_it_is_set(tmp_path):
    user = "ap.mailer@test-infant.sch.uk"
    with xoauth2_server(user, TOKEN) as server:
        conf = server_settings(server.port, auth="xoauth2", username=user,
                               token_command=token_script(tmp_path / "helper", PRINTS_TOKEN))
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
        assert report.sent == ["PRV1", "PRV2", "PRV3"] and len(server.received) == 3
        assert server.handler.attempts == [sasl(user, TOKEN)]
        assert base64.b64encode(server.handler.attempts[0]).decode() == oauth.xoauth2_base64(user, TOKEN)


@pytest.mark.parametrize("body, problem", [
    ("import sys\nsys.stderr.write('token expired: run oauth2l again\\n')\nsys.exit(1)\n",
     "failed (exit status 1: token expired: run oauth2l again)"),
    ("print('   ')\n", "printed nothing"),
    ("print('two tokens')\n", "printed more than one access token"),
])
def test_a_token_command_that_fails_is_exit_2_in_one_line_and_nothing_is_sent(tmp_path, capsys, body, problem):
    with xoauth2_server(SENDER, TOKEN) as server:
        run = school(tmp_path, capsys, server.port, auth="xoauth2", token_command=token_script(tmp_path / "helper", body))
        code, stdout, stderr = run("--send")
        assert code == 2 and "E-mail:" not in stdout
        line = one_line(stderr)
        assert line.startswith("Cannot run: [email] token_command in school.toml ") and problem in line
        assert "no e-mail was sent" in line
        assert server.received == [] and server.handler.attempts == []
        assert run.log() == []


def test_a_token_command_that_is_not_a_program_is_exit_2_in_one_line(tmp_path, capsys):
    with xoauth2_server(SENDER, TOKEN) as server:
        run = school(tmp_path, capsys, server.port, auth="xoauth2", token_command="no-such-oauth-helper-x7 fetch")
        code, _, stderr = run("--send")
        assert code == 2
        assert "[email] token_command" in one_line(stderr) and "no-such-oauth-helper-x7" in one_line(stderr)
        assert server.received == []


def test_xoauth2_without_a_token_command_stops_before_anything_is_written(tmp_path, capsys):
    with xoauth2_server(SENDER, TOKEN) as server:
        run = school(tmp_path, capsys, server.port, auth="xoauth2")
        code, stdout, stderr = run("--send")
        assert (code, stdout) == (2, "")
        assert "[email] token_command" in one_line(stderr) and not run.out.exists()


def test_a_token_the_server_refuses_leaves_every_provider_not_sent(tmp_path):
    with xoauth2_server(SENDER, "the-right-token") as server:
        conf = server_settings(server.port, auth="xoauth2", token_command=token_script(tmp_path / "helper", PRINTS_TOKEN))
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
        assert server.received == [] and server.handler.attempts == [sasl(SENDER, TOKEN)]   # tried once, not per provider
    assert report.sent == [] and set(report.failed) == {"PRV1", "PRV2", "PRV3"}
    assert report.failed["PRV1"] == (
        f"the mail server did not accept the sign-in token for {SENDER} (535 5.7.8 Username and Password not "
        "accepted): check [email] username, and that this mailbox may send with SMTP AUTH (see docs/email_setup.md)")


def test_a_server_without_xoauth2_is_named(tmp_path):
    with running_server(authenticator=Authenticator("u", "p")) as server:
        conf = server_settings(server.port, auth="xoauth2", token_command=token_script(tmp_path / "helper", PRINTS_TOKEN))
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
    assert report.failed["PRV1"].startswith(f"the mail server at 127.0.0.1:{server.port} does not offer XOAUTH2 "
                                            "sign-in (it offers: LOGIN PLAIN)")


@pytest.mark.parametrize("command, windows, words", [
    ('oauth2l fetch --scope https://mail.google.com/', False, ["oauth2l", "fetch", "--scope", "https://mail.google.com/"]),
    ('"/opt/my tools/get token" --user \'a b\'', False, ["/opt/my tools/get token", "--user", "a b"]),
    (r'"C:\Program Files\oauth2l\oauth2l.exe" fetch --credentials C:\AP\client.json', True,
     [r"C:\Program Files\oauth2l\oauth2l.exe", "fetch", "--credentials", r"C:\AP\client.json"]),
])
def test_the_token_command_is_split_as_a_shell_would(command, windows, words):
    assert oauth.command_words(command, windows=windows) == words


# --- a server that refuses a password ---------------------------------------------------------------------

def test_a_server_with_basic_authentication_off_is_exit_3_with_one_line_naming_auth(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TEST_PW", "Smtp-Pw-Zebra-93!")
    refusing = Authenticator("attendance", "Smtp-Pw-Zebra-93!", refuse=BASIC_OFF)
    with running_server(authenticator=refusing) as server:
        run = school(tmp_path, capsys, server.port, username="attendance", password_env="TEST_PW")
        code, stdout, stderr = run("--send")
        assert (code, stderr) == (3, "")
        assert server.received == [] and refusing.attempts
    why = (f"the mail server at 127.0.0.1:{server.port} no longer accepts a password ({BASIC_OFF}): change "
           '[email] auth in school.toml to "microsoft" (Microsoft 365) or "xoauth2" (Google Workspace and others), '
           "see docs/email_setup.md")
    assert sent_line(stdout) == "E-mail: 0 sent, 0 already sent, 3 not sent"
    assert [ln.strip() for ln in stdout.splitlines() if "NOT SENT" in ln] == [
        f"NOT SENT to {', '.join(sorted(PUPILS))}: {why}"]                  # one line, whatever the number of providers
    assert run.results() == [(pid, f"not sent: {why}") for pid in sorted(PUPILS)]
    assert not any(r == "sent" for _, r in run.results())


@pytest.mark.parametrize("reply", ["550 5.7.30 Basic authentication is not supported for Client Submission",
                                   "534 5.7.9 Application-specific password required"])
def test_microsofts_and_googles_other_refusals_name_auth_too(tmp_path, reply):
    with running_server(authenticator=Authenticator("u", "p", refuse=reply)) as server:
        conf = server_settings(server.port, username="u")
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={"AP_SMTP_PASSWORD": "p"})
    assert report.sent == [] and len(set(report.failed.values())) == 1
    assert f"no longer accepts a password ({reply}): change [email] auth" in report.failed["PRV1"]
    assert not send_log.already_sent(tmp_path / LOG_NAME)


def test_a_password_for_a_server_that_offers_only_xoauth2_names_auth(tmp_path):
    with xoauth2_server(SENDER, TOKEN) as server:
        conf = server_settings(server.port, username="u")
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={"AP_SMTP_PASSWORD": "p"})
        assert server.received == []
    assert report.failed["PRV1"].startswith(f"the mail server at 127.0.0.1:{server.port} no longer accepts a password: "
                                            "change [email] auth in school.toml")


# --- the settings -----------------------------------------------------------------------------------------

def test_the_auth_settings_are_read_and_checked():
    conf = parse_settings(tomllib.loads(SCHOOL_TOML + '\n[email]\nauth = "microsoft"\nclient_id = "abc"\n'))
    assert conf.warnings == ()
    assert (conf.get("email", "auth"), conf.get("email", "tenant"), conf.get("email", "token_cache")) == (
        "microsoft", "organizations", None)
    with pytest.raises(RunError, match=r'\[email\] auth must be "password", "xoauth2" or "microsoft", not "oauth"'):
        parse_settings(tomllib.loads(SCHOOL_TOML + '\n[email]\nauth = "oauth"\n'))


def test_the_default_token_cache_is_in_the_users_configuration_folder(tmp_path):
    assert oauth.default_cache_path({"APPDATA": r"C:\Users\head\AppData\Roaming"}, windows=True) == (
        Path(r"C:\Users\head\AppData\Roaming") / "ap-monitor" / "microsoft_sign_in.json")
    assert oauth.default_cache_path({"XDG_CONFIG_HOME": str(tmp_path)}, windows=False) == (
        tmp_path / "ap-monitor" / "microsoft_sign_in.json")
    assert oauth.default_cache_path({}, windows=False) == Path.home() / ".config" / "ap-monitor" / "microsoft_sign_in.json"


# --- auth = "microsoft": msal against a local OAuth endpoint -------------------------------------------------

@pytest.fixture
def microsoft(tmp_path, monkeypatch):
    """The local endpoint, trusted and standing in for login.microsoftonline.com; it hands out "at-1" at the
    sign-in and "at-2" at the first refresh, each valid 60 s (so msal refreshes it on the next run)."""
    endpoint = OAuthEndpoint(CLIENT_ID, SENDER, ["at-1", "at-2"], expires_in=60)
    with running_endpoint(tmp_path, endpoint) as cert:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        monkeypatch.setattr(oauth, "AUTHORITY_HOST", endpoint.base)
        yield endpoint


def ms_school(tmp_path, capsys, port, cache: Path | None, **email) -> Cli:
    return school(tmp_path, capsys, port, auth="microsoft", client_id=CLIENT_ID, tenant="test-infant.sch.uk",
                  token_cache=str(cache) if cache else None, **email)


def test_sign_in_once_then_send_gets_a_fresh_token_silently(tmp_path, capsys, microsoft):
    cache = tmp_path / "profile" / "ap-monitor" / "sign-in.json"
    with xoauth2_server(SENDER, "at-2") as server:
        run = ms_school(tmp_path, capsys, server.port, cache)
        code, stdout, stderr = run("--email-sign-in")
        assert (code, stderr) == (0, "")
        assert stdout.splitlines() == [
            DEVICE_MESSAGE,
            f"Signed in as {SENDER}. The sign-in is kept in {cache}; --send now uses it without asking again."]
        assert not run.out.exists() and server.handler.attempts == []
        # msal asked for SMTP.Send (and the refresh token) for the school's app, at the school's tenant
        (_, path, form), = [r for r in microsoft.requests if r[1].endswith("/devicecode")]
        assert path == "/test-infant.sch.uk/oauth2/v2.0/devicecode" and form["client_id"] == CLIENT_ID
        assert {"https://outlook.office.com/SMTP.Send", "offline_access"} <= set(form["scope"].split())
        assert microsoft.grants() == ["urn:ietf:params:oauth:grant-type:device_code"]
        # the cache: outside the school folder, the owner's only, holding the refresh token
        assert cache.is_file() and not cache.resolve().is_relative_to(run.data.resolve())
        if os.name == "posix":
            assert stat.S_IMODE(cache.stat().st_mode) == 0o600
            assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
        assert "refresh-token-1" in json.dumps(json.loads(cache.read_text(encoding="utf-8")))
        assert list(cache.parent.iterdir()) == [cache]

        # a later run: no device code, msal refreshes the expired access token and the server gets the new one
        code, stdout, stderr = run("--send")
        assert (code, stderr) == (0, "")
        assert sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
        assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS[p]] for p in sorted(PUPILS)]
        assert server.handler.attempts == [sasl(SENDER, "at-2")]
        assert microsoft.grants() == ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"]
        assert len([r for r in microsoft.requests if r[1].endswith("/devicecode")]) == 1
        if os.name == "posix":
            assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    for text in run.seen:
        assert "at-1" not in text and "at-2" not in text and "refresh-token-1" not in text


def test_without_a_sign_in_send_is_exit_2_telling_to_sign_in_and_nothing_is_written(tmp_path, capsys, microsoft):
    cache = tmp_path / "profile" / "sign-in.json"
    with xoauth2_server(SENDER, "at-1") as server:
        run = ms_school(tmp_path, capsys, server.port, cache)
        code, stdout, stderr = run("--send")
        assert (code, stdout) == (2, "")
        assert "--email-sign-in" in one_line(stderr) and str(cache) in one_line(stderr)
        assert not run.out.exists() and server.received == [] and microsoft.requests == []


def test_a_token_cache_inside_the_school_folder_is_exit_2(tmp_path, capsys, microsoft):
    with xoauth2_server(SENDER, "at-1") as server:
        run = ms_school(tmp_path, capsys, server.port, tmp_path / "school" / "private" / "sign-in.json")
        for option in ("--email-sign-in", "--send"):
            code, stdout, stderr = run(option)
            assert (code, stdout) == (2, "")
            assert "[email] token_cache" in one_line(stderr) and "inside the school folder" in one_line(stderr)
        assert not (tmp_path / "school" / "private").exists() and microsoft.requests == [] and not run.out.exists()


def test_the_default_token_cache_is_used_when_none_is_set(tmp_path, capsys, microsoft, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(oauth.sys, "platform", "linux")
    with xoauth2_server(SENDER, "at-2") as server:
        run = ms_school(tmp_path, capsys, server.port, None)
        code, stdout, _ = run("--email-sign-in")
        assert code == 0 and (tmp_path / "xdg" / "ap-monitor" / "microsoft_sign_in.json").is_file()


def test_a_withdrawn_sign_in_is_exit_2_telling_to_sign_in_again(tmp_path, capsys, microsoft):
    cache = tmp_path / "profile" / "sign-in.json"
    with xoauth2_server(SENDER, "at-2") as server:
        run = ms_school(tmp_path, capsys, server.port, cache)
        assert run("--email-sign-in")[0] == 0
        microsoft.refused = "invalid_grant"             # an administrator revoked the sign-in
        code, stdout, stderr = run("--send")
        assert code == 2 and "E-mail:" not in stdout
        line = one_line(stderr)
        assert "The Microsoft 365 sign-in has expired or was withdrawn" in line and "--email-sign-in" in line
        assert server.received == [] and run.log() == []


def test_a_sign_in_for_another_account_is_exit_2_before_anything_is_written(tmp_path, capsys, microsoft):
    microsoft.username = "someone.else@test-infant.sch.uk"
    with xoauth2_server(SENDER, "at-2") as server:
        run = ms_school(tmp_path, capsys, server.port, tmp_path / "profile" / "sign-in.json")
        code, stdout, _ = run("--email-sign-in")
        assert code == 0 and f'set [email] username = "someone.else@test-infant.sch.uk"' in stdout
        code, stdout, stderr = run("--send")
        assert (code, stdout) == (2, "")
        assert "is for someone.else@test-infant.sch.uk, not for " + SENDER in one_line(stderr)
        assert not run.out.exists()


def test_sign_in_needs_auth_microsoft_and_a_client_id(tmp_path, capsys):
    run = school(tmp_path, capsys, 25)
    code, stdout, stderr = run("--email-sign-in")
    assert (code, stdout) == (2, "")
    assert one_line(stderr) == ('Cannot run: --email-sign-in is for [email] auth = "microsoft"; school.toml has '
                                'auth = "password". Set auth = "microsoft" and client_id in the [email] section first '
                                "(see docs/email_setup.md).")
    run = Cli(capsys, make_school(tmp_path / "other", 25, auth="microsoft", username=None, password_env=None),
              tmp_path / "out2")
    code, _, stderr = run("--email-sign-in")
    assert code == 2 and "[email] client_id" in one_line(stderr)


# --- the guide ----------------------------------------------------------------------------------------------

def test_the_email_guide_is_linked_from_the_readme_and_covers_both_providers():
    root = Path(__file__).resolve().parent.parent
    guide = (root / "docs" / "email_setup.md").read_text(encoding="utf-8")
    assert "(docs/email_setup.md)" in (root / "README.md").read_text(encoding="utf-8")
    for needed in ("Allow public client flows", "SMTP.Send", "https://outlook.office.com/SMTP.Send",
                   "Authenticated SMTP", "client_id", "tenant", "--email-sign-in", "https://mail.google.com/",
                   'auth = "xoauth2"', "token_command", "High Volume Email", "X-Unsent: 1", "press **Send**"):
        assert needed in guide, needed
