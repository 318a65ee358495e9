"""A zip member made of raw deflate pieces compressed apart (by several processes), and the small zip writer
that stores such members.

Joining pieces (the pigz technique)
-----------------------------------
A raw deflate stream that ends with a sync flush (Z_SYNC_FLUSH) ends on a byte boundary after a complete,
non-final block; the next piece, compressed by its own compressor, starts a new block there. So pieces
compressed independently and concatenated form one valid deflate stream, provided only the last piece
ends with the final block (Z_FINISH). Each piece starts with an empty dictionary, which costs a few hundred
bytes per piece. The member's CRC-32 is combined from the pieces' own (`crc32_combine`), so the uncompressed
data is never needed again.

Why a zip writer of our own
---------------------------
zipfile compresses whatever is written to a member and has no public way to store data compressed
elsewhere. `ZipWriter` writes what zipfile writes for a deflated member whose sizes are known: a local
header (with a ZIP64 extra field when a size reaches 4 GiB), the data, and at the end the central directory
(ZIP64 records when needed). The unit tests read its archives back with zipfile, openpyxl and calamine.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_POLY = 0xEDB88320  # CRC-32's polynomial, reflected (zlib's crc32.c)


def _multmodp(a: int, b: int) -> int:
    """a(x) * b(x) modulo p(x), the CRC-32 polynomial, in zlib's reflected bit order (a must be nonzero)."""
    m = 1 << 31
    p = 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    """x^(2^n) modulo p(x) for n = 0 … 31."""
    table = [1 << 30]  # x^1
    for _ in range(31):
        table.append(_multmodp(table[-1], table[-1]))
    return table


_X2N = _x2n_table()


def _x2nmodp(n: int, k: int) -> int:
    """x^(n * 2^k) modulo p(x)."""
    p = 1 << 31  # x^0 == 1
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return p


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A followed by B from crc1 = crc32(A), crc2 = crc32(B) and len(B) (zlib's crc32_combine)."""
    if length2 < 0:
        raise ValueError(f"length2 must not be negative, got {length2}")
    return _multmodp(_x2nmodp(length2, 3), crc1 & 0xFFFFFFFF) ^ (crc2 & 0xFFFFFFFF)


@dataclass(frozen=True)
class DeflatePiece:
    """A run of raw deflate data in a file: `compressed_size` bytes holding `raw_size` bytes of CRC `crc`."""

    path: Path
    crc: int
    raw_size: int
    compressed_size: int


class PieceWriter:
    """Compresses text into a piece file as it comes; `close` ends it with a sync flush (or the final block)."""

    def __init__(self, path: Path, level: int) -> None:
        self.path = path
        self._file = path.open("wb")
        self._compress = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._crc = 0
        self._raw = 0
        self._compressed = 0

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._raw += len(data)
        self._put(self._compress.compress(data))

    def close(self, *, final: bool = False) -> DeflatePiece:
        self._put(self._compress.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH))
        self._file.close()
        return DeflatePiece(self.path, self._crc, self._raw, self._compressed)

    def abandon(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def _put(self, data: bytes) -> None:
        if data:
            self._file.write(data)
            self._compressed += len(data)


def deflate_piece(path: Path, data: bytes, level: int, *, final: bool = False) -> DeflatePiece:
    """`data` compressed into a piece file of its own."""
    writer = PieceWriter(path, level)
    writer.write(data)
    return writer.close(final=final)


_ZIP64_LIMIT = 0xFFFFFFFF
_ZIP64_ENTRIES = 0xFFFF
_DEFLATED = 8
_VERSION_DEFAULT, _VERSION_ZIP64 = 20, 45
_UNIX = 3
_UTF8_NAME = 0x800
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Entry:
    name: bytes
    flags: int
    dos_time: int
    dos_date: int
    crc: int
    compressed_size: int
    raw_size: int
    external_attr: int
    offset: int


class ZipWriter:
    """Writes a zip archive of deflated members whose data is compressed before it is stored."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._offset = 0
        self._entries: list[_Entry] = []

    def write_bytes(
        self, name: str, data: bytes, *, level: int, date_time: Sequence[int], external_attr: int = 0o600 << 16
    ) -> None:
        """A member holding `data`, deflated at `level` here."""
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        compressed = compressor.compress(data) + compressor.flush()
        self._header(name, zlib.crc32(data), len(compressed), len(data), date_time, external_attr)
        self._put(compressed)

    def write_pieces(
        self,
        name: str,
        pieces: Sequence[DeflatePiece],
        *,
        date_time: Sequence[int],
        external_attr: int = 0o600 << 16,
    ) -> None:
        """A member whose deflate stream is the pieces in order (only the last may end with the final block)."""
        if not pieces:
            raise ValueError("a member needs at least one piece (the last ends the deflate stream)")
        crc, raw = 0, 0
        for piece in pieces:
            crc = crc32_combine(crc, piece.crc, piece.raw_size)
            raw += piece.raw_size
        self._header(name, crc, sum(piece.compressed_size for piece in pieces), raw, date_time, external_attr)
        for piece in pieces:
            with piece.path.open("rb") as source:
                copied = self._copy(source)
            if copied != piece.compressed_size:
                raise RuntimeError(f"piece {piece.path.name} holds {copied} bytes, not {piece.compressed_size}")

    def close(self) -> None:
        """The central directory and the end records; the target stays open."""
        start = self._offset
        for entry in self._entries:
            self._put(self._central(entry))
        size = self._offset - start
        count = len(self._entries)
        if count >= _ZIP64_ENTRIES or size >= _ZIP64_LIMIT or start >= _ZIP64_LIMIT:
            record = self._offset
            self._put(
                struct.pack(
                    "<IQHHIIQQQQ",
                    0x06064B50,
                    44,  # the record's size after this field
                    _VERSION_ZIP64 | _UNIX << 8,
                    _VERSION_ZIP64,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
            )
            self._put(struct.pack("<IIQI", 0x07064B50, 0, record, 1))
        self._put(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                min(count, _ZIP64_ENTRIES),
                min(count, _ZIP64_ENTRIES),
                min(size, _ZIP64_LIMIT),
                min(start, _ZIP64_LIMIT),
                0,
            )
        )

    def _header(
        self, name: str, crc: int, compressed: int, raw: int, date_time: Sequence[int], external_attr: int
    ) -> None:
        encoded, flags = _encode_name(name)
        dos_time, dos_date = _dos_time(date_time)
        entry = _Entry(encoded, flags, dos_time, dos_date, crc, compressed, raw, external_attr, self._offset)
        zip64 = compressed >= _ZIP64_LIMIT or raw >= _ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, raw, compressed) if zip64 else b""
        self._put(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                _VERSION_ZIP64 if zip64 else _VERSION_DEFAULT,
                flags,
                _DEFLATED,
                dos_time,
                dos_date,
                crc,
                _ZIP64_LIMIT if zip64 else compressed,
                _ZIP64_LIMIT if zip64 else raw,
                len(encoded),
                len(extra),
            )
            + encoded
            + extra
        )
        self._entries.append(entry)

    def _central(self, entry: _Entry) -> bytes:
        # ZIP64 extra: only the fields whose 32-bit slot overflows, in this order (APPNOTE 4.5.3).
        large = [value for value in (entry.raw_size, entry.compressed_size, entry.offset) if value >= _ZIP64_LIMIT]
        extra = struct.pack(f"<HH{len(large)}Q", 1, 8 * len(large), *large) if large else b""
        version = _VERSION_ZIP64 if large else _VERSION_DEFAULT
        return (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                version | _UNIX << 8,
                version,
                entry.flags,
                _DEFLATED,
                entry.dos_time,
                entry.dos_date,
                entry.crc,
                min(entry.compressed_size, _ZIP64_LIMIT),
                min(entry.raw_size, _ZIP64_LIMIT),
                len(entry.name),
                len(extra),
                0,  # comment
                0,  # disk
                0,  # internal attributes
                entry.external_attr,
                min(entry.offset, _ZIP64_LIMIT),
            )
            + entry.name
            + extra
        )

    def _copy(self, source: BinaryIO) -> int:
        copied = 0
        while chunk := source.read(_COPY_CHUNK):
            self._put(chunk)
            copied += len(chunk)
        return copied

    def _put(self, data: bytes) -> None:
        self._target.write(data)
        self._offset += len(data)


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME


def _dos_time(date_time: Sequence[int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time[:6]
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
