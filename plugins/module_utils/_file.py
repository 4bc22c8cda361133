# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading and writing the files the collection manages, and the one read a role decides on (private).

What ``gai_conf`` and ``daemon_json`` both do to their file:

- ``read_text``: the current text, or that there is no file. A directory at
  the path fails the module, except an empty one where the caller accepts it
  (Docker creates an empty directory at a bind-mount source that is missing).
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

What ``state_info`` reads on a host in one round trip, and the controller
compares with what a role would write (the ``state_plan`` filter):

- ``state``: what is at a path (type, mode, owner, group, SHA-1, text,
  whether a directory is empty), and ``states`` of several paths for a
  module; ``ip_json`` runs an ``ip -json`` listing;
  ``read_units`` reads units with one ``systemctl show``, which
  ``unit_states`` parses, and ``mount_points`` parses /proc/self/mountinfo;
- ``plan``: from that read and the wanted files, units and leftovers, what
  to install, write, remove, start and restart; ``differs``, ``changes``,
  ``present``, ``stale``, ``unit_pending`` and ``outdated`` are its parts.
  ``outdated`` finds a unit running older than a file it reads (each unit's
  ``active_since`` against the files' ``mtime``): the lost restart of a run
  that wrote the file and died before its handler ran.
"""

from __future__ import annotations

import collections
import errno
import grp
import hashlib
import json
import os
import pwd
import stat as stat_module
import tempfile
import time

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


# --------------------------------------------------------------------------
# The read every role makes on a no-op (the state_info module), and the
# decision taken on the controller from it (the state_changes filter)
# --------------------------------------------------------------------------

#: ``state()['type']`` values.
TYPES = ("file", "directory", "link", "other")

#: What ``systemctl show`` prints of each unit, in this order, for ``unit_states``.
UNIT_PROPERTIES = ("Id", "LoadState", "UnitFileState", "ActiveState", "ActiveEnterTimestampMonotonic")


def unescape_mount_point(field):
    """A mount point as /proc/self/mountinfo writes it (``\\040`` for a space, ...) as the path."""
    out = []
    index = 0
    while index < len(field):
        chunk = field[index : index + 4]
        if len(chunk) == 4 and chunk[0] == "\\" and all(c in "01234567" for c in chunk[1:]):
            out.append(chr(int(chunk[1:], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


def mount_points(mountinfo):
    """The mount points of a /proc/self/mountinfo text (field 5), as a set of paths."""
    points = set()
    for line in (mountinfo or "").splitlines():
        fields = line.split()
        if len(fields) >= 5:
            points.add(unescape_mount_point(fields[4]))
    return points


def state(path, content=False, mounts=None):
    """What is at ``path``, without following a link; ``None`` when nothing is there.

    A dict: ``type`` (one of ``TYPES``), ``mode`` (``"0644"``), ``owner`` and
    ``group`` (names, or the IDs as text when unknown), ``mtime``; with
    ``mounts`` (a set of paths), ``mount`` (whether ``path`` is one of them);
    for a link ``link`` (where it leads, resolved); for a directory ``empty``
    (whether it has no entries, as Docker leaves a missing bind-mount source);
    for a regular file ``sha1`` (of its bytes); with ``content``, ``content``:
    its text, read through a link as well (``None`` when that is no regular
    file). Raises ``OSError`` for anything but a missing path.
    """
    b_path = to_bytes(path, errors="surrogate_or_strict")
    try:
        info = os.lstat(b_path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    if stat_module.S_ISREG(info.st_mode):
        kind = "file"
    elif stat_module.S_ISDIR(info.st_mode):
        kind = "directory"
    elif stat_module.S_ISLNK(info.st_mode):
        kind = "link"
    else:
        kind = "other"
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    result = {
        "type": kind,
        "mode": "%04o" % stat_module.S_IMODE(info.st_mode),
        "owner": owner,
        "group": group,
        "mtime": info.st_mtime,
    }
    if mounts is not None:
        result["mount"] = path in mounts
    if kind == "link":
        result["link"] = to_text(os.path.realpath(b_path), errors="surrogate_or_strict")
    if kind == "directory":
        with os.scandir(b_path) as entries:
            result["empty"] = next(entries, None) is None
    if content:
        result["content"] = None
        if os.path.isfile(b_path):
            with open(b_path, "rb") as handle:
                b_content = handle.read()
            result["content"] = to_text(b_content, errors="surrogate_or_strict")
            if kind == "file":  # the bytes just read, not a second read
                result["sha1"] = hashlib.sha1(b_content).hexdigest()
    if kind == "file" and "sha1" not in result:
        result["sha1"] = sha1_of(b_path)
    return result


def states(module, paths, contents=(), mounts=None):
    """``state`` of each of ``paths`` and ``contents`` (these with their text), by path; fails the module on an error."""
    result = {}
    for path in list(paths) + list(contents):
        try:
            result[path] = state(path, content=path in contents, mounts=mounts)
        except (IOError, OSError) as exc:
            module.fail_json(msg="Cannot read %s: %s" % (path, to_native(exc)), path=path)
    return result


def sha1_of(path):
    """The SHA-1 of the bytes of the file at ``path``, in hex."""
    digest = hashlib.sha1()
    with open(to_bytes(path, errors="surrogate_or_strict"), "rb") as handle:
        for block in iter(lambda: handle.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()


def ip_json(module, args, required=False):
    """``ip -json ARGS`` read on the host with ``module``, parsed: a list.

    When there is no ``ip``, it fails or prints no JSON list, the module fails
    if ``required``, else the listing is ``[]`` (a kernel without IPv6 lists
    no IPv6 routes).
    """
    ip = module.get_bin_path("ip", required=required)
    if not ip:
        return []
    shown = " ".join(args)
    rc, out, err = module.run_command([ip, "-json"] + list(args))
    if rc != 0:
        if required:
            module.fail_json(msg="'ip -json %s' failed (rc=%d): %s" % (shown, rc, (err or out).strip()))
        return []
    try:
        value = json.loads(out) if out.strip() else []
        problem = None if isinstance(value, list) else "a JSON %s, not a list" % type(value).__name__
    except ValueError as exc:
        value, problem = [], "no JSON: %s" % to_native(exc)
    if problem is not None:
        if required:
            module.fail_json(msg="'ip -json %s' printed %s" % (shown, problem))
        return []
    return value


def read_units(module, units, required=True):
    """``unit_states`` of ``units``, read on the host with one ``systemctl show``.

    Without systemctl every value is ``None``. When ``systemctl show`` fails
    (no systemd running), the module fails if ``required``, else every value
    is ``None`` as well.
    """
    if not units:
        return {}
    unknown = dict((unit, {"load": None, "enabled": None, "active": None, "active_since": None}) for unit in units)
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return unknown
    rc, out, err = module.run_command([systemctl, "show", "--property=" + ",".join(UNIT_PROPERTIES), "--"] + list(units))
    if rc != 0:
        if required:
            module.fail_json(msg="'systemctl show' failed (rc=%d): %s" % (rc, (err or out).strip()))
        return unknown
    # Both clocks read together, right after systemd answered: the wall clock
    # time of a monotonic timestamp is now minus how long ago it was.
    return unit_states(out, units, clocks=(time.time(), time.monotonic()))


def unit_states(show_output, units, clocks=None):
    """Each of ``units`` to ``{load, enabled, active, active_since}`` from ``systemctl show`` of them (``UNIT_PROPERTIES``).

    systemctl prints one block per unit, in the order asked, blocks separated
    by an empty line. A unit it prints nothing for gets empty strings.
    ``active_since`` is when the unit last entered the active state, in
    seconds since the epoch like a file's ``mtime``, or ``None`` when unknown
    (never active, no ``clocks``, nothing printed). systemd records it as
    ``ActiveEnterTimestampMonotonic`` (microseconds of CLOCK_MONOTONIC, which a
    wall clock set later by NTP does not move); ``clocks`` is the
    ``(time.time(), time.monotonic())`` read on the same host just after.
    """
    blocks = []
    current = {}
    for line in (show_output or "").splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, _sep, value = line.partition("=")
        current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    result = {}
    for index, unit in enumerate(units):
        block = blocks[index] if index < len(blocks) else {}
        result[unit] = {
            "load": block.get("LoadState", ""),
            "enabled": block.get("UnitFileState", ""),
            "active": block.get("ActiveState", ""),
            "active_since": active_since(block.get("ActiveEnterTimestampMonotonic"), clocks),
        }
    return result


def active_since(monotonic_usec, clocks):
    """The epoch seconds of systemd's monotonic timestamp ``monotonic_usec`` (text), given ``clocks``; ``None`` if unknown."""
    if clocks is None:
        return None
    try:
        usec = int(monotonic_usec)
    except (TypeError, ValueError):
        return None
    if usec <= 0:  # systemd prints 0 for a unit that was never active
        return None
    wall, monotonic = clocks
    return wall - (monotonic - usec / 1000000.0)


def differs(current, wanted):
    """Whether the read ``current`` (``state()``, or ``None``) is not what ``wanted`` describes.

    ``wanted``: ``type`` (``file`` by default, or ``directory``), and any of
    ``sha1``, ``mode``, ``owner``, ``group`` to compare. A link or anything
    else where a file or directory is wanted differs: its task then runs as
    without the read.
    """
    if current is None:
        return True
    if current.get("type") != wanted.get("type", "file"):
        return True
    for key in ("sha1", "mode", "owner", "group"):
        if wanted.get(key) is not None and str(wanted[key]) != str(current.get(key)):
            return True
    return False


def changes(files, wanted):
    """The paths of ``wanted`` (a list of dicts with ``path``) whose read state in ``files`` differs, in order."""
    return [item["path"] for item in wanted if differs(files.get(item["path"]), item)]


def present(files, paths):
    """The ``paths`` the read found something at, in order (what a removal has to remove)."""
    return [path for path in paths if files.get(path) is not None]


def stale(files, pairs):
    """The targets of ``pairs`` (``[source, target]``) that are missing or older than their existing source."""
    result = []
    for source, target in pairs:
        have_source = files.get(source)
        have_target = files.get(target)
        if have_source is None:
            continue
        if have_target is None or have_source.get("mtime", 0) > have_target.get("mtime", 0):
            result.append(target)
    return result


def unit_pending(units, unit, enabled=True, active=True):
    """Whether ``unit`` (in ``unit_states``' result) is not yet enabled and active as asked."""
    current = units.get(unit) or {}
    if enabled and current.get("enabled") not in ("enabled", "static"):
        return True
    return bool(active and current.get("active") != "active")


def outdated(files, units, depends, write=()):
    """The units of ``depends`` (unit to the paths it reads) that run older than one of their files, in order.

    A unit counts when it is active, the read knows since when
    (``active_since``), and one of its files exists with an ``mtime`` after
    that: a file was written and the unit's restart never happened (the run
    died before its handler). A unit with a path in ``write`` is left out: that
    write notifies its handler, which restarts it. An inactive unit is
    started, not restarted (``unit_pending``).
    """
    result = []
    for unit, paths in depends.items():
        current = units.get(unit) or {}
        since = current.get("active_since")
        if current.get("active") != "active" or not isinstance(since, (int, float)) or isinstance(since, bool):
            continue
        if any(path in write for path in paths):
            continue
        mtimes = [(files.get(path) or {}).get("mtime") for path in paths]
        if any(isinstance(mtime, (int, float)) and mtime > since for mtime in mtimes):
            result.append(unit)
    return result


def plan(read, wanted=(), absent=(), globs=(), keep=(), units=(), restart=None):
    """What a role has to change, from a ``state_info`` result ``read``; nothing when the host has it all.

    - ``install``: the packages the read found missing;
    - ``write``: the paths of ``wanted`` that differ (``changes``);
    - ``remove``: the paths of ``absent`` the read found something at;
    - ``leftovers``: the paths the patterns of ``globs`` matched, except those in ``keep``;
    - ``start``: the ``units`` that are not enabled and active;
    - ``restart``: the units of ``restart`` (unit to the files its handler
      restarts it for) that are active but older than one of those files and
      get none of them written (``outdated``).
    """
    files = read.get("files") or {}
    matched = read.get("globs") or {}
    leftovers = []
    for pattern in globs:
        for path in matched.get(pattern) or []:
            if path not in keep and path not in leftovers:
                leftovers.append(path)
    unit_read = read.get("units") or {}
    write = changes(files, list(wanted))
    return {
        "install": list(read.get("packages_missing") or []),
        "write": write,
        "remove": present(files, list(absent)),
        "leftovers": leftovers,
        "start": [unit for unit in units if unit_pending(unit_read, unit)],
        "restart": outdated(files, unit_read, dict(restart or {}), write),
    }
