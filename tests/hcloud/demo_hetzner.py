# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Hetzner journey on the twin (``make demo-hetzner``): what a user does, end to end.

1. the twin's API on loopback (``fake_hcloud.py --real``, its own process);
2. ``ipv6ready.docker.hcloud_provision``, unchanged, against it: a gateway and
   two IPv6-only Docker hosts (one debian-13, one debian-12: the playbook takes
   one image per run, so the second run raises the count with the other image);
3. ``ansible-inventory -i inventories/hcloud.yml`` lists them, Ansible reaches
   them over SSH on their IPv6 addresses;
4. the seed's mail from the bare hosts fails (ENETUNREACH);
5. ``site.yml`` on the bare hosts, with the group_vars the provisioning wrote
   and what docs/hetzner.md tells a user to set; everything comes through
   NAT64/DNS64, Docker included;
6. the seed's client (Ruby's Net::SMTP in an app container) without the fix
   fails, with it the mail is delivered;
7. a second ``site.yml`` reports changed=0;
8. ``hcloud_teardown`` with the confirmation; the API's state is empty, and
   once the twin stops nothing of it is left on this host.

Usage: demo_hetzner.py [all|down]. KEEP=1 keeps the fleet and the twin up after
step 7 (``demo_hetzner.py down``, i.e. ``make demo-hetzner-down``, removes
them). IPV6READY_TWIN names the twin instance (default ``demo``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
FLEET = "ipv6ready"  # the label_selector of inventories/hcloud.yml
RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
STARTED = time.monotonic()
STEP = {"name": None, "start": None}
TWIN = {"process": None}  # the twin's process, when this run started it
TIMES = []

# Where the helpers below work: the twin instance and the output directory of this journey, or of the demo
# that imports them (use()).
INSTANCE = OUT = STATE = GROUP_VARS = None
INVENTORY = []


def use(instance, out):
    """Point the helpers at a twin instance and an output directory (demo_failover.py and demo_ipv6only.py
    call it with theirs)."""
    global INSTANCE, OUT, STATE, GROUP_VARS, INVENTORY  # pylint: disable=global-statement
    INSTANCE, OUT = instance, out
    STATE = out / "twin.json"
    GROUP_VARS = out / "inventory" / "group_vars" / "all" / "hcloud_fleet.yml"
    INVENTORY = ["-i", str(ROOT / "inventories" / "hcloud.yml"), "-i", str(out / "inventory")]


use(os.environ.get("IPV6READY_TWIN", "demo"), ROOT / "tests" / "output" / "demo-hetzner")


class JourneyError(RuntimeError):
    """A step did not do what it must."""


def step(name):
    """Start a step: print the previous one's time, then this one's banner."""
    now = time.monotonic()
    if STEP["name"] is not None:
        TIMES.append((STEP["name"], now - STEP["start"]))
        print("--- %s: %.0f s" % (STEP["name"], now - STEP["start"]), flush=True)
    STEP.update(name=name, start=now)
    if name is not None:
        print("\n=== [%4.0f s] %s" % (now - STARTED, name), flush=True)


def run_steps(demo, steps, first=0):
    """Run ``steps`` (``[(banner, action)]``) from number ``first`` on, each timed; then print the step times.
    False, once it has printed which step failed and why, when one raised JourneyError or a command failed."""
    try:
        for number, (name, action) in enumerate(steps):
            if number < first:
                continue
            step(name)
            action()
        step(None)
    except (JourneyError, subprocess.CalledProcessError) as exc:
        step(None)
        print('\n%s: FAILED at "%s": %s' % (demo, TIMES[-1][0] if TIMES else "?", exc), flush=True)
        return False
    print("\nstep times: %s" % ", ".join("%.0f s" % seconds for _name, seconds in TIMES))
    return True


def check(condition, message):
    """Go on (printing ``ok: message``) if ``condition`` holds; else the step fails with ``message``."""
    if not condition:
        raise JourneyError(message)
    print("ok: %s" % message, flush=True)


def collections_path(out):
    """Where Ansible finds ipv6ready.docker: IPV6READY_COLLECTIONS_PATH (the collection installed from its
    tarball, as a user has it: make demo-hetzner), else ``out``/collections with a link to this checkout."""
    if os.environ.get("IPV6READY_COLLECTIONS_PATH"):
        return Path(os.environ["IPV6READY_COLLECTIONS_PATH"])
    collections = out / "collections"
    link = collections / "ansible_collections" / "ipv6ready" / "docker"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    return collections


def env(state):
    """The environment of every Ansible command: the twin's endpoint and token, ipv6ready.docker (installed
    from its tarball in IPV6READY_COLLECTIONS_PATH, as a user has it; else this checkout), SSH to the servers
    with the journey's key (their host keys are new every run) and a keepalive that drops the connection to
    a server that stops answering (powered off, frozen) within 15 s, so that the next command connects anew."""
    collections = collections_path(OUT)
    result = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy") and not key.startswith(("ANSIBLE_", "HCLOUD_"))}
    result.update(
        {
            "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "")),
            "HCLOUD_TOKEN": state["token"],
            "HCLOUD_ENDPOINT": state["endpoint"],
            "NO_PROXY": "127.0.0.1,localhost",
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "ANSIBLE_PRIVATE_KEY_FILE": str(OUT / "id_ed25519"),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_SSH_ARGS": "-o UserKnownHostsFile=%s -o ControlMaster=auto -o ControlPersist=120s "
            "-o ServerAliveInterval=5 -o ServerAliveCountMax=3" % (OUT / "known_hosts"),
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_FORKS": "10",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_REMOTE_TMP": "/root/.ansible/tmp",
            "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml",
            "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
        }
    )
    return result


def ansible(state, command, *args, capture=False, check=True):
    """Run an Ansible command from the checkout and return its result; echo its output (unless ``capture``:
    then only if it fails) and its wall time. With ``check`` (the default), a failure fails the step."""
    argv = [str(BIN / command), *map(str, args)]
    print("$ %s" % " ".join(argv[:1] + [a if len(a) < 100 else a[:97] + "..." for a in argv[1:]]), flush=True)
    started = time.monotonic()
    result = subprocess.run(argv, cwd=ROOT, env=env(state), check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not capture:
        sys.stdout.write(result.stdout)
    print("(%s: %.0f s)" % (command, time.monotonic() - started), flush=True)
    if check and result.returncode != 0:
        if capture:
            sys.stdout.write(result.stdout)
        raise JourneyError("%s failed (rc %d)" % (command, result.returncode))
    return result


def reach(state):
    """Wait until Ansible reaches every host of the inventory over SSH."""
    ansible(state, "ansible", "all", *INVENTORY, "-m", "ansible.builtin.wait_for_connection", "-a", "timeout=180", "-o")


def said(result, text):
    """Whether a run printed ``text`` (the YAML callback folds long lines: compare with the blanks collapsed)."""
    return " ".join(text.split()) in " ".join(result.stdout.split())


def recap(result):
    """{host: (ok, changed, unreachable, failed)} of a playbook run."""
    return {host: tuple(int(item) for item in numbers) for host, *numbers in RECAP_RE.findall(result.stdout)}


def api(state, path):
    """GET ``path`` from the twin's API: the answer's JSON."""
    request = urllib.request.Request(state["endpoint"] + path, headers={"Authorization": "Bearer " + state["token"]})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())


def servers(state):
    """{name: server} in the twin's API."""
    return {item["name"]: item for item in api(state, "/servers?per_page=50")["servers"]}


# -- the twin's process ----------------------------------------------------------------------------

IMAGES = "Build the twin's server images (once; skipped when present)"


def images():
    """The twin's server images (twin-image.sh: once, skipped when present)."""
    subprocess.run([str(HERE / "twin-image.sh")], check=True)


def start_twin():
    OUT.mkdir(parents=True, exist_ok=True)
    if STATE.exists():
        down()
    log = open(OUT / "twin.log", "w", encoding="utf-8")  # noqa: SIM115 (the daemon's log, kept open)
    argv = [
        sys.executable,
        str(HERE / "fake_hcloud.py"),
        "--real",
        "--instance",
        INSTANCE,
        "--port",
        "0",
        "--token",
        "twin-" + secrets.token_hex(16),
        "--state-file",
        str(STATE),
    ]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    TWIN["process"] = process
    deadline = time.monotonic() + 180
    while not STATE.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.stdout.write((OUT / "twin.log").read_text(encoding="utf-8"))
            raise JourneyError("the twin did not start (its log is above)")
        time.sleep(0.2)
    state = json.loads(STATE.read_text(encoding="utf-8"))
    twin = state["twin"]
    print(
        "twin %s: API %s (inside the twin: %s); IPv6 %s, IPv4 %s; this host is %s in it"
        % (INSTANCE, state["endpoint"], state["inside_endpoint"], twin["ipv6_block"], twin["ipv4_pool"], twin["host_address"])
    )
    return state


def down():
    """Stop the twin process this journey started (by the PID it wrote), then remove what is left of it."""
    if STATE.exists():
        state = json.loads(STATE.read_text(encoding="utf-8"))
        pid = state.get("pid")
        try:
            cmdline = Path("/proc/%d/cmdline" % pid).read_bytes().decode("utf-8", "replace")
        except (OSError, TypeError):
            cmdline = ""
        if "fake_hcloud.py" in cmdline and INSTANCE in cmdline:
            os.kill(pid, signal.SIGTERM)
            if TWIN["process"] is not None and TWIN["process"].pid == pid:
                TWIN["process"].wait(timeout=300)  # this run's child: reap it
            else:
                deadline = time.monotonic() + 300
                while Path("/proc/%d" % pid).exists() and time.monotonic() < deadline:
                    time.sleep(0.2)
        STATE.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(HERE / "fake_hcloud.py"), "--down", "--instance", INSTANCE], check=True)
    GROUP_VARS.unlink(missing_ok=True)


def leftovers():
    sys.path.insert(0, str(HERE))
    from twin import LABEL, run  # pylint: disable=import-outside-toplevel

    label = "%s=%s" % (LABEL, INSTANCE)
    found = run(["docker", "ps", "--all", "--format", "{{.Names}}", "--filter", "label=" + label]).split()
    found += [link["ifname"] for link in json.loads(run(["ip", "-json", "link", "show"]) or "[]") if link.get("ifalias") == label]
    return found


# -- the journey -----------------------------------------------------------------------------------


def fleet_settings(out, twin, group_vars, *more):
    """The user's side of docs/hetzner.md, step 4, in ``out``: an inventory directory with no hosts of its own
    (so that it parses; the provisioning writes its group_vars next to it), an SSH key, no known hosts left
    from an earlier run, and the settings file ``fleet.yml``; ``more`` are further lines of it. The controller's
    prefix is this host's end of the twin's link (on Hetzner: the prefixes you administer from)."""
    (out / "inventory").mkdir(parents=True, exist_ok=True)
    (out / "inventory" / "hosts.yml").write_text("---\n# The hosts come from inventories/hcloud.yml.\nall: {}\n", encoding="utf-8")
    key = out / "id_ed25519"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", out.name, "-f", str(key)], check=True)
    (out / "known_hosts").unlink(missing_ok=True)
    fleet = out / "fleet.yml"
    fleet.write_text(
        "\n".join(
            [
                "---",
                "hcloud_fleet_name: %s" % FLEET,
                'hcloud_fleet_ssh_source_ips: ["%s"]' % twin["host_link"],
                "hcloud_fleet_ssh_public_key_path: %s" % key.with_suffix(".pub"),
                "hcloud_fleet_group_vars_file: %s" % group_vars,
                *more,
                "",
            ]
        ),
        encoding="utf-8",
    )
    return fleet


def provision(state):
    fleet = fleet_settings(OUT, state["twin"], GROUP_VARS, "hcloud_fleet_location: nbg1")
    # The playbook takes one image for the whole fleet: the first run makes the gateway and the first Docker
    # host on debian-13 (the default), the second raises the count with debian-12 for the second host.
    for image, count in (("debian-13", 1), ("debian-12", 2)):
        ansible(
            state,
            "ansible-playbook",
            "ipv6ready.docker.hcloud_provision",
            "-e",
            "@%s" % fleet,
            "-e",
            "hcloud_fleet_image=%s" % image,
            "-e",
            "hcloud_fleet_docker_host_count=%d" % count,
        )
    found = servers(state)
    made = {name: item["image"]["name"] for name, item in found.items()}
    print("servers: %s" % ", ".join("%s (%s, %s)" % (name, made[name], item["public_net"]["ipv6"]["ip"]) for name, item in sorted(found.items())))
    expected = {FLEET + "-nat64": "debian-13", FLEET + "-docker-1": "debian-13", FLEET + "-docker-2": "debian-12"}
    if made != expected:
        raise JourneyError("the fleet is %s, not %s" % (made, expected))


def inventory(state):
    result = ansible(state, "ansible-inventory", *INVENTORY, "--list", capture=True)
    listed = json.loads(result.stdout[result.stdout.index("{") :])
    groups = {name: sorted(listed.get(name, {}).get("hosts", [])) for name in ("nat64_gateways", "docker_hosts")}
    print("groups: %s" % groups)
    if groups != {"nat64_gateways": [FLEET + "-nat64"], "docker_hosts": [FLEET + "-docker-1", FLEET + "-docker-2"]}:
        raise JourneyError("the inventory lists %s" % groups)
    for host, variables in sorted(listed["_meta"]["hostvars"].items()):
        address = variables["ansible_host"]
        address = address.get("__ansible_unsafe", address) if isinstance(address, dict) else address
        network = variables["hcloud_ipv6_network"]
        network = network.get("__ansible_unsafe", network) if isinstance(network, dict) else network
        print("%s: ssh root@%s (its /64: %s)" % (host, address, network))
        if not address.endswith("::1") or ":" not in address:
            raise JourneyError("%s is reached at %s, not at <prefix>::1 of its /64" % (host, address))
    reach(state)


def site_vars(state):
    """What docs/hetzner.md tells a user to set for site.yml, with the twin's values, in one file."""
    twin = state["twin"]
    path = OUT / "site-vars.yml"
    path.write_text(
        "\n".join(
            [
                "---",
                "# docs/hetzner.md, step 5: the IPv4-only service the fleet must reach (SendGrid on Hetzner).",
                "verify_dns64_name: %s" % twin["mail_name"],
                "verify_targets: [{host: %s, port: %d}]" % (twin["mail_name"], twin["smtp_port"]),
                "# docs/hetzner.md, step 5: DNS64 forwards to the provider's resolvers. On the twin that is the only",
                "# way to names (it has no DNS root), and its resolver does not sign, so DNSSEC is off.",
                'dns64_forwarders: ["%s"]' % twin["resolver"][0],
                "dns64_dnssec: false",
                "# The twin's Internet is documentation space, which the translator refuses by default (it translates",
                "# to global IPv4 addresses only): allow exactly that range. Hetzner's Internet needs no such line.",
                'nat64_gateway_ipv4_targets: ["%s"]' % twin["internet"],
                "",
            ]
        ),
        encoding="utf-8",
    )
    return path


def site(state, extra, again=False):
    args = [*INVENTORY, "ipv6ready.docker.site", *extra]
    if again:
        args += ["-e", "ipv6ready_canary=false"]
    result = ansible(state, "ansible-playbook", *args)
    hosts = recap(result)
    if sorted(hosts) != sorted([FLEET + "-nat64", FLEET + "-docker-1", FLEET + "-docker-2"]):
        raise JourneyError("site.yml ran on %s" % sorted(hosts))
    if again:
        changed = {host: numbers[1] for host, numbers in hosts.items() if numbers[1]}
        if changed:
            raise JourneyError("the second site.yml changed something: %s" % changed)
        print("second site.yml: changed=0 on every host")


def mail(state, phase):
    twin = state["twin"]
    report = OUT / "mail-report.txt"
    if phase == "after":
        report.unlink(missing_ok=True)
    ansible(
        state,
        "ansible-playbook",
        *INVENTORY,
        str(HERE / "journey" / "mail.yml"),
        "-e",
        "journey_phase=" + phase,
        "-e",
        "journey_mail_name=%s" % twin["mail_name"],
        "-e",
        "journey_smtp_port=%d" % twin["smtp_port"],
        "-e",
        "journey_provider_resolver=%s" % twin["resolver"][0],
        "-e",
        "journey_smtp_log=%s" % twin["smtp_log"],
        "-e",
        "journey_report=%s" % report,
    )
    if phase == "after":
        print(report.read_text(encoding="utf-8"), end="")


def teardown(state):
    ansible(
        state,
        "ansible-playbook",
        "ipv6ready.docker.hcloud_teardown",
        "-e",
        "hcloud_fleet_name=%s" % FLEET,
        "-e",
        "hcloud_fleet_teardown_confirm=%s" % FLEET,
        "-e",
        "hcloud_fleet_group_vars_file=%s" % GROUP_VARS,
    )
    kinds = ("servers", "firewalls", "ssh_keys", "primary_ips", "floating_ips")
    left = {kind: api(state, "/" + kind)[kind] for kind in kinds}
    left = {kind: [item.get("name") for item in items] for kind, items in left.items() if items}
    if left:
        raise JourneyError("the twin still has %s after the teardown" % left)
    if GROUP_VARS.exists():
        raise JourneyError("the teardown left %s" % GROUP_VARS)
    print("the twin's API state is empty")


def main(argv):
    what = argv[1] if len(argv) > 1 else "all"
    if what == "down":
        down()
        print("demo-hetzner: the twin %s is down" % INSTANCE)
        return 0
    # "from N": go on with step N against the twin a failed run kept (for work on the journey itself).
    first = int(argv[2]) if what == "from" else 0
    keep = os.environ.get("KEEP", "0") == "1"
    holder = {"state": json.loads(STATE.read_text(encoding="utf-8")) if first > 1 else None}
    extra = ["-e", "@%s" % (OUT / "site-vars.yml")]

    def begin():
        holder["state"] = start_twin()
        site_vars(holder["state"])

    steps = [
        (IMAGES, images),
        ("Start the twin: its API on loopback, its router, its Internet, its Debian mirror", begin),
        ("Provision with ipv6ready.docker.hcloud_provision (unchanged): a gateway, 2 IPv6-only Docker hosts", lambda: provision(holder["state"])),
        ("List the fleet with inventories/hcloud.yml and reach it over SSH on IPv6", lambda: inventory(holder["state"])),
        ("The incident on the bare hosts: mail to the IPv4-only SMTP server by name", lambda: mail(holder["state"], "before")),
        ("site.yml on the bare hosts (everything through NAT64/DNS64, Docker included)", lambda: site(holder["state"], extra)),
        ("The seed's client: Ruby's Net::SMTP in an app container, without and with the fix", lambda: mail(holder["state"], "after")),
        ("site.yml again: changed=0", lambda: site(holder["state"], extra, again=True)),
    ]
    finish = [
        ("Tear down with ipv6ready.docker.hcloud_teardown and the confirmation", lambda: teardown(holder["state"])),
        ("Stop the twin: nothing of it is left on this host", stop_and_check),
    ]
    if not run_steps("demo-hetzner", steps + ([] if keep else finish), first):
        if holder["state"] is not None:
            print("the twin is kept for a look (make demo-hetzner-down removes it); its log: %s" % (OUT / "twin.log"))
        return 1
    if keep:
        state = holder["state"]
        print(
            "\nKEEP=1: the fleet and the twin stay up. In this checkout:\n"
            "  export HCLOUD_ENDPOINT=%s HCLOUD_TOKEN=%s\n"
            "  ansible-inventory -i inventories/hcloud.yml -i %s --graph\n"
            "  ssh -i %s root@<address>\n"
            "Remove it all: make demo-hetzner-down" % (state["endpoint"], state["token"], OUT / "inventory", OUT / "id_ed25519")
        )
    print("demo-hetzner: passed in %.0f s" % (time.monotonic() - STARTED))
    return 0


def stop_and_check():
    down()
    left = leftovers()
    if left:
        raise JourneyError("the twin left %s behind" % left)
    print("no container, link or route of the twin %s is left" % INSTANCE)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
