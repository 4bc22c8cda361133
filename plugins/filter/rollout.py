# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_serial
short_description: "Internal to site.yml: the batches it rolls the Docker hosts out in, with or without a canary host"
version_added: 0.3.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - B(Internal) to the playbook C(ipv6ready.docker.site), not a public interface; these filters may change in any
    release without notice.
  - Returns the play keyword C(serial) of site.yml's rolling play, C([1, batch_size]) (a canary host, then the batch
    size) or, with O(canary=false), C([batch_size]).
  - Leaving the canary out is meant for drift-check re-runs that are expected to change nothing; each task is then
    paid once instead of twice. Every host still runs its own checks and its verify role inside its batch, and
    max_fail_percentage still stops the rollout after a failing batch.
  - A O(canary) that is not a boolean fails with a message naming C(ipv6ready_canary).
options:
  _input:
    description: The batch size after the canary (C(ipv6ready_batch_size)).
    type: int
    required: true
  canary:
    description: Whether one host goes first on its own (C(ipv6ready_canary)); the strings C(-e) passes are accepted.
    type: raw
    default: true
"""

EXAMPLES = r"""
- name: Docker hosts, in rolling batches
  hosts: docker_hosts
  serial: "{{ ipv6ready_batch_size | default(5) | int | ipv6ready.docker.rollout_serial(ipv6ready_canary | default(true)) }}"
  roles:
    - role: ipv6ready.docker.sysctl
"""

RETURN = r"""
_value:
  description: The list for C(serial).
  type: list
  elements: int
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _rollout


def rollout_serial(batch_size, canary=True):
    """See DOCUMENTATION."""
    try:
        return _rollout.serial(batch_size, canary)
    except ValueError as exc:
        raise AnsibleFilterError("rollout_serial: %s" % exc) from None


class FilterModule:
    """site.yml's rollout."""

    def filters(self):
        return {"rollout_serial": rollout_serial}
