"""An xlsx file's zip, written as xlsxwriter writes it from memory (Workbook._store_workbook: each part deflated,
dated 1/1/1980, by Python's zipfile), from parts deflated beforehand: a part that many files share is deflated
once, not once a file. tests/test_provider_return_xml.py compares the files with xlsxwriter's, byte for byte."""
from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

_INFO = zipfile.ZipInfo("part", (1980, 1, 1, 0, 0, 0))    # zipfile's defaults for a part: versions, system
_TIME, _DATE = 0, 1 << 5 | 1                                   # 00:00:00 on 1/1/1980, as MS-DOS writes them
_ATTRIBUTES = 0o600 << 16                                      # what zipfile gives a part written from memory
_LARGEST = 0x7FFFFFFF                                          # beyond it zipfile would need ZIP64: not here


@dataclass(frozen=True)
class Deflated:
    """A part's data deflated as zipfile deflates it, with its CRC and size."""
    crc: int
    size: int
    data: bytes


def deflate(data: bytes) -> Deflated:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Deflated(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def zip_bytes(parts: list[tuple[str, Deflated]]) -> bytes:
    """The zip of `parts` (name, deflated data), in that order."""
    pieces, directory, offset = [], [], 0
    for name, part in parts:
        encoded = name.encode("ascii")
        if part.size > _LARGEST or offset > _LARGEST:
            raise ValueError(f"{name} would need ZIP64")
        header = struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, _INFO.extract_version, 0, 0,
                             zipfile.ZIP_DEFLATED, _TIME, _DATE, part.crc, len(part.data), part.size, len(encoded), 0)
        directory.append(struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, _INFO.create_version,
                                     _INFO.create_system, _INFO.extract_version, 0, 0, zipfile.ZIP_DEFLATED, _TIME,
                                     _DATE, part.crc, len(part.data), part.size, len(encoded), 0, 0, 0, 0,
                                     _ATTRIBUTES, offset) + encoded)
        pieces += (header, encoded, part.data)
        offset += len(header) + len(encoded) + len(part.data)
    central = b"".join(directory)
    end = struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(parts), len(parts), len(central),
                      offset, 0)
    return b"".join(pieces) + central + end


def write_zip(path: Path, parts: list[tuple[str, Deflated]]) -> None:
    Path(path).write_bytes(zip_bytes(parts))
