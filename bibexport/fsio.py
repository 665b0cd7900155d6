"""File-system edges: atomic writes, the output tree swap and the run lock.  Nothing else in the package writes files.

Crash safety (see README, "Guarantees"): a reader, or the next run after a ``kill -9`` or a power cut, sees every
file we write either in its old or its new complete version.

* One file (the lockfile, ``import -o``): :func:`atomic_write` — temp file in the same folder, fsync, rename.
* The output folder: :func:`write_tree` builds the whole new tree in a sibling staging folder
  ``.<out>.new-<pid>`` and then swaps the two folders.  On Linux the swap is a single ``renameat2(RENAME_EXCHANGE)``,
  so ``out/`` is at every instant the old or the new tree.  Elsewhere it is two renames (``out`` → ``.<out>.old-<pid>``,
  staging → ``out``); a crash between them leaves ``out`` missing and the next run puts the old tree back
  (:func:`recover`).  Files in ``out/`` that bibexport did not write this run (a user's notes, the files of a
  format not asked for) are carried over into the new tree (hard links: an unchanged file keeps its inode and
  mtime).  The only files ever deleted are those the manifest (:data:`MANIFEST_NAME`, written in the same swap)
  says bibexport wrote, that it no longer writes, and whose bytes are still its own (see :func:`_plan`).  What
  the user saves into
  ``out/`` while the build runs (after the copy) is moved into the new tree right after the swap
  (:func:`_carry_late`).  A folder that is not ours to swap (the working folder, a repository root, a mount point,
  a folder with a file system mounted inside it) or that cannot be swapped (read-only parent) gets per-file atomic
  writes instead: each file old or new, but not the tree as a whole.  Trees are removed without crossing into
  another file system, and no file is written through a symbolic link inside ``out/`` (:func:`_refuse_links`).

``BIBEXPORT_TEST_WRITE_DELAY`` (seconds, tests only) sleeps after each file written into the staging folder, so
that the crash-safety test can kill a build in the middle of writing.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bibexport.errors import LockBusyError, OutputError

_DELAY_VAR = "BIBEXPORT_TEST_WRITE_DELAY"


def _test_delay() -> None:
    """Tests only: pause between writes so a SIGKILL can land in the middle of a build."""
    value = os.environ.get(_DELAY_VAR)
    if value:
        with contextlib.suppress(ValueError):
            time.sleep(float(value))


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (``os.umask`` can only swap it)."""
    with contextlib.suppress(OSError, ValueError, IndexError), \
            open("/proc/self/status", encoding="ascii", errors="replace") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The permission bits a rewritten ``path`` gets: an existing regular file's own (a lockfile made 0664 for a
    group stays so), else what a new file gets from the umask (not ``mkstemp``'s private 0600)."""
    with contextlib.suppress(OSError):
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    return 0o666 & ~_umask()


def _write_synced(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write and fsync ``path``; with ``mode``, the file gets exactly those permission bits (umask aside)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
    with open(fd, "wb") as handle:
        if mode is not None:
            os.fchmod(handle.fileno(), mode)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours (EPERM), or a platform without kill(pid, 0)
        return True
    return True


def _pid_of(path: Path) -> int | None:
    tail = path.name.rsplit("-", 1)[-1].split(".")[0]
    return int(tail) if tail.isdigit() else None


def _remove_stale_temps(path: Path) -> None:
    """Remove ``.<name>.<pid>.*.tmp`` files left by a killed run (only those whose process is gone)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2:].split(".")
        if parts and parts[0].isdigit() and not _pid_alive(int(parts[0])):
            with contextlib.suppress(OSError):
                tmp.unlink()


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` newlines) so that readers see the old file or the new one, never half."""
    data = text.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        if path.exists() and path.read_bytes() == data:
            return  # unchanged: keep the file (and its mtime) as it is
        mode = _mode_for(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            _write_synced(Path(tmp), data, mode)  # mkstemp made it 0600: set the mode before the rename
            _test_delay()
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_all(files: Mapping[Path, str]) -> None:
    """Write many files, each atomically (but not all at once: see :func:`write_tree` for that)."""
    for path in sorted(files):
        atomic_write(path, files[path])


# ------------------------------------------------------------------------------------------------ the output tree


def staging_names(out_dir: Path) -> tuple[str, str]:
    """Glob patterns of the sibling folders a run uses: ``(".<out>.new-*", ".<out>.old-*")``."""
    return f".{out_dir.name}.new-*", f".{out_dir.name}.old-*"


def recover(out_dir: Path) -> None:
    """Clean up after a run that was killed: restore ``out`` from ``.<out>.old-<pid>`` if ``out`` is missing,
    and delete staging folders of dead processes.  Folders of a live process are left alone."""
    new_glob, old_glob = staging_names(out_dir)
    parent = out_dir.parent
    for old in sorted(parent.glob(old_glob)):
        pid = _pid_of(old)
        if pid is None or _pid_alive(pid):
            continue
        if not out_dir.exists() and old.is_dir() and not old.is_symlink():
            os.rename(old, out_dir)  # killed between the two renames: the old tree is the complete one
            _fsync_dir(parent)
        else:
            _remove_tree(old)
    for new in parent.glob(new_glob):
        pid = _pid_of(new)
        if pid is not None and not _pid_alive(pid):
            _remove_tree(new)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl without it
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # kernel or file system without RENAME_EXCHANGE
    raise OSError(err, os.strerror(err), str(a))


def _relative(out_dir: Path, files: Mapping[Path, str]) -> dict[Path, bytes]:
    rel: dict[Path, bytes] = {}
    for path, text in files.items():
        try:
            name = path.relative_to(out_dir) if path.is_absolute() == out_dir.is_absolute() else None
        except ValueError:
            name = None
        if name is None or not name.parts or ".." in name.parts:
            raise OutputError(f"cannot write {path}: not inside {out_dir}")
        rel[name] = text.encode("utf-8")
    return rel


def _refuse_links(out_dir: Path, rel: Mapping[Path, bytes]) -> None:
    """Refuse a build whose files would be written through a symbolic link inside ``out_dir``.

    ``out/s0 -> ../../elsewhere`` can be committed to a course repository; following it would overwrite files
    outside ``out/``.  Replacing the link by a folder would silently drop what the user linked, so the build
    stops instead and names the link.  (``out`` itself may be a link: the user chose that folder with ``-o``.)
    A file that is itself a link is never followed either: it is replaced, like any file we rewrite."""
    seen: set[Path] = set()
    for name in sorted(rel):
        for depth in range(1, len(name.parts)):
            sub = Path(*name.parts[:depth])
            if sub in seen:
                continue
            seen.add(sub)
            if (out_dir / sub).is_symlink():
                target = os.readlink(out_dir / sub)
                raise OutputError(f"cannot write {out_dir / name}: {out_dir / sub} is a symbolic link (to {target}); "
                                  "bibexport never writes through a link inside the output folder (remove the link, "
                                  "or give the real folder with -o)")


def _same_bytes(path: Path, data: bytes) -> bool:
    """True when ``path`` is a regular file (not a link) holding exactly ``data``."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _unchanged(out_dir: Path, rel: Mapping[Path, bytes]) -> bool:
    try:
        return all((out_dir / name).read_bytes() == data for name, data in rel.items())
    except OSError:
        return False


def _shared_folder(out_dir: Path) -> bool:
    """True when ``out`` is not a folder of its own (``-o .``, an ancestor of the working folder, a repository
    root, a mount point, a folder with a file system mounted inside it): swapping it would move the user's other
    files or a mount (or cannot be done), so such a folder gets per-file atomic writes."""
    here = Path.cwd().resolve()
    target = out_dir.resolve()
    return (target == here or target in here.parents or (target / ".git").exists() or target.parent == target
            or os.path.ismount(target) or _has_mount_inside(target))


def _has_mount_inside(folder: Path) -> bool:
    """True when a folder below ``folder`` is on another device (a mount point): a swap would move the mount
    into the old tree, and removing the old tree would empty that file system."""
    root_dev = os.lstat(folder).st_dev
    for top, dirs, _files in os.walk(folder):
        for name in dirs:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(top, name))
                if stat.S_ISDIR(st.st_mode) and st.st_dev != root_dev:
                    return True
    return False


def _remove_tree(path: Path) -> None:
    """Delete a staging or old tree, best effort, never crossing into another file system (a mount that
    appeared inside it is left alone, and so are the folders above it)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):  # a link (or file) in the staging folder's name: never follow it
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    root_dev = st.st_dev
    folders: list[str] = []
    for top, dirs, files in os.walk(path):
        keep = []
        for name in dirs:
            full = os.path.join(top, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                files.append(name)  # a link to a folder: remove the link, never what it points to
            elif st.st_dev == root_dev:
                keep.append(name)
        dirs[:] = keep
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(top, name))
        folders.append(top)
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


#: What the staging tree held of the old tree right after the copy: path -> (inode, size, mtime), for files and
#: links; folders map to None.
Carried = dict[Path, tuple[int, int, int] | None]


def _copy_foreign(out_dir: Path, staging: Path) -> Carried:
    """Carry the current tree over into the staging folder (hard links when possible: we never write in place);
    return what was carried, so that files saved into ``out/`` during the build can be carried too."""
    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(out_dir, staging, symlinks=True, copy_function=link_or_copy, dirs_exist_ok=True)
    carried: Carried = {}
    for top, dirs, files in os.walk(staging):
        base = Path(top).relative_to(staging)
        for name in dirs + files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(top, name))
                carried[base / name] = None if stat.S_ISDIR(st.st_mode) else _sig(st)
    return carried


def _sig(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


def _same_as_carried(st: os.stat_result, carried: tuple[int, int, int]) -> bool:
    """The entry is what was carried over: the same inode (a hard link), or a copy of the same size and mtime."""
    return st.st_ino == carried[0] or (st.st_size, st.st_mtime_ns) == carried[1:]


def _carry_late(old_tree: Path, new_tree: Path, carried_entries: Carried, ours: set[Path]) -> None:
    """After the swap: move into ``out/`` what the user saved into the old tree while the build ran (new files
    and folders, files replaced since the copy).  Files bibexport wrote win over the old tree's; an entry changed
    in the new ``out/`` since the swap wins over the old tree's (the user's latest save)."""
    root_dev = os.lstat(old_tree).st_dev
    for top, dirs, files in os.walk(old_tree):
        base = Path(top).relative_to(old_tree)
        descend = []
        for name in dirs + files:
            rel = base / name
            src, dst = old_tree / rel, new_tree / rel
            try:
                st = os.lstat(src)
            except OSError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if rel in ours or (is_dir and st.st_dev != root_dev):
                continue  # our file wins; a mount that appeared meanwhile stays where it is
            carried = carried_entries.get(rel, "new")
            if is_dir and carried is None:
                descend.append(name)  # a folder that was there: look inside it
                continue
            if carried == "new" or is_dir:  # saved during the build (or a folder where a file was)
                if os.path.lexists(dst):
                    if stat.S_ISDIR(os.lstat(dst).st_mode) and is_dir:
                        descend.append(name)
                    continue
            elif isinstance(carried, tuple):
                if _same_as_carried(st, carried):
                    continue  # unchanged since the copy (an in-place edit of a hard link is in both trees)
                with contextlib.suppress(OSError):
                    if not _same_as_carried(os.lstat(dst), carried):
                        continue  # changed in the new out/ too: the later save wins
            with contextlib.suppress(OSError):
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        dirs[:] = [d for d in dirs if d in descend]


def write_tree(out_dir: Path, files: Mapping[Path, str], ledger: Ledger | None = None) -> TreeReport:
    """Write ``files`` (paths inside ``out_dir``) so that ``out_dir`` is the old or the new tree, never a mix.

    All content is computed by the caller; an unchanged tree is not touched (mtimes kept), and within a changed
    tree every file whose bytes are the same keeps its inode and mtime.  Other files already in ``out_dir`` are
    kept.  With a ``ledger``, ``out_dir`` also gets the manifest of the files bibexport wrote
    (:data:`MANIFEST_NAME`), in the same swap; a file an earlier build wrote and this one no longer writes (nor
    could in a format not asked for) is removed when its bytes are still the ones written, with its folders once
    empty (see :func:`_plan`).  Raises :class:`OutputError` when the tree cannot be written.
    """
    rel = _relative(out_dir, files)
    _refuse_links(out_dir, rel)
    shown = out_dir  # the folder as the user named it, for the report (``out``, not where a link points)
    if ledger is not None:
        ledger = Ledger(_by_name(out_dir, ledger.stamps), _by_name(out_dir, ledger.others), ledger.owner)
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()  # swap the folder the link points to, keep the link
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        recover(out_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError(f"cannot write {out_dir}/: it is a file, not a folder")
        report, removals = TreeReport(), tuple[Path, ...]()
        if ledger is not None:
            report, removals = _plan(out_dir, shown, rel, ledger)
            rel = {**rel, Path(MANIFEST_NAME): report.manifest}
        if _unchanged(out_dir, rel) and not removals:
            return report
        if out_dir.exists() and _shared_folder(out_dir):
            _write_per_file(out_dir, rel, removals)
            return report
        try:
            if removals:
                _swap_in(out_dir, rel, removals)
            else:
                _swap_in(out_dir, rel)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV, errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            _write_per_file(out_dir, rel, removals)  # out/ is a mount point or its parent is read-only
        return report
    except OSError as exc:
        raise OutputError(f"cannot write {out_dir}/: {exc.strerror or exc}") from exc


def _write_per_file(out_dir: Path, rel: Mapping[Path, bytes], removals: tuple[Path, ...]) -> None:
    """Each file atomically; the manifest last, so that it never lists a file not yet written."""
    manifest = Path(MANIFEST_NAME)
    write_all({out_dir / name: data.decode("utf-8") for name, data in rel.items() if name != manifest})
    _remove_written(out_dir, removals)
    if manifest in rel:
        atomic_write(out_dir / manifest, rel[manifest].decode("utf-8"))


def _swap_in(out_dir: Path, rel: Mapping[Path, bytes], removals: tuple[Path, ...] = ()) -> None:
    pid = os.getpid()
    staging = out_dir.parent / f".{out_dir.name}.new-{pid}"
    _remove_tree(staging)
    carried: Carried | None = None
    try:
        if out_dir.exists():
            carried = _copy_foreign(out_dir, staging)
        staging.mkdir(exist_ok=True)
        for name in sorted(rel):
            target = staging / name
            if _same_bytes(target, rel[name]):
                continue  # the old tree's file, hard-linked here: it keeps its inode and mtime (make, latexmk)
            target.parent.mkdir(parents=True, exist_ok=True)
            mode = _mode_for(target)  # the old tree's file (hard-linked here), or a new file's umask mode
            with contextlib.suppress(FileNotFoundError):
                target.unlink()  # may be a hard link to the old tree's file: never write through it
            _write_synced(target, rel[name], mode)
            _test_delay()
        _remove_written(staging, removals)  # only the staging tree's links: out/ is untouched until the swap
        for folder in sorted({(staging / n).parent for n in rel}, key=lambda p: len(p.parts), reverse=True):
            _fsync_dir(folder)
        if not out_dir.exists():
            os.rename(staging, out_dir)
        elif _exchange(staging, out_dir):
            pass  # staging now holds the old tree
        else:
            old = out_dir.parent / f".{out_dir.name}.old-{pid}"
            os.rename(out_dir, old)
            try:
                os.rename(staging, out_dir)  # a crash before this line: recover() puts `old` back
            except OSError:
                os.rename(old, out_dir)
                raise
            staging = old
        _fsync_dir(out_dir.parent)
        if carried is not None:  # staging now holds the old tree: save what the user saved into it meanwhile
            _carry_late(staging, out_dir, carried, set(rel))
    finally:
        _remove_tree(staging)


# ------------------------------------------------------------------------------------------------ the manifest

#: The list of files bibexport wrote into the output folder, kept there (written in the same swap as the files).
MANIFEST_NAME = ".bibexport-manifest.json"
_MANIFEST_NOTE = ("Files bibexport wrote here, with their SHA-256: a build removes those it no longer writes "
                  "(only while unchanged). Do not edit.")


@dataclass(frozen=True)
class Ledger:
    """What a build tells :func:`write_tree` to record in the manifest.

    ``stamps``: for each file written, a digest of the data it was made from.  ``others``: files this course
    would write in the formats not asked for this time, with the digest of their data now; such a file from an
    earlier build is left untouched, and named stale when its recorded digest differs."""

    stamps: Mapping[Path, str] = field(default_factory=dict)
    others: Mapping[Path, str] = field(default_factory=dict)
    #: Who writes (the reading list, as a path from the output folder): a manifest another reading list wrote into
    #: the same folder lists files that are not this build's to remove.
    owner: str = ""


@dataclass(frozen=True)
class TreeReport:
    """What :func:`write_tree` did beyond writing: files and folders removed (bibexport wrote them and no longer
    does), files of formats not asked for that are older than the data (``stale``), files bibexport wrote and no
    longer writes but that were edited since (``left`` in place), and the manifest's bytes."""

    removed: tuple[Path, ...] = ()
    removed_dirs: tuple[Path, ...] = ()
    stale: tuple[Path, ...] = ()
    left: tuple[Path, ...] = ()
    manifest: bytes = b""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(out_dir: Path, owner: str) -> dict[str, dict[str, str]]:
    """The entries of ``out_dir``'s manifest; {} when there is none or it is not ours to trust (damaged, edited,
    a link, written for another reading list than ``owner``): then nothing is removed."""
    path = out_dir / MANIFEST_NAME
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ours = isinstance(data, dict) and data.get("version") == 1 and data.get("by", "") == owner
    files = data.get("files") if ours else None
    if not isinstance(files, dict):
        return {}
    return {k: {"sha256": v["sha256"], "from": v.get("from", "")} for k, v in files.items()
            if isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str)
            and isinstance(v.get("from", ""), str)}


def _manifest_name(key: str) -> Path | None:
    """A manifest entry as a path inside the output folder, or None for anything else (absolute, ``..``, the
    manifest itself): a damaged or hostile manifest can never make a build remove a file outside ``out/``."""
    name = Path(key)
    if not key or name.is_absolute() or ".." in name.parts or name.parts in ((), (MANIFEST_NAME,)) or "\\" in key:
        return None
    return name


def _through_link(out_dir: Path, name: Path) -> bool:
    """True when a folder on the way from ``out_dir`` to ``name`` is a link (never followed to remove a file)."""
    return any((out_dir / Path(*name.parts[:depth])).is_symlink() for depth in range(1, len(name.parts)))


def _by_name(out_dir: Path, paths: Mapping[Path, str]) -> dict[Path, str]:
    """``paths`` keyed by their path relative to ``out_dir`` (those outside it are left out)."""
    out: dict[Path, str] = {}
    for path, value in paths.items():
        with contextlib.suppress(ValueError):
            out[path.relative_to(out_dir)] = value
    return out


def _plan(out_dir: Path, shown: Path, rel: Mapping[Path, bytes],
          ledger: Ledger) -> tuple[TreeReport, tuple[Path, ...]]:
    """The new manifest, and which files of the old one to remove.

    A file the old manifest lists and this build does not write is removed when this course could not write it
    in any format (an old session's folder, a renamed slug) and its bytes are still the ones bibexport wrote.
    One the course writes in a format not asked for this time is left untouched, kept in the manifest, and named
    stale when the data it was made from changed since.  A file edited since bibexport wrote it is the user's
    now: left in place, named once, and dropped from the manifest."""
    entries: dict[str, dict[str, str]] = {}
    for name, data in rel.items():
        entries[name.as_posix()] = {"sha256": _sha256(data), "from": ledger.stamps.get(name, "")}
    removals: list[Path] = []
    stale: list[Path] = []
    left: list[Path] = []
    for key, entry in sorted(_read_manifest(out_dir, ledger.owner).items()):
        listed = _manifest_name(key)
        if listed is None or listed in rel or _through_link(out_dir, listed):
            continue
        name = listed
        try:
            if not stat.S_ISREG(os.lstat(out_dir / name).st_mode):
                continue  # a folder or a link stands there now: not ours
            same = _sha256((out_dir / name).read_bytes()) == entry["sha256"]
        except OSError:
            continue  # removed by hand: forget it
        if name in ledger.others:  # a format not asked for this time: left untouched, still ours
            entries[key] = entry
            if entry["from"] != ledger.others[name]:
                stale.append(shown / name)
        elif same:
            removals.append(name)
        else:
            left.append(shown / name)
    doc = {"version": 1, "note": _MANIFEST_NOTE, "by": ledger.owner, "files": dict(sorted(entries.items()))}
    manifest = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    dirs = [shown / folder.relative_to(out_dir) for folder in _emptied_folders(out_dir, removals)]
    report = TreeReport(removed=tuple(shown / n for n in removals), removed_dirs=tuple(dirs), stale=tuple(stale),
                        left=tuple(left), manifest=manifest)
    return report, tuple(removals)


def _emptied_folders(out_dir: Path, removals: list[Path]) -> list[Path]:
    """The folders that removing ``removals`` leaves empty (what :func:`_remove_written` then removes)."""
    gone = {out_dir / n for n in removals}
    folders = {out_dir / Path(*n.parts[:d]) for n in removals for d in range(1, len(n.parts))}
    emptied: list[Path] = []
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            if all(child in gone for child in folder.iterdir()):
                gone.add(folder)
                emptied.append(folder)
        except OSError:
            continue
    return sorted(emptied)


def _remove_written(root: Path, removals: tuple[Path, ...]) -> None:
    """Remove ``removals`` (paths inside ``root``), then each of their folders that is left empty (a folder still
    holding a file of the user's stays)."""
    folders: set[Path] = set()
    for name in removals:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(root / name)
        folders.update(root / Path(*name.parts[:d]) for d in range(1, len(name.parts)))
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty (a file of the user's), or already gone
            os.rmdir(folder)


# ------------------------------------------------------------------------------------------------ the run lock


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
