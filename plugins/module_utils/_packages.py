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


def missing_on_host(module, packages):
    """The ``packages`` dpkg does not report installed, read on the host with ``module``; no command for none."""
    if not packages:
        return []
    rc, out, err = module.run_command(query_argv(packages))
    # dpkg-query exits 1 when it has never heard of one of them, which is not an error.
    if rc > 1:
        module.fail_json(msg="'dpkg-query --show' failed (rc=%d): %s" % (rc, (err or out).strip()))
    return missing(out, packages)


# --------------------------------------------------------------------------
# When apt cannot install them
# --------------------------------------------------------------------------

# The resolver systemd-resolved puts into /etc/resolv.conf (its stub).
RESOLVED_STUB = ("127.0.0.53", "127.0.0.54")
# The lines apt prints about what went wrong: "E: Unable to locate package",
# "Err:1 http://... bookworm InRelease", "W: Failed to fetch ...", and the
# resolver's or the connection's own words that follow an Err: line.
_APT_PROBLEM_PREFIXES = ("E:", "Err:", "W:")
_APT_DETAIL_WORDS = (
    "Temporary failure resolving",
    "Could not resolve",
    "Could not connect",
    "Unable to connect",
    "Network is unreachable",
    "Connection timed out",
    "No route to host",
)


def nameservers(text):
    """The ``nameserver`` addresses of a resolv.conf text, in order, each once."""
    servers = []
    for raw in (text or "").splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "nameserver" and fields[1] not in servers:
            servers.append(fields[1])
    return servers


def apt_problems(result):
    """apt's own words about a failure, out of a failed apt task result (or a list of results, say the failed
    install and an ``apt-get update`` run after it): its ``E:``, ``Err:`` and ``W:`` lines and the resolver's or the
    connection's error, each once, in order. ``[]`` when there are none."""
    results = result if isinstance(result, (list, tuple)) else [result]
    texts = []
    for item in results:
        item = item if isinstance(item, dict) else {}
        texts += [item.get(key) for key in ("msg", "stderr", "stdout", "module_stderr", "module_stdout")]
    lines = []
    for text in texts:
        if not isinstance(text, str):
            continue
        for raw in text.splitlines():
            line = " ".join(raw.split())
            if not line:
                continue
            if line.startswith(_APT_PROBLEM_PREFIXES) or any(word in line for word in _APT_DETAIL_WORDS):
                if line not in lines:
                    lines.append(line)
    return lines


def resolver_text(resolv_conf):
    """How this host resolves names, for a message: its nameservers from ``/etc/resolv.conf``."""
    if resolv_conf is None:
        return "no resolver (/etc/resolv.conf could not be read)"
    servers = nameservers(resolv_conf)
    if not servers:
        return "no resolver (/etc/resolv.conf has no nameserver line)"
    text = ", ".join(servers)
    if all(server in RESOLVED_STUB for server in servers):
        text += " (systemd-resolved's stub; `resolvectl status` shows the servers it asks)"
    return text + " (from /etc/resolv.conf)"


def install_failure(packages, result, resolv_conf, who):
    """The failure of a role whose package install failed: the packages, apt's words, the resolver, what to do.

    ``packages`` are the missing packages the role tried to install, ``result`` the failed apt task result (or a
    list: that result and what a later ``apt-get update`` printed, which names the mirror), ``resolv_conf`` the text
    of the host's ``/etc/resolv.conf`` (``None`` when it could not be read) and ``who`` the role, as the message
    names it.
    """
    names = ", ".join(str(name) for name in packages or []) or "its packages"
    first = (result[0] if result else {}) if isinstance(result, (list, tuple)) else result
    said = apt_problems(result) or [" ".join(str((first or {}).get("msg") or "no message").split())]
    return (
        "%s needs %s, not installed on this host, and apt could not install %s: %s. apt resolved the mirror's "
        "name with %s. An IPv6-only host reaches the Debian mirror only through NAT64 and a DNS64 resolver: "
        "run site.yml, whose ipv6ready.docker.nat64_client role points the host at the fleet's DNS64 resolvers "
        "before this role runs, or install %s yourself."
        % (who, names, "it" if len(packages or []) == 1 else "them", " | ".join(said), resolver_text(resolv_conf), names)
    )
