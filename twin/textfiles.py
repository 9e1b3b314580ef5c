"""Text files as people save them: UTF-8 with or without a byte-order mark, or GB18030/GBK (what Excel and Notepad
write by default on a Chinese Windows), decoded once at the boundary; UTF-16 and binary files refused by name.

GB18030 (GB 18030-2022) is a superset of GBK and GB2312, so one fallback covers the three. UTF-8 is tried first:
a GBK file is almost never valid UTF-8 (its two-byte sequences start with 0x81–0xFE followed by 0x40–0xFE, which
UTF-8 forbids in that order), so the order cannot misread a UTF-8 file.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from twin.errors import InputError, MissingInputError
from twin.inputs import record_input

__all__ = ["read_text", "TEXT_ENCODINGS"]

log = logging.getLogger("parktwin")

TEXT_ENCODINGS = ("utf-8", "gb18030")
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_text(path: str | Path, where: str | None = None) -> str:
    """The text of ``path``, decoded as UTF-8 (a leading BOM dropped) or else GB18030 (GBK); the encoding used is
    logged when it is not UTF-8.

    Raises
    ------
    MissingInputError
        The file does not exist (exit 66).
    InputError
        UTF-16/UTF-32 (a byte-order mark), a binary file (a NUL byte), or bytes that are neither UTF-8 nor GB18030
        (exit 65); the message names the file and what to do.
    """
    path = Path(path)
    where = where or path.name
    if not path.is_file():
        raise MissingInputError(f"{where}: file not found: {path}")
    data = path.read_bytes()
    record_input(path)
    if data.startswith(_UTF16_32_BOMS):
        raise InputError(f"{where}: encoding must be UTF-8 or GBK/GB18030, got UTF-16 or UTF-32 (a byte-order mark); "
                         f"save it as 'CSV UTF-8' (Excel) or UTF-8 text")
    if b"\x00" in data:
        raise InputError(f"{where}: must be a text file, got binary data (a NUL byte at offset {data.index(0)})")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(f"{where}: encoding must be UTF-8 or GBK/GB18030, got bytes that are neither (the first "
                             f"invalid UTF-8 byte is at offset {utf8_error.start})") from None
        log.info("%s: read as GB18030/GBK (not UTF-8)", where)
        return text
