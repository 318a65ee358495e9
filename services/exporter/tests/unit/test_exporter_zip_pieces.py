"""Deflate pieces compressed apart and joined into one zip member: the CRC-32 combination, the joined stream,
and the zip writer's archives as zipfile reads them."""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from pathlib import Path

import pytest
from dmb_exporter.adapters.zip_pieces import DeflatePiece, ZipWriter, crc32_combine, deflate_piece


def _chunks(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    sizes = [0, 1, 2, 7, 100, 4096, 65_537, rng.randrange(1, 300_000)]
    rng.shuffle(sizes)
    text = b"<row r='1'><c><v>42</v></c></row>"
    return [rng.randbytes(size) if size % 2 else (text * (size // len(text) + 1))[:size] for size in sizes]


@pytest.mark.parametrize("seed", range(5))
def test_crc32_combine_gives_the_crc_of_the_concatenation(seed: int) -> None:
    chunks = _chunks(seed)
    combined = 0
    for chunk in chunks:
        combined = crc32_combine(combined, zlib.crc32(chunk), len(chunk))
        assert combined == zlib.crc32(b"".join(chunks[: chunks.index(chunk) + 1]))
    assert combined == zlib.crc32(b"".join(chunks))


def test_crc32_combine_of_two_given_crcs_and_an_empty_second_part() -> None:
    first, second = b"hello, ", b"world"
    assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)
    assert crc32_combine(zlib.crc32(first), zlib.crc32(b""), 0) == zlib.crc32(first)
    assert crc32_combine(0, zlib.crc32(second), len(second)) == zlib.crc32(second)
    with pytest.raises(ValueError, match="negative"):
        crc32_combine(0, 0, -1)


def _pieces(folder: Path, chunks: list[bytes]) -> list[DeflatePiece]:
    return [
        deflate_piece(folder / f"piece{number}.deflate", chunk, 1, final=number == len(chunks) - 1)
        for number, chunk in enumerate(chunks)
    ]


def test_sync_flushed_pieces_joined_inflate_to_the_concatenation(tmp_path: Path) -> None:
    chunks = _chunks(11)
    pieces = _pieces(tmp_path, chunks)
    joined = b"".join(piece.path.read_bytes() for piece in pieces)

    inflate = zlib.decompressobj(-15)
    assert inflate.decompress(joined) + inflate.flush() == b"".join(chunks)
    assert inflate.eof  # the last piece ended the stream
    assert [piece.raw_size for piece in pieces] == [len(chunk) for chunk in chunks]
    assert sum(piece.compressed_size for piece in pieces) == len(joined)


def test_a_member_joined_from_pieces_reads_back_with_its_crc_checked(tmp_path: Path) -> None:
    chunks = _chunks(3)
    target = io.BytesIO()
    archive = ZipWriter(target)
    stamp = (2026, 12, 7, 18, 30, 14)
    archive.write_bytes("[Content_Types].xml", b"<Types/>" * 50, level=6, date_time=stamp)
    archive.write_pieces("xl/worksheets/sheet1.xml", _pieces(tmp_path, chunks), date_time=stamp)
    archive.write_bytes("docProps/app.xml", b"", level=6, date_time=stamp)
    archive.write_bytes("xl/\u00fcnicode.xml", "\u00fc".encode(), level=6, date_time=stamp)
    archive.close()

    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as package:
        assert package.testzip() is None  # every member's CRC-32 checked
        assert package.namelist() == [
            "[Content_Types].xml",
            "xl/worksheets/sheet1.xml",
            "docProps/app.xml",
            "xl/\u00fcnicode.xml",
        ]
        assert package.read("xl/worksheets/sheet1.xml") == b"".join(chunks)
        assert package.read("[Content_Types].xml") == b"<Types/>" * 50
        info = package.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.date_time == stamp
        assert info.file_size == sum(len(chunk) for chunk in chunks)


def test_a_corrupt_piece_is_caught_by_the_crc(tmp_path: Path) -> None:
    chunks = [b"a" * 1000, b"b" * 1000]
    first, last = _pieces(tmp_path, chunks)
    target = io.BytesIO()
    archive = ZipWriter(target)
    wrong = DeflatePiece(first.path, first.crc ^ 1, first.raw_size, first.compressed_size)
    archive.write_pieces("part.xml", [wrong, last], date_time=(2026, 1, 1, 0, 0, 0))
    archive.close()

    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as package, pytest.raises(zipfile.BadZipFile, match="CRC"):
        package.read("part.xml")


def test_a_piece_file_shorter_than_recorded_fails_the_member(tmp_path: Path) -> None:
    (piece,) = _pieces(tmp_path, [b"x" * 100])
    archive = ZipWriter(io.BytesIO())
    longer = DeflatePiece(piece.path, piece.crc, piece.raw_size, piece.compressed_size + 1)
    with pytest.raises(RuntimeError, match="holds"):
        archive.write_pieces("part.xml", [longer], date_time=(2026, 1, 1, 0, 0, 0))


def test_sizes_from_4_gib_get_zip64_fields(tmp_path: Path) -> None:
    # The data is small; the recorded uncompressed size is not (the CRC is never checked here): zipfile
    # must find the size in the ZIP64 extra fields, and the members after it where they are.
    (piece,) = _pieces(tmp_path, [b"y" * 10])
    huge = DeflatePiece(piece.path, piece.crc, 5 << 30, piece.compressed_size)
    target = io.BytesIO()
    archive = ZipWriter(target)
    stamp = (2026, 1, 1, 0, 0, 0)
    archive.write_pieces("big.xml", [huge], date_time=stamp)
    archive.write_bytes("after.xml", b"after", level=6, date_time=stamp)
    archive.close()

    data = target.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.getinfo("big.xml").file_size == 5 << 30
        assert package.getinfo("big.xml").extract_version == 45
        assert package.read("after.xml") == b"after"
    # The local header says so too: 0xFFFFFFFF sizes and a ZIP64 extra field holding both.
    assert data[18:26] == b"\xff" * 8


def test_more_than_65535_members_get_the_zip64_end_records() -> None:
    target = io.BytesIO()
    archive = ZipWriter(target)
    for number in range(65_536):
        archive.write_bytes(f"{number}", b"", level=1, date_time=(2026, 1, 1, 0, 0, 0))
    archive.close()

    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as package:
        names = package.namelist()
    assert len(names) == 65_536
    assert names[-1] == "65535"
