# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading and writing the text files the collection's modules manage (private).

What ``gai_conf`` and ``daemon_json`` both do to their file:

- ``read_text``: the current text, or that there is no file. A directory at
  the path fails the module, except an empty one where the caller accepts it
  (Docker creates an empty directory at a bind-mount source that is missing).
- ``inspect``: what is at a path, for a read module that lets the controller
  decide whether the writer must run (it never fails: anything it cannot
  tell is reported so that the caller runs the writer, which fails with its
  own message).
- ``write_text``: back the file up (``module.backup_local``), then write it
  either atomically (``tempfile.mkstemp`` in the target's directory,
  ``os.fdopen``, ``module.atomic_move``) or in place.
- ``remove``: back the file up and delete it.
- ``diff``: the ``{before, after}`` of diff mode, with headers.
- ``set_attributes``: the file common arguments (owner, group, mode, ...).

Callers compute the new text first and call ``write_text``/``remove`` only
when it differs and ``module.check_mode`` is off; the module's argument spec
needs ``add_file_common_args=True``.

In place versus atomic: a file bind-mounted into a container (``docker run
-v /etc/ipv6ready/gai.conf:/etc/gai.conf:ro``) is mounted by its inode. A
rename puts a new inode at the path, which running containers never see. A
write in place keeps the inode, so every container sees the new text at once.
The in-place write overwrites the old bytes and then truncates, so the file is
never empty; a reader that opens it during the write may see a mix of old and
new text for that moment.
"""

from __future__ import annotations

import collections
import errno
import os
import stat
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

#: ``Current.kind``: nothing at the path.
MISSING = "missing"
#: ``Current.kind``: a regular file (or a link to one).
FILE = "file"
#: ``Current.kind``: an empty directory, as Docker leaves at a missing bind-mount source.
EMPTY_DIRECTORY = "empty directory"

#: What is at a path: ``kind`` (``MISSING``, ``FILE`` or ``EMPTY_DIRECTORY``)
#: and, for a file, its ``text`` (``None`` otherwise).
Current = collections.namedtuple("Current", "kind text")


def read_text(module, path, what="file", empty_directory=False, utf8=False):
    """Return what is at ``path`` as a ``Current``; fail the module when it cannot be used.

    ``what`` names the file in messages (``daemon.json file``). A directory
    fails the module, unless ``empty_directory`` is true and the directory is
    empty: then the kind is ``EMPTY_DIRECTORY`` and ``write_text`` replaces it.
    ``utf8=True`` fails on bytes that are not UTF-8; otherwise they are kept
    (surrogate escapes) and written back unchanged.
    """
    b_path = to_bytes(path, errors="surrogate_or_strict")
    if not os.path.exists(b_path):
        return Current(MISSING, None)
    if os.path.isdir(b_path):
        try:
            entries = sorted(to_text(name, errors="surrogate_or_strict") for name in os.listdir(b_path))
        except OSError as exc:
            module.fail_json(msg="%s is a directory, not a %s, and cannot be listed: %s" % (path, what, to_native(exc)), path=path)
        if not empty_directory:
            module.fail_json(msg="%s is a directory, not a %s" % (path, what), path=path)
        if entries:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            module.fail_json(
                msg="%s is a directory with %d entr%s in it (%s), not a %s; nothing was changed. Move it away "
                "and run again." % (path, len(entries), "y" if len(entries) == 1 else "ies", shown, what),
                path=path,
                entries=entries,
            )
        return Current(EMPTY_DIRECTORY, None)
    try:
        with open(b_path, "rb") as handle:
            b_content = handle.read()
    except (IOError, OSError) as exc:
        module.fail_json(msg="Cannot read %s: %s" % (path, to_native(exc)), path=path)
    if utf8:
        try:
            return Current(FILE, b_content.decode("utf-8"))
        except UnicodeDecodeError as exc:
            module.fail_json(msg="%s is not UTF-8 text: %s" % (path, to_native(exc)), path=path)
    return Current(FILE, to_text(b_content, errors="surrogate_or_strict"))


#: ``inspect()["kind"]``: a directory with entries in it.
DIRECTORY = "directory"
#: ``inspect()["kind"]``: something else (a socket, a device), or a path that cannot be read.
OTHER = "other"


def inspect(path):
    """What is at ``path``, following links as ``read_text`` does: a dict, never a failure.

    ``kind`` is ``MISSING``, ``FILE``, ``EMPTY_DIRECTORY``, ``DIRECTORY`` or
    ``OTHER`` (also for a path that cannot be read, with ``error``).
    ``mode`` (octal text, ``"0644"``), ``uid`` and ``gid`` are there for a
    file or a directory. ``text`` is a file's content when it is UTF-8, else
    ``None``: a caller that compares texts then sees a difference and runs
    the writer, which decides with the bytes.
    """
    b_path = to_bytes(path, errors="surrogate_or_strict")
    result = dict(kind=MISSING, text=None)
    try:
        info = os.stat(b_path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return result
        return dict(result, kind=OTHER, error=to_native(exc))
    result.update(mode="%04o" % stat.S_IMODE(info.st_mode), uid=info.st_uid, gid=info.st_gid)
    try:
        if stat.S_ISDIR(info.st_mode):
            result["kind"] = DIRECTORY if os.listdir(b_path) else EMPTY_DIRECTORY
        elif stat.S_ISREG(info.st_mode):
            with open(b_path, "rb") as handle:
                b_content = handle.read()
            result["kind"] = FILE
            try:
                result["text"] = b_content.decode("utf-8")
            except UnicodeDecodeError:
                result["text"] = None
        else:
            result["kind"] = OTHER
    except (IOError, OSError) as exc:
        result.update(kind=OTHER, text=None, error=to_native(exc))
    return result


def diff(path, before, after, header=None):
    """The diff of a change from ``before`` to ``after`` (``None`` for no file) under ``header`` (default: ``path``)."""
    header = path if header is None else header
    return dict(before=before or "", after=after or "", before_header=header, after_header=header)


def write_text(module, path, text, current=None, backup=False, in_place=False, tmp_prefix=None, directory_mode=None):
    """Write ``text`` to ``path``; return the backup file name, or ``None`` without a backup.

    ``current`` is what ``read_text`` found (without it: a file or nothing);
    an empty directory there is removed first. ``backup`` copies an existing
    file with ``module.backup_local`` before anything changes. ``in_place``
    rewrites an existing file in its inode, for a file bind-mounted into
    containers; a new file is always created atomically. ``directory_mode``
    creates a missing parent directory with that mode; without it the parent
    must exist. ``tmp_prefix`` names the temporary file (default: ``.<name>.``).
    """
    b_path = to_bytes(path, errors="surrogate_or_strict")
    b_dir = os.path.dirname(os.path.abspath(b_path))
    if current is None:
        current = Current(FILE if os.path.isfile(b_path) else MISSING, None)
    if directory_mode is not None and not os.path.isdir(b_dir):
        try:
            os.makedirs(b_dir, directory_mode)
        except OSError as exc:
            module.fail_json(msg="Cannot create directory %s: %s" % (to_native(b_dir), to_native(exc)), path=path)

    backup_file = None
    if backup and current.kind == FILE:
        backup_file = module.backup_local(path)
    b_text = to_bytes(text, errors="surrogate_or_strict")

    if in_place and current.kind == FILE:
        _write_in_place(module, path, b_path, b_text)
        return backup_file

    if current.kind == EMPTY_DIRECTORY:
        try:
            os.rmdir(b_path)
        except OSError as exc:
            module.fail_json(msg="Cannot replace the directory %s with a file: %s" % (path, to_native(exc)), path=path)
    prefix = tmp_prefix if tmp_prefix is not None else ".%s." % os.path.basename(to_native(path))
    try:
        fd, b_tmp = tempfile.mkstemp(dir=b_dir, prefix=to_bytes(prefix), suffix=b".tmp")
    except OSError as exc:
        module.fail_json(msg="Cannot create a temporary file in %s: %s" % (to_native(b_dir), to_native(exc)), path=path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b_text)
    except (IOError, OSError) as exc:
        module.cleanup(b_tmp)
        module.fail_json(msg="Cannot write a temporary file in %s: %s" % (to_native(b_dir), to_native(exc)), path=path)
    module.atomic_move(b_tmp, b_path, unsafe_writes=module.params.get("unsafe_writes", False))
    return backup_file


def _write_in_place(module, path, b_path, b_text):
    """Overwrite the file's bytes, then cut it to length: same inode, never empty."""
    try:
        with open(b_path, "r+b") as handle:
            handle.write(b_text)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
    except (IOError, OSError) as exc:
        hint = ""
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            hint = " (the file must be writable in place to reach the containers that mount it)"
        module.fail_json(msg="Cannot rewrite %s in place: %s%s" % (path, to_native(exc), hint), path=path)


def remove(module, path, backup=False):
    """Delete the file at ``path``; return the backup file name, or ``None`` without a backup."""
    backup_file = module.backup_local(path) if backup else None
    try:
        os.unlink(to_bytes(path, errors="surrogate_or_strict"))
    except OSError as exc:
        module.fail_json(msg="Cannot remove %s: %s" % (path, to_native(exc)), path=path)
    return backup_file


def set_attributes(module, path, changed, default_mode=None):
    """Apply the file common arguments to ``path``; return ``changed`` or'ed with their change.

    ``default_mode`` is used when the task gives no ``mode`` (for a file the
    module has just created). In check mode nothing is changed, only reported.
    """
    file_args = module.load_file_common_arguments(module.params, path=path)
    if default_mode is not None and file_args.get("mode") is None:
        file_args["mode"] = default_mode
    return module.set_fs_attributes_if_different(file_args, changed)
