"""The passwords that encrypt each provider's attachment: a TOML file `PROVIDER_ID = "password"`.

The file is named by [email] secrets_file and must live outside the school folder, so that the
passwords never sit next to the pupil data they protect (or travel with a copy of that folder).
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import RunError


def secrets_path(settings) -> Path | None:
    """[email] secrets_file as a path (relative to the current folder, or absolute); None if not set."""
    value = settings.get("email", "secrets_file")
    if value is None or not str(value).strip():
        return None
    return Path(str(value).strip()).expanduser()


def load_passwords(settings, data_dir: Path) -> dict[str, str]:
    """{Provider ID: password} from the secrets file; {} when [email] secrets_file is not set."""
    path = secrets_path(settings)
    if path is None:
        return {}
    resolved = path.resolve()
    if resolved.is_relative_to(Path(data_dir).resolve()):
        raise RunError(f"[email] secrets_file {path} is inside the school folder: move it somewhere else "
                       "(passwords must not be kept next to the pupil data) and change the setting.")
    if not resolved.is_file():
        raise RunError(f"[email] secrets_file {path} does not exist: create it, or remove the setting "
                       "from school.toml to send without passwords.")
    try:
        text = resolved.read_text(encoding="utf-8-sig")
        raw = tomllib.loads(text)
    except OSError as exc:
        raise RunError(f"[email] secrets_file {path} cannot be read ({exc.strerror or exc}): "
                       "check the file's permissions.") from None
    except UnicodeDecodeError:
        raise RunError(f"[email] secrets_file {path} is not saved as UTF-8 text: "
                       "open it in Notepad and save it with the encoding UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        # The message names the line but never quotes it: that line may hold a password.
        raise RunError(f"[email] secrets_file {path} cannot be read ({exc}): each line must look like "
                       'PRV1 = "password".') from None
    passwords = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise RunError(f"[email] secrets_file {path}: the password for {key} must be text in quotes, "
                           f'like {key} = "password".')
        passwords[str(key).strip()] = value
    return passwords
