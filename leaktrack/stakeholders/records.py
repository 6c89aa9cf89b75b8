"""Read stakeholder records from CSV or JSON Lines, streaming, and check each one.

Every record comes out either as a clean `Record` tuple or as an `Invalid` (line, reason).
Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import operator
import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

import pycountry

FIELDS = ("external_ref", "name", "email", "phone", "address", "country", "region", "language")
ENCODINGS = ("auto", "utf-8", "cp932")
FORMATS = ("csv", "jsonl")
SAMPLE_BYTES = 1 << 20
BLOCK_BYTES = 1 << 16
LIMITS = {"external_ref": 200, "name": 300, "email": 254, "phone": 40, "address": 1000}
_BOM = codecs.BOM_UTF8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_ALIASES = {"e-mail": "email", "mail": "email", "ref": "external_ref", "id": "external_ref"}


class Record(NamedTuple):
    line: int
    external_ref: str
    name: str
    email: str
    phone: str
    address: str
    country: str
    region: str | None
    language: str


class Invalid(NamedTuple):
    line: int
    reason: str


class FileError(ValueError):
    """The file as a whole cannot be read (no header, no ref column, unknown format)."""


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@functools.cache
def _regions() -> frozenset[str]:
    return frozenset(region.code for region in pycountry.subdivisions)


def detect_encoding(sample: bytes) -> str:
    """utf-8 (with or without BOM) when the sample decodes as UTF-8, else cp932."""
    if sample.startswith(_BOM):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp932"


def resolve_encoding(stream: BinaryIO, encoding: str) -> str:
    """The encoding to read with; `auto` looks at the first megabyte (the stream is rewound)."""
    encoding = {"shift_jis": "cp932", "sjis": "cp932", "utf8": "utf-8"}.get(encoding, encoding)
    if encoding not in ENCODINGS:
        raise FileError(f"unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
    if encoding != "auto":
        return encoding
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    return detect_encoding(sample)


def detect_format(stream: BinaryIO, filename: str = "") -> str:
    """jsonl for .jsonl/.ndjson names or content starting with '{', else csv."""
    if filename.lower().endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if filename.lower().endswith((".csv", ".txt")):
        return "csv"
    head = stream.read(4096)
    stream.seek(0)
    return "jsonl" if head.lstrip(_BOM + b" \t\r\n").startswith(b"{") else "csv"


class _DecodedLines:
    """Lines of a binary stream decoded one by one; remembers if the last ones had bad bytes."""

    def __init__(self, stream: BinaryIO, encoding: str):
        self.stream, self.encoding, self.had_bad_bytes = stream, encoding, False

    def __iter__(self) -> Iterator[str]:
        # Whole lines are decoded about 64 kB at a time (neither encoding has b"\n" inside a
        # character, so a block of lines decodes as its lines would); a block with bad bytes is
        # decoded again line by line, so that the bad line is the one flagged.
        encoding, first = self.encoding, True
        while block := self.stream.readlines(BLOCK_BYTES):
            if first:
                block[0], first = block[0].removeprefix(_BOM), False
            try:
                text = b"".join(block).decode(encoding)
            except UnicodeDecodeError:
                yield from self._line_by_line(block)
            else:
                # split at "\n" only, as the bytes were: not at the other breaks str knows
                yield from io.StringIO(text, newline="\n")

    def _line_by_line(self, block: list[bytes]) -> Iterator[str]:
        encoding = self.encoding
        for raw in block:
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                self.had_bad_bytes = True
                yield raw.decode(encoding, "replace")


def header_fields(header: list[str], mapping: dict[str, str] | None) -> list[str | None]:
    """Our field name for each column (None: ignored); FileError when no column is the ref."""
    mapping = {key.strip().lower(): value for key, value in (mapping or {}).items()}
    fields = []
    for column in header:
        key = column.strip().lower().removeprefix("\ufeff")
        field = mapping.get(key) or _ALIASES.get(key, key)
        fields.append(field if field in FIELDS else None)
    if "external_ref" not in fields:
        raise FileError("no external_ref column: name one, or map a column to it")
    return fields


def clean(line: int, values: dict) -> Record | Invalid:
    """A checked record from a dict of field values, or why it is refused."""
    return clean_values(line, *(values.get(field) or "" for field in FIELDS))


def _field_problem(line: int, fields: tuple[str, ...], values: tuple[str, ...]) -> Invalid | None:
    for field, value in zip(fields, values, strict=True):
        if len(value) > LIMITS[field]:
            return Invalid(line, f"{field} longer than {LIMITS[field]} characters")
        if (_CONTROL_BUT_NEWLINE if field == "address" else _CONTROL).search(value):
            return Invalid(line, f"control character in {field}")
    return None


_CHECKED = ("external_ref", "name", "email", "phone", "address")


def clean_values(
    line: int, ref: str, name: str, email: str, phone: str, address: str, country: str,
    region: str, language: str,
) -> Record | Invalid:  # fmt: skip
    """A checked record, or why it is refused (the hot path of an import: keep it lean)."""
    ref, name, email, phone = ref.strip(), name.strip(), email.strip(), phone.strip()
    if not ref:
        return Invalid(line, "no external_ref")
    address = address.strip()
    if "\r" in address:
        address = address.replace("\r\n", "\n")
    values = (ref, name, email, phone, address)
    if (
        len(ref) > 200 or len(name) > 300 or len(email) > 254 or len(phone) > 40
        or len(address) > 1000 or _CONTROL.search(ref + name + email + phone)
        or _CONTROL_BUT_NEWLINE.search(address)
    ):  # fmt: skip
        return _field_problem(line, _CHECKED, values)
    if email and not _EMAIL.fullmatch(email):
        return Invalid(line, "malformed e-mail")
    country = country.strip().upper()
    if country not in _countries():
        return Invalid(line, "unknown country" if country else "no country")
    region = region.strip().upper() or None
    if region is not None and (region not in _regions() or not region.startswith(country + "-")):
        return Invalid(line, "unknown region")
    language = language.strip().lower() or ("ja" if country == "JP" else "en")
    if language not in ("ja", "en"):
        return Invalid(line, "unknown language (ja or en)")
    return Record(line, ref, name, email, phone, address, country, region, language)


def read_csv(stream: BinaryIO, *, encoding: str, mapping=None) -> Iterator[Record | Invalid]:
    """Records of a CSV file, with the line each starts on (the header is read at once)."""
    lines = _DecodedLines(stream, encoding)
    reader = csv.reader(lines, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("the file is empty") from None
    except csv.Error as exc:
        raise FileError(f"unreadable header: {exc}") from None
    if lines.had_bad_bytes:
        raise FileError(f"the header is not {encoding}")
    return _csv_rows(reader, lines, header_fields(header, mapping), encoding)


def _csv_rows(reader, lines: _DecodedLines, fields: list, encoding: str):
    width, last_line = len(fields), reader.line_num
    # Each row gets one empty cell appended: fields the file lacks read from there.
    pick = operator.itemgetter(*(fields.index(f) if f in fields else width for f in FIELDS))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Invalid(last_line + 1, f"malformed CSV: {exc}")
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        if lines.had_bad_bytes:
            lines.had_bad_bytes = False
            yield Invalid(line, f"undecodable bytes (not {encoding})")
        elif len(row) != width:
            if row:  # a blank line is no record
                yield Invalid(line, f"wrong column count: {len(row)}, expected {width}")
        else:
            row.append("")
            yield clean_values(line, *pick(row))


def read_jsonl(stream: BinaryIO, *, encoding: str, mapping=None) -> Iterator[Record | Invalid]:
    """Records of a JSON Lines file: one object per line."""
    mapping = {key: value for key, value in (mapping or {}).items() if value in FIELDS}
    lines = _DecodedLines(stream, encoding)
    for line, text in enumerate(lines, start=1):
        if lines.had_bad_bytes:
            lines.had_bad_bytes = False
            yield Invalid(line, f"undecodable bytes (not {encoding})")
            continue
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError:
            yield Invalid(line, "not a JSON object")
            continue
        if not isinstance(item, dict):
            yield Invalid(line, "not a JSON object")
            continue
        values = {mapping.get(key, _ALIASES.get(key, key)): value for key, value in item.items()}
        bad = next((k for k in FIELDS if not isinstance(values.get(k, ""), str | int | None)), None)
        if bad:
            yield Invalid(line, f"{bad} is not a string")
            continue
        yield clean(line, {k: "" if v is None else str(v) for k, v in values.items()})


def read_records(
    stream: BinaryIO, *, encoding: str = "auto", fmt: str | None = None, filename: str = "",
    mapping: dict | None = None,
) -> tuple[str, Iterator[Record | Invalid]]:  # fmt: skip
    """The encoding used and the records of a seekable binary stream."""
    encoding = resolve_encoding(stream, encoding)
    fmt = fmt or detect_format(stream, filename)
    if fmt not in FORMATS:
        raise FileError(f"unknown format {fmt!r}: csv or jsonl")
    reader = read_jsonl if fmt == "jsonl" else read_csv
    return encoding, reader(stream, encoding=encoding, mapping=mapping)
