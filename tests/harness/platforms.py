# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the one list of test platforms (tests/platforms.yml).

  python3 platforms.py images [NAME ...]   one line per platform for build-images.sh:
                                   image, suite, engine suite (or -), engine
                                   packages (comma-separated, or -), the
                                   packages debootstrap adds (comma-separated)
  python3 platforms.py image NAME          the image tag of one platform
  python3 platforms.py write               regenerate the matrix scenarios' platforms
  python3 platforms.py check               fail when a molecule.yml is stale

A matrix scenario's molecule.yml holds a generated block between the BEGIN
and END marker lines: one host per platform whose `matrix` names the
scenario, called <scenario>-<platform> (underscores become hyphens). Hosts
name a platform in `image:`; the shared create playbook resolves it.
"""

from __future__ import annotations

import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORMS_FILE = os.path.join(ROOT, "tests", "platforms.yml")
BEGIN = "  # BEGIN platforms: generated from tests/platforms.yml by `make platforms`; do not edit"
END = "  # END platforms"


DEFAULT_PACKAGE_SET = "test"


def load(path=PLATFORMS_FILE):
    """The platforms, each with ``base_packages``: the list of its package set."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    platforms = data["platforms"]
    sets = data.get("package_sets") or {}
    names = [p["name"] for p in platforms]
    if len(names) != len(set(names)):
        raise SystemExit("platforms.py: duplicate platform names in %s" % path)
    for platform in platforms:
        chosen = platform.get("packages", DEFAULT_PACKAGE_SET)
        if chosen not in sets:
            raise SystemExit(
                "platforms.py: platform %s names the package set %r, which %s does not define (known: %s)"
                % (platform["name"], chosen, path, ", ".join(sorted(sets)))
            )
        platform["base_packages"] = list(sets[chosen])
    return platforms


def by_name(platforms, name):
    for platform in platforms:
        if platform["name"] == name:
            return platform
    raise SystemExit("platforms.py: no platform %r in tests/platforms.yml (known: %s)" % (name, ", ".join(p["name"] for p in platforms)))


def matrix_block(platforms, scenario):
    lines = [BEGIN]
    for platform in platforms:
        if scenario in platform.get("matrix", []):
            lines.append("  - name: %s-%s" % (scenario.replace("_", "-"), platform["name"]))
            lines.append("    image: %s" % platform["name"])
    lines.append(END)
    return lines


def scenarios(platforms):
    return sorted({s for p in platforms for s in p.get("matrix", [])})


def regenerate(platforms, scenario):
    """Return (path, old text, new text) for one matrix scenario."""
    path = os.path.join(ROOT, "molecule", scenario, "molecule.yml")
    with open(path, encoding="utf-8") as handle:
        old = handle.read()
    lines = old.splitlines()
    try:
        start, end = lines.index(BEGIN), lines.index(END)
    except ValueError:
        raise SystemExit("platforms.py: %s has no generated platforms block (the BEGIN/END marker lines)" % os.path.relpath(path, ROOT)) from None
    new_lines = lines[:start] + matrix_block(platforms, scenario) + lines[end + 1 :]
    return path, old, "\n".join(new_lines) + "\n"


def main(argv):
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    platforms = load()
    command, args = argv[0], argv[1:]
    if command == "images":
        chosen = [by_name(platforms, n) for n in args] if args else platforms
        for p in chosen:
            print(p["image"], p["suite"], p.get("engine_suite", "-"), ",".join(p.get("engine_packages", [])) or "-", ",".join(p["base_packages"]))
        return 0
    if command == "image" and len(args) == 1:
        print(by_name(platforms, args[0])["image"])
        return 0
    if command in ("write", "check"):
        stale = []
        for scenario in scenarios(platforms):
            path, old, new = regenerate(platforms, scenario)
            if old == new:
                continue
            stale.append(os.path.relpath(path, ROOT))
            if command == "write":
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(new)
        if command == "check" and stale:
            print("platforms.py: stale platform lists in %s; run `make platforms`" % ", ".join(stale), file=sys.stderr)
            return 1
        for path in stale:
            print("platforms.py: wrote %s" % path)
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
