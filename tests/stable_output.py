"""A report's bytes as a rerun must reproduce them: an outbox .eml without its Date and Message-ID headers,
which are the time it was built and a new id each time (contract §9, §14); any other file as it is."""
from __future__ import annotations

from pathlib import Path

STAMPS = (b"date:", b"message-id:")


def stable(name: str | Path, data: bytes) -> bytes:
    if not str(name).lower().endswith(".eml"):
        return data
    head, sep, body = data.partition(b"\r\n\r\n")
    kept = [line for line in head.split(b"\r\n") if not line.lower().startswith(STAMPS)]
    return b"\r\n".join(kept) + sep + body


def stable_bytes(path: Path) -> bytes:
    return stable(path.name, Path(path).read_bytes())
