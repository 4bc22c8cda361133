# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's ``main()`` in-process and return what it would have printed."""

from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class AnsibleExitJson(Exception):
    pass


class AnsibleFailJson(Exception):
    pass


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs.update(failed=True, msg=msg)
    raise AnsibleFailJson(kwargs)


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(main, args, check_mode=False, diff=False, failed=None)``: the module's result.

    With ``failed=None`` the result comes back failed or not; ``failed=True`` or
    ``False`` also asserts that the module failed, or that it did not.
    """
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)

    def _run(main, args, check_mode=False, diff=False, failed=None):
        args = dict(args)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
                main()
        result = exc.value.args[0]
        if failed is not None:
            assert bool(result.get("failed")) is failed, result
        return result

    return _run


@pytest.fixture
def module_warnings(monkeypatch):
    """The texts the module passed to ``warn()``."""
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg, *args, **kwargs: seen.append(msg))
    return seen
