"""File-system edges: atomic writes and the run lock.  Nothing else in the package writes files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

from bibexport.errors import LockBusyError, OutputError


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` newlines) so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    try:
        if path.exists() and path.read_bytes() == data:
            return  # unchanged: keep the file (and its mtime) as it is
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_all(files: Mapping[Path, str]) -> None:
    """Write many files, each atomically; all content is computed before the first write."""
    for path in sorted(files):
        atomic_write(path, files[path])


@contextlib.contextmanager
def run_lock(lockfile: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock for ``lockfile`` for the duration of a run.

    The lock lives in the user's cache dir (named by the lockfile's absolute path), so no stray file lands
    in the course repository.  A second concurrent run is refused with :class:`LockBusyError`.
    """
    import filelock
    import platformdirs

    digest = hashlib.sha256(str(lockfile.resolve()).encode()).hexdigest()[:16]
    lock_dir = Path(os.environ.get("BIBEXPORT_LOCK_DIR") or platformdirs.user_cache_dir("bibexport")) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(lock_dir / f"{digest}.lock"), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockBusyError(f"another bibexport run is using {lockfile}; wait for it to finish") from None
    try:
        yield
    finally:
        lock.release()
