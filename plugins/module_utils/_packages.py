# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which Debian packages a host has installed, read in one ``dpkg-query`` run.

A role that needs packages reads them first (``query_argv``: one command, no
package manager, no list refresh) and calls apt only for ``missing`` ones,
so a host that has them all costs one round trip instead of apt's. The
command and the parser of its output live here together.

This file is private to the collection (leading underscore): its names may
change without notice.
"""

from __future__ import annotations

# One line per package dpkg knows: its name and the status of its files.
# ``installed`` is the only status in which the package is usable; dpkg
# reports ``config-files``, ``half-installed``, ``unpacked`` and others for
# packages it knows but has not (or not fully) installed, and prints nothing
# for a name it has never seen (then it exits 1).
DPKG_FORMAT = "${Package} ${db:Status-Status}\\n"


def query_argv(packages):
    """The ``dpkg-query`` command that reads the status of ``packages``."""
    return ["dpkg-query", "--show", "--showformat=" + DPKG_FORMAT] + [str(name) for name in packages]


def installed(stdout):
    """The names ``query_argv``'s output reports installed (an ``:arch`` suffix dropped)."""
    names = set()
    for line in (stdout or "").splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == "installed":
            names.add(fields[0].split(":", 1)[0])
    return names


def missing(stdout, packages):
    """The ``packages`` that are not installed, in the order given, each once."""
    have = installed(stdout)
    result = []
    for name in packages:
        name = str(name)
        if name.split(":", 1)[0] not in have and name not in result:
            result.append(name)
    return result
