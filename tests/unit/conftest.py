# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make ``ansible_collections.ipv6ready.docker`` importable from a plain checkout."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_dir():
    parts = ROOT.split(os.sep)
    if parts[-3:] == ["ansible_collections", "ipv6ready", "docker"]:
        return os.sep.join(parts[:-3])
    tmp = tempfile.mkdtemp(prefix="ipv6ready-unit-")
    atexit.register(shutil.rmtree, tmp, True)
    os.makedirs(os.path.join(tmp, "ansible_collections", "ipv6ready"))
    os.symlink(ROOT, os.path.join(tmp, "ansible_collections", "ipv6ready", "docker"))
    return tmp


COLLECTIONS_DIR = _collections_dir()
if COLLECTIONS_DIR not in sys.path:
    sys.path.insert(0, COLLECTIONS_DIR)
