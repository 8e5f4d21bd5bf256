"""The rule for a Provider ID or Placement ID (contract §12): declared once, checked where the registers are read.

An ID becomes part of output file names (returns_to_send/<Provider ID>_<Monday>.xlsx, letters/<Placement ID>_letter.html),
so it must be a plain file-name part on Windows and on Linux. Two IDs that differ only in case or in spaces are one
ID (`fold_key`): on Windows they would name one file, and to a person they are the same reference.
"""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 40
FORBIDDEN = '<>:"|?*'
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10)),
                      "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"})   # Windows also reserves the superscript digits
EXAMPLE = "letters, digits and hyphens, such as PRV1 or P001"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def identifier_problem(text: str) -> str | None:
    """What makes `text` unusable as a Provider ID or Placement ID, in plain English; None when it is fine.

    The reason completes the sentence "Provider ID '...' <reason>"."""
    if not text:
        return "is blank"
    if len(text) > MAX_LENGTH:
        return f"is {len(text)} characters long; an ID can have at most {MAX_LENGTH}"
    if _CONTROL.search(text):
        return ("holds a line break or another invisible control character (Alt+Enter in Excel makes a line break), "
                "so it cannot be part of a file name")
    if "/" in text or "\\" in text:
        return "holds a slash (/ or \\), which would make it a folder path rather than a file name"
    if text in (".", ".."):
        return "is only dots, which a file name cannot be"
    bad = sorted({ch for ch in text if ch in FORBIDDEN}, key=FORBIDDEN.index)
    if bad:
        return f"holds {' '.join(bad)}, which a Windows file name cannot hold"
    if text != text.strip():
        return "starts or ends with a space"
    if text.endswith("."):
        return "ends with a dot, which Windows drops from file names"
    stem = text.split(".")[0].rstrip(" ").upper()
    if stem in RESERVED:
        return f"is {stem}, a name Windows keeps for a device, so no file can be called it"
    return None


def fold_key(text: str) -> str:
    """The ID as compared: case, spaces (of any kind) and Unicode look-alike forms ignored.

    'PRV 1', 'prv1' and 'PRV1' have one key, so they are one ID."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def safe_file_part(name: str) -> str:
    """A file or folder name from the school folder made safe to reuse under OUT (an annotated copy's path):
    each character a Windows or Linux file name cannot hold becomes '_', and a reserved device name gets '_'
    in front. Never empty, never '.' or '..'."""
    safe = _CONTROL.sub("_", re.sub(r'[<>:"|?*/\\]', "_", str(name))).strip(" ")
    if safe.endswith("."):
        safe = safe.rstrip(".") + "_"
    if not safe or set(safe) <= {"."}:
        return "_"
    if safe.split(".")[0].rstrip(" ").upper() in RESERVED:
        return "_" + safe
    return safe


def shown(text: str) -> str:
    """The ID as a message quotes it: an invisible character is named, so 'PRV1[line break]2' shows where it is."""
    return _CONTROL.sub(lambda m: "[line break]" if m.group() in "\r\n\u2028\u2029" else "[control character]", str(text))
