# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# The documentation of the gai_order filter is in gai_order.yml next to this file.

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import GaiError, predict_order


def gai_order(candidates, labels=None, precedences=None, scopev4=None):
    """Sort ``candidates`` as glibc getaddrinfo does; see gai_order.yml."""
    if not isinstance(candidates, (list, tuple)):
        raise AnsibleFilterError("ipv6ready.docker.gai_order: the input must be a list of {destination, source}, got %s" % type(candidates).__name__)
    for name, table in (("labels", labels), ("precedences", precedences), ("scopev4", scopev4)):
        if table is not None and not isinstance(table, (list, tuple)):
            raise AnsibleFilterError("ipv6ready.docker.gai_order: %s must be a list of dicts, got %s" % (name, type(table).__name__))
    try:
        return predict_order(list(candidates), labels, precedences, scopev4)
    except GaiError as exc:
        raise AnsibleFilterError("ipv6ready.docker.gai_order: %s" % exc)


class FilterModule(object):
    """Address-selection filters."""

    def filters(self):
        return {"gai_order": gai_order}
