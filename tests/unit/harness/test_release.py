# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The version in galaxy.yml, the changelog and the docs agree."""

from __future__ import annotations

import glob
import os
import re

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def _version():
    return yaml.safe_load(_read("galaxy.yml"))["version"]


def _key(version):
    return tuple(int(part) for part in version.split("."))


def test_readme_names_the_version_and_links_the_changelog():
    readme = _read("README.md")
    assert "This is version %s." % _version() in readme
    assert "(CHANGELOG.rst)" in readme


def test_changelog_files_agree():
    releases = yaml.safe_load(_read("changelogs/changelog.yaml"))["releases"]
    rst = _read("CHANGELOG.rst")
    for version in releases:
        assert re.search(r"^v%s\n=+$" % re.escape(version), rst, re.M), "CHANGELOG.rst lacks v%s" % version
    # galaxy.yml is the released version, or the next one while it is prepared.
    assert max(map(_key, releases)) <= _key(_version())


def test_no_page_names_a_tarball_of_one_version():
    pages = ["README.md"] + sorted(os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    for page in pages:
        found = re.search(r"ipv6ready-docker-\d+\.\d+\.\d+", _read(page))
        assert not found, "%s names %s; write ipv6ready-docker-*.tar.gz" % (page, found and found.group(0))
