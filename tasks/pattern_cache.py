"""Large compiled regular expressions kept on disk, for the spaCy model's load.

spaCy's French tokenizer matches its exceptions ("aujourd'hui", "Saint-Étienne",
"c'est-à-dire", ...) with one pattern of 1.45 million characters, which Python's ``re``
takes about 2.5 s to compile: 70 % of the model's load, in every worker of every run.
What ``re`` compiles it to (the SRE program, a list of integers) is the same every time
for one Python, so it is kept in a cache folder and handed back to ``_sre`` the next
time, which builds the same pattern object in a few milliseconds.

Only patterns of at least ``MIN_CHARS`` characters compiled inside ``cached_compiles``
are kept. A cache file is named after the pattern, its flags, the Python version and
the SRE magic number, and holds the pattern's digest and a checksum, both checked on
reading (and CPython validates a program it is handed): a damaged file is compiled as
usual and written again. Only files this user wrote are read (owned by them, writable
by no one else), since a program handed to ``_sre`` is trusted. A cache that cannot be
read or written costs nothing but the time saved.

Installed only over the exact ``re._compiler.compile`` it was written against (Python
3.11's, by source digest): another Python compiles as usual, and
tests/test_pattern_cache.py says when that happens.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import contextvars
import hashlib
import inspect
import logging
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

logger = logging.getLogger(__name__)

#: Patterns shorter than this compile in milliseconds: not worth a file.
MIN_CHARS = 100_000
#: ``source_digest(re._compiler.compile)`` in CPython 3.11.
COMPILE_SOURCE = "2479cab395f6f5a9"
_FORMAT = 1

_CACHE_DIR: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "depeche_pattern_cache", default=None
)
_original = _compiler.compile
_installed = False
_install_lock = threading.Lock()


def source_digest(function: Any) -> str | None:
    """The first 16 hex digits of the sha1 of a function's source, to install over the
    exact code something was written against (None: the source cannot be read, as in an
    install without source files)."""
    try:
        return hashlib.sha1(inspect.getsource(function).encode()).hexdigest()[:16]
    except (OSError, TypeError):
        return None


def _tag() -> str:
    """What a compiled program depends on besides the pattern: Python and SRE versions."""
    return f"py{sys.hexversion:x}-sre{_sre.MAGIC}-{_sre.CODESIZE}"


def _digest(pattern: str, flags: int) -> str:
    return hashlib.sha256(f"{flags}\0{pattern}".encode("utf-8", "surrogatepass")).hexdigest()


def cache_file(folder: Path, pattern: str, flags: int) -> Path:
    """Where the compiled program of ``pattern`` is kept in ``folder``."""
    return folder / f"{_digest(pattern, flags)[:32]}-{_tag()}.sre"


def _read(path: Path, pattern: str, flags: int) -> Any | None:
    """The pattern object from its cache file; None when there is no usable file."""
    stored = read_kept(path)
    try:
        fmt, tag, digest, final_flags, code, groups, groupindex, indexgroup = stored  # type: ignore[misc]
        if (fmt, tag, digest) != (_FORMAT, _tag(), _digest(pattern, flags)):
            return None
        return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)
    except Exception as exc:  # a cache: whatever is wrong with it, compile as usual
        if stored is not None:
            logger.debug("%s: unusable compiled pattern (%s), compiling again", path, exc)
        return None


def read_kept(path: Path) -> Any | None:
    """What ``write_kept`` wrote to ``path``, or None: no file, a file this user did not
    write (another owner, or writable by others: anyone could have put it there), or
    one whose checksum does not match (damaged)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(handle, "rb") as source:
        status = os.fstat(source.fileno())
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            logger.debug("%s: not this user's own file, not read", path)
            return None
        data = source.read()
    try:
        payload, checksum = marshal.loads(data)
        if hashlib.sha256(payload).hexdigest() != checksum:
            raise ValueError("checksum mismatch")
        return marshal.loads(payload)
    except Exception as exc:
        logger.debug("%s: damaged (%s)", path, exc)
        return None


def write_kept(path: Path, stored: tuple) -> bool:
    """Write ``stored`` (marshalled, with its checksum) to ``path`` atomically, so that
    two processes writing it at once both succeed, in a folder only this user can
    enter when it creates it; False when it cannot be written."""
    payload = marshal.dumps(stored)
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # mode 0600
        with os.fdopen(handle, "wb") as out:
            out.write(marshal.dumps((payload, hashlib.sha256(payload).hexdigest())))
        os.replace(temporary, path)
        return True
    except (OSError, ValueError) as exc:
        logger.debug("%s: not kept (%s)", path, exc)
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
        return False


def _compile(p: Any, flags: int = 0) -> Any:
    """``re._compiler.compile``, through the cache for a large pattern inside
    ``cached_compiles``; the same steps as Python's own otherwise."""
    folder = _CACHE_DIR.get()
    if (
        folder is None
        or not isinstance(p, str)
        or len(p) < MIN_CHARS
        or flags & _compiler.SRE_FLAG_DEBUG
    ):
        return _original(p, flags)
    path = cache_file(folder, p, flags)
    found = _read(path, p, flags)
    if found is not None:
        return found
    # Python 3.11's re._compiler.compile, step by step, keeping the program it builds.
    parsed = _parser.parse(p, flags)
    code = _compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup = [None] * parsed.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    final_flags = int(flags | parsed.state.flags)
    groups = parsed.state.groups - 1
    compiled = _sre.compile(p, final_flags, code, groups, groupindex, tuple(indexgroup))
    stored = (
        _FORMAT,
        _tag(),
        _digest(p, flags),
        final_flags,
        [int(c) for c in code],
        groups,
        dict(groupindex),
        tuple(indexgroup),
    )
    write_kept(path, stored)
    return compiled


def install() -> bool:
    """Put ``_compile`` in place of ``re._compiler.compile``, once; False when this
    Python's compile is not the one it was written against."""
    global _installed
    with _install_lock:
        if _installed:
            return True
        if source_digest(_original) != COMPILE_SOURCE:
            return False
        _compiler.compile = _compile
        _installed = True
        return True


@contextmanager
def cached_compiles(folder: Path | None) -> Iterator[bool]:
    """Within the block, large patterns compiled by this thread come from (and go to)
    ``folder``; None caches nothing. Yields whether the cache is in use."""
    if folder is None or not install():
        yield False
        return
    token = _CACHE_DIR.set(folder)
    try:
        yield True
    finally:
        _CACHE_DIR.reset(token)
