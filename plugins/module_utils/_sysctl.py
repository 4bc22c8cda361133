# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure helpers of the ``sysctl`` role and the ``sysctl_info`` module.

They parse sysctl.d files, normalise keys, work out which files the loaders
apply after the role's own (and so can override it), and plan what the role
writes: the keys, the uplinks that get ``accept_ra=2``, the report and the
refusals. Nothing here touches the host; the ``sysctl_info`` module reads it
and the ``ipv6ready.docker.sysctl_*`` filters decide.

This file is private to the collection (leading underscore): its names may
change without notice.
"""

from __future__ import annotations

import fnmatch
import os
import re

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE, boolean

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file, _names

# Where systemd-sysctl and procps' ``sysctl --system`` look for *.conf files,
# in this order of priority: a file in an earlier directory masks a file of
# the same name in a later one. All files are then applied sorted by file
# name, later ones winning. procps reads /etc/sysctl.conf after all of them;
# systemd reads it only through a /etc/sysctl.d/99-sysctl.conf link (Debian 12
# ships one, Debian 13 does not). A key with a glob never overrides a key that
# a file sets explicitly: both loaders skip those ("explicit setting exists").
SEARCH_PATH = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)
LEGACY_FILE = "/etc/sysctl.conf"
OWN_DIR = "/etc/sysctl.d"

# The tools that set the FORWARD chain policy, per address family.
FORWARD_TOOLS = ("ip6tables", "iptables")
# The Debian package that brings each program the role runs: the FORWARD chain
# tools, the sysctl program ansible.posix.sysctl calls, and nft.
PROGRAM_PACKAGES = {"ip6tables": "iptables", "iptables": "iptables", "sysctl": "procps", "nft": "nftables"}
# With Docker's nftables firewall backend the FORWARD policy is this table's
# base chain: an iptables FORWARD policy of DROP would drop Docker's traffic
# too (every base chain on the hook must accept a packet; Docker's accepting
# in its own table is not enough).
NFT_TABLE = ("inet", "ipv6ready")
# Docker's bridges: the default bridge and the user-defined networks' (br-<id>,
# or another name that starts with br-, as the networks role's driver options
# usually give). nft matches a trailing * as a wildcard.
DOCKER_BRIDGES = ("docker0", "br-*")
# The header of ``iptables -L CHAIN``: "Chain FORWARD (policy DROP)", as
# ansible.builtin.iptables reads the current policy.
_CHAIN_POLICY_RE = re.compile(r"\(policy ([A-Z]+)\)")

_OWN_FILE_RE = re.compile(r"^/etc/sysctl\.d/[^/.][^/]*\.conf$")
_EXTRA_KEY_RE = re.compile(r"^[A-Za-z0-9_][^\s=*?\[\]]*$")
# Interface names that are no interface: the templates of the per-interface keys.
_NOT_INTERFACES = ("all", "default")

FIX_HARDENING = "remove or change those lines (dev-sec os_hardening: put the values this role needs into its sysctl_overwrite)"
FIX_PREFLIGHT = "set sysctl_preflight to warn or skip if something else restores these values"


# --------------------------------------------------------------------------
# Keys and files
# --------------------------------------------------------------------------


def key_path(key):
    """Return a sysctl key as its /proc/sys path (``net/ipv6/conf/eth0.100/accept_ra``).

    Both loaders accept dots or slashes as separators. When the first separator
    is a slash the key is a path already; otherwise dots separate and slashes
    stand for dots (``net.ipv6.conf.eth0/100.accept_ra``). Compared this way,
    two spellings of one key match.
    """
    key = str(key).strip()
    match = re.search(r"[./]", key)
    if match and match.group() == "/":
        return key
    return key.translate(str.maketrans("./", "/."))


def interface_key(interface, leaf):
    """The dotted key of a per-interface IPv6 setting: a dot in the name (VLAN eth0.100) becomes a slash."""
    return "net.ipv6.conf.%s.%s" % (interface.replace(".", "/"), leaf)


def normalise_value(value):
    """A value as the loaders compare it: runs of blanks become one space."""
    return " ".join(str(value).split())


def parse_conf(text):
    """Parse the text of a sysctl.d file into ``{'key', 'written', 'value'}`` rows, in file order.

    Blank lines, comments (``#`` or ``;``) and lines without ``=`` are skipped.
    ``written`` is the key as the file spells it; ``key`` drops the leading
    ``-`` (ignore failures) that both loaders accept.
    """
    rows = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        written, value = line.split("=", 1)
        written = written.strip()
        key = written[1:].strip() if written.startswith("-") else written
        rows.append({"key": key, "written": written, "value": normalise_value(value)})
    return rows


def conf_names(names):
    """The names of a directory listing the loaders read: ``*.conf``, not hidden."""
    return sorted(name for name in names if fnmatch.fnmatchcase(name, "*.conf") and not name.startswith("."))


def later_files(listing, own_file, search_path=SEARCH_PATH, legacy_exists=False, legacy_file=LEGACY_FILE):
    """The files the loaders apply after ``own_file``, in the order they apply them.

    ``listing`` maps each existing directory of ``search_path`` to the names of
    the files (not directories) in it that end in ``.conf``. A name in an
    earlier directory masks the same name in a later one; the survivors whose
    names sort after ``own_file``'s are applied after it, sorted by name.
    ``legacy_file`` comes last when it exists. Returns the paths.
    """
    own_name = os.path.basename(own_file)
    chosen = {}
    for directory in search_path:
        for name in sorted(listing.get(directory) or ()):
            chosen.setdefault(name, os.path.join(directory, name))
    paths = [chosen[name] for name in sorted(chosen) if name > own_name]
    if legacy_exists:
        paths.append(legacy_file)
    return paths


# --------------------------------------------------------------------------
# Input checks (before anything is read)
# --------------------------------------------------------------------------


def input_problems(inputs):
    """What is wrong with the role's variables beyond their types; one message each.

    ``inputs`` holds the role variables by name (``sysctl_file``,
    ``sysctl_extra``, ``sysctl_accept_ra_interfaces``).
    """
    problems = []
    own = inputs.get("sysctl_file")
    if not isinstance(own, str) or not _OWN_FILE_RE.match(own):
        problems.append("sysctl_file must be a *.conf file directly in %s (got %s)" % (OWN_DIR, own))
    extra = inputs.get("sysctl_extra") or {}
    bad_keys = [str(key) for key in extra if not _EXTRA_KEY_RE.match(str(key))]
    if bad_keys:
        problems.append('sysctl_extra keys must be sysctl names without globs, "=" or blanks: ' + ", ".join(bad_keys))
    bad_values = [str(key) for key, value in extra.items() if not _good_value(value)]
    if bad_values:
        problems.append("sysctl_extra values must be non-empty strings or integers (not booleans, lists or dicts): " + ", ".join(bad_values))
    interfaces = inputs.get("sysctl_accept_ra_interfaces") or []
    bad_interfaces = [str(name) for name in interfaces if _names.interface_problem(str(name)) or str(name) in _NOT_INTERFACES]
    if bad_interfaces:
        problems.append(
            "sysctl_accept_ra_interfaces must name interfaces (%s; not %s): %s"
            % (_names.INTERFACE_RULE, " or ".join(_NOT_INTERFACES), ", ".join(bad_interfaces))
        )
    accept = inputs.get("sysctl_forward_accept_interfaces") or []
    bad_accept = [str(name) for name in accept if _names.interface_problem(_without_wildcard(str(name)))]
    if bad_accept:
        problems.append(
            "sysctl_forward_accept_interfaces must name interfaces (%s; a trailing * is a wildcard, as in "
            "nft): %s" % (_names.INTERFACE_RULE, ", ".join(bad_accept))
        )
    return problems


def _without_wildcard(name):
    """An nft interface pattern without its trailing ``*``: the name, or the start of the names, it matches."""
    return name[:-1] if name.endswith("*") else name


def _good_value(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(value.strip())


# --------------------------------------------------------------------------
# The plan: uplinks, keys, host problems, overrides, stale keys
# --------------------------------------------------------------------------


def ra_findings(host):
    """Read the uplink evidence out of ``ip -json`` data.

    ``host`` holds ``links``, ``routes`` and ``addresses`` (``ip -json`` output
    of ``link show``, ``-6 route show table all`` and ``-6 address show``).
    Returns ``(interfaces, ra_routes, static_defaults, dynamic_addresses,
    candidates)``: RA-learned routes are ``proto ra``; routes added with ``proto
    boot`` (ifupdown, Docker) carry no ``protocol`` key; global addresses that
    expire came from SLAAC or DHCPv6 (static ones live forever). The
    candidates are the interfaces with either, ``lo`` excepted.
    """
    interfaces = [link.get("ifname") for link in host.get("links") or () if link.get("ifname")]
    routes = host.get("routes") or []
    ra_routes = [r for r in routes if r.get("protocol") == "ra" and r.get("dev")]
    static_defaults = [r for r in routes if r.get("dst") == "default" and r.get("dev") and r.get("protocol") != "ra"]
    dynamic = []
    for link in host.get("addresses") or ():
        for address in link.get("addr_info") or ():
            if address.get("scope") == "global" and address.get("dynamic", False):
                dynamic.append(
                    {"dev": link.get("ifname"), "local": "%s/%s" % (address.get("local"), address.get("prefixlen")), "protocol": address.get("protocol", "")}
                )
    candidates = []
    for dev in [r["dev"] for r in ra_routes] + [a["dev"] for a in dynamic]:
        if dev not in candidates and dev != "lo" and dev in interfaces:
            candidates.append(dev)
    return interfaces, ra_routes, static_defaults, dynamic, candidates


def wanted_settings(uplinks, ipv4_forwarding, extra):
    """Every key the role writes and its value, in the order they are applied.

    accept_ra=2 comes before forwarding: switching forwarding on drops the
    RA-learned default routes of every interface whose accept_ra is not 2.
    Returns ``(core, wanted)``, two lists of ``(key, value)``; ``wanted`` adds
    the extra keys (an extra key spelled exactly as a core key replaces its
    value in place, which ``repeated_keys`` reports).
    """
    core = [("net.ipv6.conf.all.disable_ipv6", "0"), ("net.ipv6.conf.default.disable_ipv6", "0")]
    core += [(interface_key(dev, "accept_ra"), "2") for dev in uplinks]
    core.append(("net.ipv6.conf.all.forwarding", "1"))
    if ipv4_forwarding:
        core.append(("net.ipv4.ip_forward", "1"))
    wanted = dict(core)
    for key, value in (extra or {}).items():
        wanted[str(key)] = normalise_value(value)
    return core, list(wanted.items())


def repeated_keys(core, extra):
    """The extra keys that name a core key or an earlier extra key, in any spelling."""
    seen = [key_path(key) for key, _value in core]
    repeated = []
    for key in extra or {}:
        path = key_path(key)
        if path in seen:
            repeated.append(str(key))
        seen.append(path)
    return repeated


def wanted_paths(wanted):
    """``{path: {'key', 'value'}}`` for the wanted keys; a later spelling of a path wins."""
    return {key_path(key): {"key": key, "value": value} for key, value in wanted}


def find_overrides(files, wanted):
    """The lines of later files that would set one of the ``wanted`` keys to another value.

    ``files`` are ``{'path', 'content'}`` in the order the loaders apply them
    (``later_files``); ``wanted`` is a list of ``(key, value)``. A key is
    overridden when the last file setting it sets another value; then every
    line of those files with another value is reported, as ``{'file', 'key',
    'value', 'want_key', 'want'}``. Globs never match: wanted keys have none.
    """
    rows = []
    for item in files:
        for row in parse_conf(item.get("content") or ""):
            rows.append(dict(row, file=item["path"], path=key_path(row["key"])))
    found = []
    for path, want in wanted_paths(wanted).items():
        hits = [row for row in rows if row["path"] == path]
        if hits and hits[-1]["value"] != want["value"]:
            found += [
                {"file": row["file"], "key": row["key"], "value": row["value"], "want_key": want["key"], "want": want["value"]}
                for row in hits
                if row["value"] != want["value"]
            ]
    return found


def override_message(overrides, legacy_file=LEGACY_FILE):
    """The preflight failure: each overriding line, then the ways out. ``''`` when there are none."""
    if not overrides:
        return ""
    lines = ["%s sets %s = %s (this role needs %s = %s)" % (o["file"], o["key"], o["value"], o["want_key"], o["want"]) for o in overrides]
    names = sorted(set(os.path.basename(o["file"]) for o in overrides if o["file"] != legacy_file))
    fixes = [FIX_HARDENING]
    if names:
        last = names[-1]
        rename = [name for name in ("99-zz-ipv6ready.conf", "zz-ipv6ready.conf", re.sub(r"\.conf$", "~ipv6ready.conf", last)) if name > last][0]
        fixes.append("give this role's file a name that sorts after %s, e.g. sysctl_file: %s/%s" % (last, OWN_DIR, rename))
    fixes.append(FIX_PREFLIGHT)
    text = "Another sysctl file would override this role after a reboot or `sysctl --system`: %s." % "; ".join(lines)
    if any(o["file"] == legacy_file for o in overrides):
        text += " Renaming this role's file cannot help against %s: `sysctl --system` reads it after every sysctl.d file." % legacy_file
    return text + " Fix one of: %s." % "; or ".join(fixes)


def stale_keys(own_content, wanted):
    """The keys the role's own file holds but no longer wants (or spells differently), as written there."""
    paths = wanted_paths(wanted)
    stale = []
    for row in parse_conf(own_content or ""):
        want = paths.get(key_path(row["written"]))
        if want is None or want["key"] != row["written"]:
            stale.append(row["written"])
    return stale


def ra_report(candidates, detected, accept_ra, ra_routes, dynamic, static_defaults, detect, listed):
    """One line per interface: what was found and what the role does about it."""
    lines = []
    for dev in candidates:
        why = ["RA-learned route %s" % r.get("dst") for r in ra_routes if r["dev"] == dev]
        why += ["%s with a finite lifetime (SLAAC/DHCPv6)" % a["local"] for a in dynamic if a["dev"] == dev]
        why = ", ".join(why)
        if dev in detected and detect:
            lines.append("%s: takes router advertisements (%s; kernel accept_ra=%s) -> accept_ra=2" % (dev, why, accept_ra.get(dev)))
        elif dev in detected:
            lines.append("%s: takes router advertisements (%s), but sysctl_accept_ra_detect is false" % (dev, why))
        else:
            lines.append(
                "%s: %s, but kernel accept_ra=%s: a user-space client (systemd-networkd, NetworkManager) "
                "handles its RAs -> left alone" % (dev, why, accept_ra.get(dev))
            )
    for route in static_defaults:
        if route["dev"] not in candidates:
            via = " via %s" % route["gateway"] if route.get("gateway") else ""
            lines.append(
                "%s: static IPv6 default route%s (proto %s), no RAs as on Hetzner Cloud -> accept_ra left alone"
                % (route["dev"], via, route.get("protocol") or "boot")
            )
    for dev in listed:
        lines.append("%s: listed in sysctl_accept_ra_interfaces -> accept_ra=2" % dev)
    return lines or ["No interface takes IPv6 router advertisements: accept_ra is left alone."]


def _flag(value):
    """A role boolean as given (argument validation checks the type but does not convert it)."""
    return boolean(value, strict=False)


def nftables(inputs):
    """Whether the FORWARD policy is the role's nftables chain (``sysctl_forward_policy_backend: nftables``)."""
    return _flag(inputs.get("sysctl_forward_policy_drop")) and inputs.get("sysctl_forward_policy_backend") == "nftables"


def ipv4_forwarding(inputs):
    """Whether the role turns IPv4 forwarding on: when asked, and with the nftables backend, because Docker's
    nftables backend never enables forwarding itself and refuses to start without it (its default bridge is IPv4)."""
    return _flag(inputs.get("sysctl_ipv4_forwarding")) or nftables(inputs)


def forward_tools(inputs):
    """The tools that set the FORWARD policy to DROP: ip6tables, and iptables with IPv4 forwarding; none with the
    nftables backend, whose policy is the role's nft chain."""
    if not _flag(inputs.get("sysctl_forward_policy_drop")) or nftables(inputs):
        return []
    return list(FORWARD_TOOLS) if ipv4_forwarding(inputs) else [FORWARD_TOOLS[0]]


def programs(inputs):
    """The programs the role runs on the host: sysctl (ansible.posix.sysctl), the FORWARD chain tools, and nft."""
    return ["sysctl"] + forward_tools(inputs) + (["nft"] if nftables(inputs) else [])


def nft_accept_interfaces(inputs):
    """The interfaces whose forwarded traffic the role's nftables chain lets through: Docker's bridges, then the
    listed ones, each once."""
    out = []
    for name in list(DOCKER_BRIDGES) + [str(item) for item in inputs.get("sysctl_forward_accept_interfaces") or []]:
        if name not in out:
            out.append(name)
    return out


def nft_loaded(listing):
    """Whether ``nft list table inet ipv6ready`` output shows the chain in force: a forward hook, policy drop."""
    text = listing or ""
    return "hook forward" in text and "policy drop" in text


def forward_policy_opens(host, inputs):
    """With the nftables backend: the iptables FORWARD chains whose policy is DROP, to set to ACCEPT (Docker's
    nftables rules cannot pass a packet such a chain drops; the role's nft chain keeps the intent). Empty otherwise."""
    if not nftables(inputs):
        return []
    policies = host.get("forward_policy") or {}
    return [tool for tool in FORWARD_TOOLS if policies.get(tool) == "DROP"]


def packages(inputs):
    """The Debian packages the role needs, each once: procps, iptables for the FORWARD policy, or nftables for the
    nftables backend."""
    out = []
    for program in programs(inputs):
        if PROGRAM_PACKAGES[program] not in out:
            out.append(PROGRAM_PACKAGES[program])
    return out


def after_install(inputs, pending):
    """The programs that work only once the ``pending`` packages are installed: check mode cannot run them."""
    return [program for program in programs(inputs) if PROGRAM_PACKAGES[program] in (pending or [])]


def chain_policy(listing):
    """The policy in the first line of ``iptables -L CHAIN`` output, or ``None`` without one."""
    match = _CHAIN_POLICY_RE.search((listing or "").split("\n")[0])
    return match.group(1) if match else None


def forward_policy_changes(host, inputs):
    """The FORWARD chain tools whose policy must be set to DROP: every tool the policy needs whose chain is not
    DROP now, as ``sysctl_info`` read it (a policy it could not read counts as not DROP)."""
    policies = host.get("forward_policy") or {}
    return [tool for tool in forward_tools(inputs) if policies.get(tool) != "DROP"]


def unit_needs_enable(host, unit):
    """Whether the boot unit must be enabled: a ``UnitFileState`` other than ``enabled`` (what ``systemctl is-enabled``
    prints), or no answer."""
    return (host.get("units") or {}).get(unit) != "enabled"


def file_current(read, content, mode="0644", owner="root", group="root"):
    """Whether a file ``sysctl_info`` read (``files``, ``_file.state``) is a regular file with exactly this content, mode and owner.

    Then ``ansible.builtin.template`` would change nothing, and the role skips it; in every other case (missing, a
    link, other content, mode or owner, nothing rendered to compare with) the template task decides.
    """
    if not read or content is None or _file.differs(read, {"mode": mode, "owner": owner, "group": group}):
        return False
    return read.get("content") == content


def module_value(value):
    """A value as ansible.posix.sysctl compares it with the file: booleans (``yes``, ``true`` ...) as 1 or 0."""
    text = str(value)
    if text.lower() in BOOLEANS_TRUE:
        return "1"
    if text.lower() in BOOLEANS_FALSE:
        return "0"
    return text.strip()


def module_file_values(text):
    """The role's file as ansible.posix.sysctl reads it: each key to its last value, stripped but not normalised."""
    values = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def settings_to_apply(wanted, own_content, own_values):
    """The ``wanted`` settings ansible.posix.sysctl would change, in order; the others cost it a round trip for nothing.

    A setting is left out only when the role's file already sets the key, spelled the same, to the value
    (its last line for the key, compared as the module compares it: exactly, after it turned booleans into 1 or 0)
    and the kernel's current value has the same words. A key the file lacks, another value in either place, or a
    kernel value ``sysctl_info`` could not read keeps the setting.
    """
    in_file = module_file_values(own_content)
    values = own_values or {}
    apply = []
    for item in wanted:
        want = module_value(item["value"])
        current = values.get(item["key"])
        if in_file.get(item["key"]) == want and current is not None and str(current).split() == want.split():
            continue
        apply.append(item)
    return apply


def plan(host, inputs):
    """Decide everything the role does on one host, from what ``sysctl_info`` read.

    ``host`` is the ``sysctl_info`` result (``links``, ``routes``,
    ``addresses``, ``ipv6``, ``accept_ra``, ``tools``, ``forward_policy``,
    ``units``, ``own_content``, ``later_files``, ``packages_missing``);
    ``inputs`` the role variables by name, and ``unit``, ``unit_path`` and
    ``unit_content``: the name, the file and the rendered text of the boot
    unit that sets the FORWARD policy. The packages ``sysctl_info`` found
    missing are installed before the FORWARD policy is set: a tool they bring
    counts as there, with a policy to set. Returns a dict:

    - ``uplinks``: the interfaces that get accept_ra=2 (detected, then listed);
    - ``wanted``: ``[{'key', 'value'}]`` in the order they are applied;
    - ``report``: one line per interface found;
    - ``problems``: why the host cannot carry the settings (fail before any change);
    - ``overrides`` and ``override_message``: later files that override ours
      (empty unless ``sysctl_preflight`` is ``fail`` or ``warn``);
    - ``stop``: what stops the role before any change, ``problems`` and,
      with ``sysctl_preflight: fail``, ``override_message``; with ``warn``
      the message is the last line of ``report`` instead;
    - ``stale``: keys to remove from the role's file;
    - ``forward_policy_set``: the tools (``ip6tables``, ``iptables``) whose
      FORWARD policy is to be set to DROP (``forward_policy_changes``);
    - ``unit_enable``: whether the boot unit must be enabled
      (``unit_needs_enable``; the role enables it also after rewriting it);
    - ``unit_current``: whether the unit file on the host is the one the role
      writes already (``file_current``), so the template task is skipped;
    - ``apply``: the items of ``wanted`` that are not in the file and the
      kernel already (``settings_to_apply``);
    - ``install``: the packages to install (``packages`` the host lacks);
    - ``after_install``: the programs that need them (``sysctl``,
      ``ip6tables``, ``iptables``, ``nft``), which check mode cannot run;
    - with ``sysctl_forward_policy_backend: nftables`` (``nft_path`` and
      ``nft_content`` are the file of the role's nft table and its rendered
      text, ``nft_table`` what ``sysctl_info`` listed of it): ``nft_current``,
      whether the file is written already; ``nft_load``, whether the table
      is not in force (missing, or not the chain with policy drop), to load
      it even when the file is current; ``forward_policy_open``, the iptables
      FORWARD chains with policy DROP to set to ACCEPT;
    - otherwise ``nft_remove``: the role's table is loaded and must go, and
      ``nft_file_remove``: its file is there;
    - ``unit_remove``: without the FORWARD policy, the boot unit's file or
      its link (``unit_path``, ``unit_wants``, read in ``files``) is there;
    - ``file_create``: the role's file is missing, to create with its header;
    - ``changes``: what the write path has to do (``changes``), empty on a
      no-op.
    """
    detect = _flag(inputs.get("sysctl_accept_ra_detect"))
    listed = [str(dev) for dev in inputs.get("sysctl_accept_ra_interfaces") or ()]
    extra = inputs.get("sysctl_extra") or {}
    interfaces, ra_routes, static_defaults, dynamic, candidates = ra_findings(host)
    accept_ra = dict((str(k), str(v).strip()) for k, v in (host.get("accept_ra") or {}).items())
    detected = [dev for dev in candidates if accept_ra.get(dev) in ("1", "2")]
    uplinks = []
    for dev in (detected if detect else []) + listed:
        if dev not in uplinks:
            uplinks.append(dev)
    core, wanted = wanted_settings(uplinks, ipv4_forwarding(inputs), extra)

    problems = []
    if not host.get("ipv6", True):
        problems.append("the kernel has no IPv6 (booted with ipv6.disable=1?): remove that option and reboot")
    missing = [dev for dev in listed if dev not in interfaces]
    if missing:
        problems.append("sysctl_accept_ra_interfaces names interfaces this host does not have: " + ", ".join(missing))
    repeated = repeated_keys(core, extra)
    if repeated:
        problems.append("sysctl_extra repeats a key this role manages or another extra key: " + ", ".join(repeated))
    tools = host.get("tools") or {}
    install = [name for name in packages(inputs) if name in (host.get("packages_missing") or [])]
    no_tools = [tool for tool in forward_tools(inputs) if not tools.get(tool) and PROGRAM_PACKAGES[tool] not in install]
    if no_tools:
        problems.append(
            "sysctl_forward_policy_drop needs %s, which does not run on this host ('--version' failed) "
            "although the iptables package is installed: repair it (apt-get install --reinstall iptables) "
            "or set sysctl_forward_policy_drop: false" % " and ".join(no_tools)
        )

    preflight = inputs.get("sysctl_preflight", "fail")
    overrides = []
    if preflight != "skip":
        overrides = find_overrides(host.get("later_files") or [], wanted)
    drop = _flag(inputs.get("sysctl_forward_policy_drop"))
    nft = nftables(inputs)
    files = host.get("files") or {}
    result = {
        "uplinks": uplinks,
        "detected": detected,
        "wanted": [{"key": key, "value": value} for key, value in wanted],
        "report": ra_report(candidates, detected, accept_ra, ra_routes, dynamic, static_defaults, detect, listed),
        "problems": problems,
        "overrides": overrides,
        "override_message": override_message(overrides),
        "stale": stale_keys(host.get("own_content"), wanted),
        "forward_policy_set": forward_policy_changes(host, inputs),
        "unit_enable": drop and unit_needs_enable(host, inputs.get("unit")),
        "apply": settings_to_apply([{"key": key, "value": value} for key, value in wanted], host.get("own_content"), host.get("own_values")),
        "unit_current": drop and file_current(files.get(inputs.get("unit_path")), inputs.get("unit_content")),
        "install": install,
        "after_install": after_install(inputs, install),
        "nft_current": nft and file_current(files.get(inputs.get("nft_path")), inputs.get("nft_content")),
        "nft_load": nft and not nft_loaded(host.get("nft_table")),
        "forward_policy_open": forward_policy_opens(host, inputs),
        "nft_remove": not nft and host.get("nft_table") is not None,
        "nft_file_remove": not nft and files.get(inputs.get("nft_path")) is not None,
        "unit_remove": not drop and any(files.get(path) is not None for path in (inputs.get("unit_path"), inputs.get("unit_wants")) if path),
        "file_create": host.get("own_content") is None,
    }
    result["stop"] = problems + ([result["override_message"]] if overrides and preflight == "fail" else [])
    if overrides and preflight == "warn":
        result["report"].append("WARNING (sysctl_preflight: warn): " + result["override_message"])
    result["changes"] = changes(result, drop, nft)
    return result


def changes(planned, drop, nft):
    """What the role's write path has to do on the host, by the plan's names, in the order it does them; empty on a
    no-op, where the role skips the whole path as one task (tasks/main.yml).

    Each name stands for the plan keys of one or more tasks of the write path: ``install``, ``forward_policy_set``,
    ``nft_write`` (``nft_current`` false with the nftables backend), ``nft_load``, ``forward_policy_open``,
    ``nft_remove``, ``nft_file_remove``, ``unit_write`` (``unit_current`` false with the FORWARD policy),
    ``unit_enable``, ``unit_remove``, ``file_create``, ``apply`` and ``stale``. A task of the write path runs only
    for a name listed here. ``drop`` and ``nft`` say whether the role keeps the FORWARD policy, and whether with the
    nftables backend (``nftables``).
    """
    due = [
        ("install", bool(planned["install"])),
        ("forward_policy_set", bool(planned["forward_policy_set"])),
        ("nft_write", nft and not planned["nft_current"]),
        ("nft_load", bool(planned["nft_load"])),
        ("forward_policy_open", bool(planned["forward_policy_open"])),
        ("nft_remove", bool(planned["nft_remove"])),
        ("nft_file_remove", bool(planned["nft_file_remove"])),
        ("unit_write", drop and not planned["unit_current"]),
        ("unit_enable", bool(planned["unit_enable"])),
        ("unit_remove", bool(planned["unit_remove"])),
        ("file_create", bool(planned["file_create"])),
        ("apply", bool(planned["apply"])),
        ("stale", bool(planned["stale"])),
    ]
    return [name for name, needed in due if needed]
