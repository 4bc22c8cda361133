#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: daemon_json
short_description: Merge settings into Docker's daemon.json without overwriting it
version_added: 0.1.0
description:
  - Merges O(settings) into Docker's C(daemon.json) and removes the keys in O(remove).
    Every other key is kept with its value, its JSON type and its position.
  - Nested objects are merged key by key; arrays and scalars replace the old value.
  - Before anything is written, the merged result is checked (see O(validate)).
    A failed check writes nothing and names the key and the problem.
  - The file is replaced atomically. It is only rewritten when its content changes
    semantically; a file that already holds the merged config, however it is formatted,
    is left alone.
  - The module does not reload or restart Docker. It returns RV(restart_required) and
    RV(reload_keys) so that a handler can do the right one.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ansible.builtin.files
  - ipv6ready.docker.attributes
options:
  path:
    description:
      - Path of the daemon configuration file.
      - A missing file counts as an empty configuration C({}). It is created when there is
        something to write, with mode V("0644") unless O(mode) is set. A missing parent
        directory is created with mode C(0755).
      - A symlink is followed; its target is updated.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - Keys to set. Nested objects (for example C(log-opts) or C(default-network-opts))
        merge recursively with the existing ones; arrays and scalars replace.
      - Values are written with their JSON types. Write booleans as booleans
        (V(true), not V("true")); Docker 23 and later reject a string there.
    type: dict
    default: {}
  remove:
    description:
      - Top-level keys to delete. Keys that are not present are ignored.
      - A key may not be both in O(settings) and in O(remove).
    type: list
    elements: str
    default: []
  validate:
    description:
      - Check the merged configuration before writing it.
      - The built-in check tests the JSON type of the keys it knows (for example C(ipv6) must
        be a boolean, C(fixed-cidr-v6) an IPv6 CIDR, C(log-opts) values strings, C(default-address-pools)
        entries C({base, size}) with a fitting size) and the rules that depend on the engine version
        (C(ip6tables) needs C(experimental) before 27.0, C(ipv6) needs C(fixed-cidr-v6) before 28.0,
        C(default-network-opts) needs 24.0, and enabling IPv6 through it 27.0).
      - On Docker 23.0 and later, when C(dockerd) is installed, the merged file is also checked with
        C(dockerd --validate --config-file) on a temporary copy, and dockerd's error is returned.
      - If C(dockerd) is not installed and O(engine_version) is not given, only the type check runs
        and a warning says so.
      - V(false) skips all checks.
    type: bool
    default: true
  engine_version:
    description:
      - The Docker engine version to validate against, for example V(20.10.24), V(26.1.5) or V(28.0.1).
      - When omitted and O(validate=true), the version is read from C(dockerd --version).
    type: str
  backup:
    description:
      - Create a backup file including the timestamp information so you can get the original
        file back if you somehow clobbered it incorrectly.
      - A broken C(daemon.json) keeps Docker from starting; keep a backup to roll back to.
    type: bool
    default: false
attributes:
  check_mode:
    details: C(dockerd --validate) still runs in check mode; it only reads a temporary copy.
notes:
  - The C(ipv6), C(fixed-cidr-v6), C(ip6tables) and C(default-address-pools) options need a full
    engine restart, which stops all containers unless C(live-restore) is on.
  - Only top-level keys can be removed. To drop a nested key, set the whole object in
    O(settings) after removing it in one task, or set its parent key anew.
seealso:
  - name: dockerd daemon configuration file reference
    description: All daemon.json keys, and which of them are reloaded on SIGHUP.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
  - name: Use IPv6 networking
    description: Docker's guide to IPv6 on the default bridge and user-defined networks.
    link: https://docs.docker.com/engine/daemon/ipv6/
"""

EXAMPLES = r"""
- name: Enable IPv6 for the default bridge and all new networks (Docker 27+)
  ipv6ready.docker.daemon_json:
    settings:
      ipv6: true
      fixed-cidr-v6: "fd00:d0c:0:1::/64"
      ip6tables: true
      default-address-pools:
        - base: "172.17.0.0/12"
          size: 20
        - base: "fd00:d0c::/48"
          size: 64
      default-network-opts:
        bridge:
          com.docker.network.enable_ipv6: "true"
    backup: true
  register: __docker_daemon_json
  notify: Restart docker

- name: Enable ip6tables on Debian 12's Docker 20.10 (needs experimental)
  ipv6ready.docker.daemon_json:
    settings:
      ipv6: true
      fixed-cidr-v6: "fd00:d0c:0:1::/64"
      experimental: true
      ip6tables: true

- name: Limit container logs, keeping all other settings
  ipv6ready.docker.daemon_json:
    settings:
      log-driver: json-file
      log-opts:
        max-size: "10m"
        max-file: "3"

- name: Drop an obsolete key
  ipv6ready.docker.daemon_json:
    remove:
      - experimental

- name: Write the file for a host whose engine is not installed yet
  ipv6ready.docker.daemon_json:
    settings:
      dns:
        - "2001:db8::53"
    engine_version: "28.0.1"
"""

RETURN = r"""
config:
  description: The merged configuration, as written (or as it would be written in check mode).
  returned: always
  type: dict
  sample: {"ipv6": true, "fixed-cidr-v6": "fd00:d0c:0:1::/64", "log-driver": "json-file"}
changed_keys:
  description: Sorted top-level keys whose value was added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: ["fixed-cidr-v6", "ipv6"]
restart_required:
  description:
    - V(true) when a changed key needs a full engine restart.
    - V(false) when nothing changed or every changed key is reloaded on SIGHUP (see RV(reload_keys)).
  returned: always
  type: bool
  sample: true
reload_keys:
  description: Sorted changed top-level keys that dockerd reloads on SIGHUP (C(systemctl reload docker)).
  returned: always
  type: list
  elements: str
  sample: ["live-restore"]
created:
  description:
    - V(true) when the file did not exist and this run created it (in check mode, would create it).
    - A rollback removes such a file instead of restoring a backup.
  returned: always
  type: bool
  sample: false
backup_file:
  description: Name of the backup file that was created.
  returned: when O(backup=true) and the file was changed
  type: str
  sample: /etc/docker/daemon.json.12345.2026-01-01@12:00:00~
engine_version:
  description: The engine version the configuration was validated against, or V(null) when unknown.
  returned: always
  type: str
  sample: 28.0.1
validated_with:
  description:
    - How the merged configuration was checked.
    - V(dockerd) means the built-in check and C(dockerd --validate) both ran.
    - V(builtin) means only the built-in check ran.
    - V(none) means O(validate=false).
  returned: always
  type: str
  sample: dockerd
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file
from ansible_collections.ipv6ready.docker.plugins.module_utils._daemon_json import (
    DaemonJsonConflictError,
    DaemonJsonParseError,
    changed_keys,
    classify_changes,
    dockerd_validate_command,
    dockerd_validate_supported,
    format_version,
    json_equal,
    merge_settings,
    parse_daemon_json,
    parse_engine_version,
    render_daemon_json,
    validate_config,
)

NEW_FILE_MODE = "0644"
NEW_DIR_MODE = 0o755


def read_current(module, path):
    """Return ``(exists, text, config)`` for the file at ``path``."""
    current = _file.read_text(module, path, what="daemon.json file", utf8=True)
    if current.kind == _file.MISSING:
        return False, "", {}
    text = current.text
    try:
        config = parse_daemon_json(text, path)
    except DaemonJsonParseError as exc:
        module.fail_json(
            msg="%s; nothing was written" % to_native(exc),
            path=path,
            line=exc.lineno,
            column=exc.colno,
        )
    return True, text, config


def engine_version_of(module, dockerd):
    """Return the engine version tuple from the option, or from ``dockerd --version``."""
    given = module.params["engine_version"]
    if given:
        try:
            return parse_engine_version(given)
        except ValueError as exc:
            module.fail_json(msg="engine_version: %s" % to_native(exc))
    if not dockerd:
        return None
    rc, out, err = module.run_command([dockerd, "--version"])
    if rc != 0:
        module.fail_json(
            msg="'%s --version' failed (rc=%d): %s. Set engine_version, or validate=false." % (dockerd, rc, (err or out).strip()),
            rc=rc,
            stdout=out,
            stderr=err,
        )
    try:
        return parse_engine_version(out)
    except ValueError as exc:
        module.fail_json(msg="Cannot read the engine version from '%s --version': %s" % (dockerd, to_native(exc)))
    return None  # not reached: fail_json exits


def validate_with_dockerd(module, dockerd, config):
    """Write ``config`` to a private temporary file and run ``dockerd --validate`` on it."""
    fd, tmp_path = tempfile.mkstemp(prefix="daemon-json-", suffix=".json", dir=module.tmpdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(to_bytes(render_daemon_json(config)))
        rc, out, err = module.run_command(dockerd_validate_command(dockerd, tmp_path))
    finally:
        try:
            os.remove(tmp_path)
        except OSError:
            pass
    if rc != 0:
        reason = (err or out).strip().replace(tmp_path, "the merged configuration")
        module.fail_json(
            msg="dockerd rejects the merged configuration; nothing was written: %s" % reason,
            rc=rc,
            stdout=out,
            stderr=err,
            config=config,
        )


def run_validation(module, config):
    """Validate ``config``. Return ``(engine_version tuple or None, validated_with)``."""
    if not module.params["validate"]:
        version = None
        if module.params["engine_version"]:
            version = engine_version_of(module, None)
        return version, "none"

    dockerd = module.get_bin_path("dockerd")
    version = engine_version_of(module, dockerd)
    if version is None:
        module.warn(
            "dockerd was not found and engine_version is not set: only the JSON types of "
            "known keys were checked, not the rules that depend on the Docker version."
        )

    errors = validate_config(config, version)
    if errors:
        module.fail_json(
            msg="Invalid daemon configuration; nothing was written: %s" % "; ".join(errors),
            errors=errors,
            config=config,
        )

    if version is not None and dockerd_validate_supported(version):
        if dockerd:
            validate_with_dockerd(module, dockerd, config)
            return version, "dockerd"
        module.warn(
            "dockerd was not found: the configuration was checked with the built-in rules "
            "for Docker %s only, not with 'dockerd --validate'." % format_version(version)
        )
    return version, "builtin"


def write_file(module, path, content):
    """Write ``content`` atomically to ``path``; return the backup file name or ``None``."""
    return _file.write_text(module, path, content, backup=module.params["backup"], tmp_prefix=".daemon.json.", directory_mode=NEW_DIR_MODE)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/docker/daemon.json"),
            settings=dict(type="dict", default={}),
            remove=dict(type="list", elements="str", default=[]),
            validate=dict(type="bool", default=True),
            engine_version=dict(type="str"),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )

    path = module.params["path"]
    b_path = to_bytes(path, errors="surrogate_or_strict")
    if os.path.islink(b_path):
        path = to_text(os.path.realpath(b_path), errors="surrogate_or_strict")

    exists, before_text, before = read_current(module, path)
    try:
        merged = merge_settings(before, module.params["settings"], module.params["remove"])
    except DaemonJsonConflictError as exc:
        module.fail_json(msg=to_native(exc))

    version, validated_with = run_validation(module, merged)

    # Rewrite only on a semantic change: a differently formatted file that
    # already holds the merged config is left as it is.
    content_changed = not json_equal(before, merged) and (exists or bool(merged))
    after_text = render_daemon_json(merged) if content_changed else before_text
    keys = changed_keys(before, merged)
    restart_keys, reload_keys = classify_changes(before, merged)

    result = dict(
        changed=content_changed,
        config=merged,
        changed_keys=keys,
        created=content_changed and not exists,
        restart_required=bool(restart_keys),
        reload_keys=reload_keys,
        engine_version=format_version(version) if version is not None else None,
        validated_with=validated_with,
    )
    if module._diff:
        result["diff"] = _file.diff(path, before_text, after_text, header="%s (content)" % path)

    if content_changed and not module.check_mode:
        backup_file = write_file(module, path, after_text)
        if backup_file:
            result["backup_file"] = backup_file

    if exists or content_changed:
        result["changed"] = _file.set_attributes(module, path, result["changed"], default_mode=None if exists else NEW_FILE_MODE)

    module.exit_json(**result)


if __name__ == "__main__":
    main()
