"""Signing in to the mail server with OAuth 2 instead of a password (contract §2 [email] auth, §14).

`[email] auth`:
- "password": SMTP AUTH with [email] username and the password in the environment variable password_env;
- "xoauth2": SASL XOAUTH2 with the access token that [email] token_command prints (any OAuth helper, as mail
  clients use: `oauth2l fetch --scope https://mail.google.com/`, or the school's own script);
- "microsoft": SASL XOAUTH2 with a token from a Microsoft 365 sign-in. `--email-sign-in` runs Microsoft's
  device-code flow once through the msal library (imported only for this) and keeps msal's token cache in
  [email] token_cache, outside the school folder and readable by its owner only; later `--send` runs get a
  token from it silently (msal uses the refresh token when the access token has expired).

The SASL user is [email] username, else the address in [email] from. Nothing here ever prints a token.
"""
from __future__ import annotations

import base64
import email.utils
import os
import shlex
import subprocess
import sys
from pathlib import Path

from ..errors import RunError

PASSWORD, XOAUTH2, MICROSOFT = "password", "xoauth2", "microsoft"
MECHANISM = "XOAUTH2"
MICROSOFT_SCOPE = "https://outlook.office.com/SMTP.Send"     # msal adds offline_access (the refresh token) itself
AUTHORITY_HOST = "https://login.microsoftonline.com"
CACHE_FOLDER = "ap-monitor"
CACHE_NAME = "microsoft_sign_in.json"
COMMAND_TIMEOUT = 120      # seconds a token_command may take (a helper may open a browser the first time)
SETUP_GUIDE = "docs/email_setup.md"


def auth_of(settings) -> str:
    return settings.get("email", "auth") or PASSWORD


def sasl_user(settings) -> str:
    """[email] username, else the bare address in [email] from."""
    username = str(settings.get("email", "username") or "").strip()
    return username or email.utils.parseaddr(str(settings.get("email", "from") or ""))[1]


def xoauth2_response(user: str, token: str) -> str:
    """The XOAUTH2 initial client response before base64 (smtplib encodes it)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def xoauth2_base64(user: str, token: str) -> str:
    """What goes on the wire after `AUTH XOAUTH2 `."""
    return base64.b64encode(xoauth2_response(user, token).encode("ascii")).decode("ascii")


# --- [email] auth = "xoauth2": a token printed by a command ------------------------------------------------

def command_words(command: str, windows: bool = os.name == "nt") -> list[str]:
    """The command split as a shell would (on Windows as cmd.exe quotes: backslashes kept, quotes removed)."""
    if windows:
        words = shlex.split(command, posix=False)
        return [w[1:-1] if len(w) >= 2 and w[0] == w[-1] == '"' else w for w in words]
    return shlex.split(command)


def _command_error(problem: str) -> RunError:
    return RunError(f"[email] token_command in school.toml {problem}, so no e-mail was sent: "
                    f"check the command (see {SETUP_GUIDE}).")


def check_token_command(settings) -> list[str]:
    command = str(settings.get("email", "token_command") or "").strip()
    if not command:
        raise RunError('[email] auth = "xoauth2" needs [email] token_command in school.toml: the command that '
                       f"prints an access token for the mailbox (see {SETUP_GUIDE}).")
    try:
        words = command_words(command)
    except ValueError as exc:     # an unclosed quote
        raise _command_error(f"cannot be read ({exc})") from None
    if not words:
        raise _command_error("is empty")
    return words


def token_from_command(settings) -> str:
    """Run [email] token_command (no shell) and return what it prints, stripped; a RunError naming the setting
    when it cannot be run, fails, or prints nothing usable."""
    words = check_token_command(settings)
    try:
        done = subprocess.run(words, stdin=subprocess.DEVNULL, capture_output=True, timeout=COMMAND_TIMEOUT)
    except FileNotFoundError:
        raise _command_error(f"names a program that was not found ({words[0]})") from None
    except subprocess.TimeoutExpired:
        raise _command_error(f"did not finish within {COMMAND_TIMEOUT} seconds") from None
    except OSError as exc:
        raise _command_error(f"could not be run ({exc.strerror or exc})") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
        raise _command_error(f"failed (exit status {done.returncode}{': ' + said if said else ''})")
    token = done.stdout.decode("utf-8", "replace").strip()
    if not token:
        raise _command_error("printed nothing")
    if not token.isascii() or any(c.isspace() or not c.isprintable() for c in token):
        raise _command_error("printed more than one access token (it must print the token alone)")
    return token


# --- [email] auth = "microsoft": msal's device-code sign-in and its token cache ----------------------------

def default_cache_path(env=os.environ, windows: bool | None = None) -> Path:
    """The user's configuration folder: %APPDATA%\\ap-monitor\\ on Windows, else $XDG_CONFIG_HOME or ~/.config."""
    windows = sys.platform == "win32" if windows is None else windows
    if windows and env.get("APPDATA"):
        base = Path(env["APPDATA"])
    elif env.get("XDG_CONFIG_HOME"):
        base = Path(env["XDG_CONFIG_HOME"])
    else:
        base = Path.home() / ".config"
    return base / CACHE_FOLDER / CACHE_NAME


def cache_path(settings, env=os.environ) -> Path:
    """[email] token_cache (relative to the current folder, or absolute), else the default."""
    value = str(settings.get("email", "token_cache") or "").strip()
    return Path(value).expanduser() if value else default_cache_path(env)


def check_cache_outside(settings, data_dir: Path, env=os.environ) -> Path:
    """The token cache's path; a RunError when it is inside the school folder."""
    path = cache_path(settings, env)
    if path.resolve().is_relative_to(Path(data_dir).resolve()):
        raise RunError(f"[email] token_cache {path} is inside the school folder: a sign-in must not be kept next to "
                       "the pupil data. Remove the setting (to use your own configuration folder) or choose a "
                       "folder outside the school folder.")
    return path


def _client_id(settings) -> str:
    client_id = str(settings.get("email", "client_id") or "").strip()
    if not client_id:
        raise RunError('[email] auth = "microsoft" needs [email] client_id in school.toml: the Application (client) '
                       f"ID of the school's app registration in Microsoft Entra (see {SETUP_GUIDE}).")
    return client_id


def authority(settings) -> str:
    tenant = str(settings.get("email", "tenant") or "").strip() or "organizations"
    return f"{AUTHORITY_HOST}/{tenant}"


def _msal():
    try:
        import msal   # imported here: only auth = "microsoft" needs it
    except ImportError:
        raise RunError('[email] auth = "microsoft" needs the msal library: run "pip install msal" in the '
                       "tool's Python environment, then try again.") from None
    return msal


def _load_cache(msal, path: Path):
    cache = msal.SerializableTokenCache()
    if path.is_file():
        try:
            cache.deserialize(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunError(f"The Microsoft sign-in kept in {path} cannot be read ({getattr(exc, 'strerror', None) or exc}): "
                           "run 'python run_weekly.py --data DIR --email-sign-in' again.") from None
    return cache


def save_cache(cache, path: Path) -> None:
    """Write msal's cache readable and writable by its owner only (0600; the folder 0700)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(cache.serialize())
        os.chmod(temp, 0o600)       # os.open's mode is reduced by the umask only, but a left-over file keeps its own
        os.replace(temp, path)
    except OSError as exc:
        raise RunError(f"The Microsoft sign-in cannot be kept in {path} ({exc.strerror or exc}): "
                       "set [email] token_cache in school.toml to a file in a folder you may write to.") from None


def _network_errors():
    import requests   # msal's own dependency
    return (requests.RequestException, ValueError, RuntimeError)


def _app(settings, cache):
    msal = _msal()
    where = authority(settings)
    try:
        # instance discovery off: the authority is fixed (Microsoft's own host), there is nothing to discover
        return msal.PublicClientApplication(_client_id(settings), authority=where, token_cache=cache,
                                            instance_discovery=False)
    except _network_errors() as exc:
        raise RunError(f"Microsoft's sign-in service at {where} could not be used ({_first_line(exc)}): check the "
                       "internet connection and [email] tenant in school.toml.") from None


def _first_line(value) -> str:
    text = " ".join(str(value or "").split())
    return text[:300] + ("..." if len(text) > 300 else "")


def _accounts(cache) -> list[dict]:
    """The accounts signed in, from the cache alone (msal 1.27 renamed find() to search())."""
    search = getattr(cache, "search", None) or cache.find
    return list(search(cache.CredentialType.ACCOUNT))


def _account_for(settings, accounts: list[dict]) -> dict | None:
    user = sasl_user(settings).casefold()
    return next((a for a in accounts if str(a.get("username", "")).casefold() == user), None)


def _sign_in_again(path: Path, why: str) -> RunError:
    return RunError(f"{why}: run 'python run_weekly.py --data DIR --email-sign-in' once (DIR is your school folder) "
                    f"to sign in to Microsoft 365; the sign-in is kept in {path}.")


def check_signed_in(settings, env=os.environ) -> None:
    """Before anything is written: the settings are complete and the cache holds a sign-in for the SASL user.
    Reads the cache file only (no network)."""
    _client_id(settings)
    path = cache_path(settings, env)
    msal = _msal()
    if not path.is_file():
        raise _sign_in_again(path, "There is no Microsoft 365 sign-in yet for sending e-mail")
    accounts = _accounts(_load_cache(msal, path))
    if not accounts:
        raise _sign_in_again(path, "There is no Microsoft 365 sign-in yet for sending e-mail")
    if _account_for(settings, accounts) is None:
        names = ", ".join(sorted(str(a.get("username", "")) for a in accounts))
        raise _sign_in_again(path, f"The Microsoft 365 sign-in kept is for {names}, not for {sasl_user(settings)} "
                                   "(set [email] username to the account that signs in, or sign in as that account)")


def microsoft_token(settings, env=os.environ) -> str:
    """An access token for SMTP.Send, from the cache (refreshed by msal when it has expired); the cache is
    written back when msal changed it (a new refresh token)."""
    check_signed_in(settings, env)
    path = cache_path(settings, env)
    cache = _load_cache(_msal(), path)
    app = _app(settings, cache)
    account = _account_for(settings, app.get_accounts())
    if account is None:
        raise _sign_in_again(path, f"The Microsoft 365 sign-in for {sasl_user(settings)} was not found")
    try:
        result = app.acquire_token_silent([MICROSOFT_SCOPE], account=account)
    except _network_errors() as exc:
        raise RunError(f"Microsoft's sign-in service could not be reached to renew the sign-in ({_first_line(exc)}): "
                       "check the internet connection, then run again. No e-mail was sent.") from None
    if cache.has_state_changed:
        save_cache(cache, path)
    if not result or "access_token" not in result:
        said = _first_line((result or {}).get("error_description") or "").split(" Trace ID")[0]
        raise _sign_in_again(path, "The Microsoft 365 sign-in has expired or was withdrawn"
                                   + (f" ({said})" if said else ""))
    return result["access_token"]


def sign_in(data_dir: Path, say=print, env=os.environ) -> int:
    """`--email-sign-in`: the device-code flow (the user opens a web page and types a code), then the cache
    is kept outside the school folder. Returns the exit status (0); a RunError when it cannot be done."""
    from ..settings import load_settings

    settings = load_settings(Path(data_dir) / "school.toml")
    if auth_of(settings) != MICROSOFT:
        raise RunError(f'--email-sign-in is for [email] auth = "microsoft"; school.toml has auth = "{auth_of(settings)}". '
                       f'Set auth = "microsoft" and client_id in the [email] section first (see {SETUP_GUIDE}).')
    _client_id(settings)
    path = check_cache_outside(settings, data_dir, env)
    cache = _load_cache(_msal(), path)
    app = _app(settings, cache)
    try:
        flow = app.initiate_device_flow(scopes=[MICROSOFT_SCOPE])
    except _network_errors() as exc:
        raise RunError(f"Microsoft's sign-in service could not be reached ({_first_line(exc)}): "
                       "check the internet connection, then try again.") from None
    if "user_code" not in flow:
        raise RunError(f"Microsoft refused to start the sign-in ({_first_line(flow.get('error_description') or flow.get('error'))}): "
                       f"check [email] client_id and tenant, and that the app registration allows public client flows "
                       f"(see {SETUP_GUIDE}).")
    say(flow["message"], flush=True)
    try:
        result = app.acquire_token_by_device_flow(flow)
    except _network_errors() as exc:
        raise RunError(f"Microsoft's sign-in service could not be reached ({_first_line(exc)}): "
                       "check the internet connection, then try again.") from None
    if "access_token" not in result:
        said = _first_line(result.get("error_description") or result.get("error")).split(" Trace ID")[0]
        raise RunError(f"The Microsoft 365 sign-in did not complete ({said}): run --email-sign-in again.")
    save_cache(cache, path)
    who = str((result.get("id_token_claims") or {}).get("preferred_username") or "")
    say(f"Signed in{' as ' + who if who else ''}. The sign-in is kept in {path}; "
        "--send now uses it without asking again.", flush=True)
    if who and who.casefold() != sasl_user(settings).casefold():
        say(f"Note: school.toml sends as {sasl_user(settings)}, not {who}: set [email] username = \"{who}\" "
            f"if {who} may send as that address, or run --email-sign-in again and sign in as {sasl_user(settings)}.",
            flush=True)
    return 0


# --- what sending uses ------------------------------------------------------------------------------------

def check_auth(settings, env=os.environ) -> None:
    """Before anything is written: a RunError when the sign-in the settings ask for cannot even start."""
    auth = auth_of(settings)
    if auth == PASSWORD:
        return
    if not sasl_user(settings):
        raise RunError(f'[email] auth = "{auth}" needs [email] username or from: the mailbox that signs in.')
    if auth == XOAUTH2:
        check_token_command(settings)
    else:
        check_signed_in(settings, env)


def access_token(settings, env=os.environ) -> str:
    """The OAuth 2 access token for auth = "xoauth2" or "microsoft"."""
    return token_from_command(settings) if auth_of(settings) == XOAUTH2 else microsoft_token(settings, env)


def check_microsoft_cache(data_dir: Path, env=os.environ) -> None:
    """With auth = "microsoft": a RunError when [email] token_cache is inside the school folder (before --send)."""
    from ..settings import load_settings

    settings = load_settings(Path(data_dir) / "school.toml")
    if auth_of(settings) == MICROSOFT:
        check_cache_outside(settings, data_dir, env)
