"""Stage 1, read: find the input files, read their bytes and decode them to text.

Every file either becomes a ``Document`` or a ``Reject`` with a reason a person understands.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from depeche.errors import SourceNotFound
from tasks.documents import Document, Reject

STAGE = "read"

# Magic numbers of formats people drop into a folder by mistake.
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "an executable",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


def discover(sources: Sequence[Path], extensions: Iterable[str]) -> list[Path]:
    """List the files to ingest, in a stable order.

    Args:
        sources: files or folders; a folder is searched recursively (as
            ``Path.rglob``: symbolic links to files are taken, links to folders are not
            entered).
        extensions: file endings to pick up inside folders (a file given by name is
            always taken).

    Returns:
        Unique file paths (two paths to one file count once), sorted within each source.

    Raises:
        SourceNotFound: a source does not exist.
    """
    endings = tuple(e.lower() for e in extensions)
    found: list[Path] = []
    seen: set[Path] = set()
    for source in sources:
        if not source.exists():
            raise SourceNotFound(f"source {source} does not exist")
        if source.is_dir():
            candidates = sorted(_files_under(source, endings))
        else:
            candidates = [(source, source.resolve())]
        for path, key in candidates:
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def _files_under(folder: Path, endings: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """(path, resolved path) of the files under ``folder`` with one of ``endings``.

    One ``scandir`` per folder: an entry's type comes with it, and a file that is not a
    link resolves as its folder does, so a folder of thousands of files costs no
    per-file system call (an unchanged rerun lists every file).
    """
    out: list[tuple[Path, Path]] = []
    folders = [(folder, folder.resolve())]
    while folders:
        here, real = folders.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except PermissionError:
            continue  # as rglob: a folder that cannot be listed is passed over
        for entry in entries:
            path = here / entry.name
            if entry.is_dir(follow_symlinks=False):
                folders.append((path, real / entry.name))
            elif entry.name.lower().endswith(endings) and _is_file(entry):
                out.append((path, path.resolve() if entry.is_symlink() else real / entry.name))
    return out


def locations(paths: Iterable[Path]) -> list[str]:
    """``path.resolve().as_uri()`` of each path (what identifies a source), each folder
    resolved once: a path that is not a link resolves as its folder does, so a folder of
    thousands of files costs one system call per file, not one per part of its path
    (0.04 s for the 2,005 files of an unchanged rerun, now 0.01 s)."""
    folders: dict[Path, Path] = {}
    out: list[str] = []
    for path in paths:
        if path.is_symlink():
            out.append(path.resolve().as_uri())
            continue
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = path.parent.resolve()
        out.append((folder / path.name).as_uri())
    return out


#: What ``Path.is_file`` takes for "not a file" rather than an error: a link to nothing,
#: a link through a file, a link loop.
_NOT_A_FILE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError as exc:
        if exc.errno in _NOT_A_FILE:
            return False
        raise


def batched(items: Sequence[Path], size: int, last: int = 0) -> list[list[Path]]:
    """Split ``items`` into consecutive lists of at most ``size``; with ``last``, the
    final list holds the last ``last`` items alone (when there are more than ``size``)."""
    if 0 < last < size < len(items):
        cut = len(items) - last
        return [*batched(items[:cut], size), list(items[cut:])]
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def last_batch(size: int) -> int:
    """How many documents a run's last batch holds: about what the workers transform
    while the flow validates and loads the batch before it (a fifth of a batch on two
    cores: 0.5 s each), so that neither waits for the other at the end of the run."""
    return size // 5


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a file, gunzipping ``.gz`` files; raise ValueError past ``max_bytes``."""
    if path.name.lower().endswith(".gz"):
        # Decompress in bounded steps so that a gzip bomb is cut at the limit.
        out = bytearray()
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        with path.open("rb") as fh:
            while chunk := fh.read(65536):
                out += decomp.decompress(chunk, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise ValueError(f"more than {max_bytes} bytes once decompressed")
                while decomp.unconsumed_tail:
                    out += decomp.decompress(decomp.unconsumed_tail, max_bytes + 1 - len(out))
                    if len(out) > max_bytes:
                        raise ValueError(f"more than {max_bytes} bytes once decompressed")
                if decomp.eof:
                    break
        if not decomp.eof:
            raise gzip.BadGzipFile("the gzip stream is truncated")
        return bytes(out)
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{size} bytes")
    return path.read_bytes()


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of ``data``, or return None when it may be text."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data (it contains NUL bytes)"
    return None


def decode(data: bytes, is_html: bool, hint: str | None = None) -> tuple[str, str]:
    """Decode bytes to text: BOM, then UTF-8, then the HTTP header charset (``hint``), then the
    HTML meta charset, then detection.

    Returns:
        The text in Unicode NFC and the encoding used.

    Raises:
        UnicodeError: no encoding gives plausible text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
    # Bytes that are valid UTF-8 are UTF-8: a page declaring latin-1 or cp1252 while
    # serving UTF-8 is far more common than the reverse, and decoding it by its
    # declaration would turn every accent into mojibake ("sanciÃ³n").
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    declared_charsets = [hint] if hint else []
    if is_html and (m := _META_CHARSET.search(data[:4096])):
        declared_charsets.append(m.group(1).decode("ascii", "replace").lower())
    for declared in declared_charsets:
        try:
            return unicodedata.normalize("NFC", data.decode(declared)), declared
        except (LookupError, UnicodeDecodeError):
            continue  # a wrong declaration is common; fall through to detection
    # Imported here: only undeclared, non-UTF-8 bytes get this far (not the flow's process).
    from charset_normalizer import from_bytes

    best = (
        from_bytes(
            data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp1250", "mac_roman"]
        ).best()
        or from_bytes(data).best()
    )
    if best is None:
        raise UnicodeError("no text encoding fits its bytes")
    return unicodedata.normalize("NFC", str(best)), best.encoding


def looks_like_html(name: str, text: str) -> bool:
    """HTML by its file ending, or by its first tag when the ending says text."""
    stem = name.lower().removesuffix(".gz")
    return stem.endswith((".html", ".htm")) or bool(_HTML_START.match(text[:2048]))


def read_document(path: Path, max_bytes: int) -> Document | Reject:
    """Read and decode one file.

    Args:
        path: the file, as the user gave it (kept as ``source_uri``).
        max_bytes: size limit, after decompression.

    Returns:
        A ``Document`` with ``raw``, ``raw_hash``, ``text``, ``fmt`` and ``encoding`` set,
        or a ``Reject`` that says why the file cannot be used.
    """
    uri = str(path)
    try:
        stat = path.stat()
    except OSError as exc:
        return Reject(uri, STAGE, "file cannot be read", exc.strerror or str(exc))
    location = path.resolve().as_uri()

    def reject(reason: str, detail: str) -> Reject:
        return Reject(uri, STAGE, reason, detail, location, "", stat.st_size, stat.st_mtime_ns)

    try:
        data = _read_bytes(path, max_bytes)
    except ValueError as exc:
        return reject(f"file is over the size limit of {max_bytes} bytes", str(exc))
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        return reject("file ends in .gz but is not a readable gzip file", str(exc))
    except OSError as exc:
        return Reject(uri, STAGE, "file cannot be read", exc.strerror or str(exc))
    doc = document_from_bytes(data, uri, location, name=path.name)
    if isinstance(doc, Reject):
        doc.location, doc.source_size, doc.source_mtime_ns = (
            location,
            stat.st_size,
            stat.st_mtime_ns,
        )
        doc.raw_hash = hashlib.sha256(data).hexdigest()
        return doc
    doc.source_size, doc.source_mtime_ns = stat.st_size, stat.st_mtime_ns
    return doc


def document_from_bytes(
    data: bytes, source_uri: str, location: str, *, name: str = "", charset: str | None = None
) -> Document | Reject:
    """Check and decode bytes from any source (file, archive, HTTP response).

    Args:
        data: the raw bytes, already decompressed.
        source_uri: what the user gave (kept in ``rejects`` and ``articles``).
        location: the resolved identity of the source (file URI or URL).
        name: a file name or URL path, whose ending hints HTML.

    Returns:
        A ``Document`` with the decoded text, or a ``Reject`` saying why there is none.
    """
    if not data.strip():
        return Reject(source_uri, STAGE, "file is empty", f"{len(data)} bytes, all blank")
    if what := sniff_binary(data):
        return Reject(source_uri, STAGE, "file is not text or HTML", f"looks like {what}")
    probably_html = name.lower().removesuffix(".gz").endswith((".html", ".htm"))
    try:
        text, encoding = decode(data, probably_html, charset)
    except UnicodeError as exc:
        return Reject(source_uri, STAGE, "file is not in any known text encoding", str(exc))
    if _control_ratio(text) > 0.05:
        return Reject(source_uri, STAGE, "file is not text or HTML", "too many control characters")
    return Document(
        source_uri=source_uri,
        location=location,
        raw=data,
        raw_hash=hashlib.sha256(data).hexdigest(),
        fmt="html" if looks_like_html(name, text) else "text",
        encoding=encoding,
        text=text,
    )


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _control_ratio(text: str) -> float:
    """Share of characters that are control codes other than whitespace."""
    sample = text[:20000]
    return len(_CONTROL.findall(sample)) / len(sample) if sample else 0.0
