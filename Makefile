# ipv6ready.docker developer commands. `make test` is the whole test suite;
# it is what CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# The second venv: the oldest ansible-core meta/runtime.yml claims. CI's core
# matrix points both at another release: VENV_OLDEST=.venv-core-2.20
# OLDEST_REQUIREMENTS=requirements-core-2.20.txt.
VENV_OLDEST ?= .venv-oldest
OLDEST_REQUIREMENTS ?= requirements-oldest.txt
export PATH := $(abspath $(VENV))/bin:$(PATH)
SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: test behaviour venv venv-newest lock oldest images platforms bpf lint docs install-test ee demo demo-down demo-test demo-fleet demo-kamal demo-hetzner demo-hetzner-down demo-failover demo-failover-down demo-ipv6only demo-ipv6only-down twin-images bench bench-nat64 bench-scaleout bench-site hcloud sanity unit conformance molecule $(addprefix molecule-,$(SCENARIOS)) clean

# The unit tests first (they stop a broken tree in seconds); then everything
# else in three lanes at once (tests/harness/lanes.sh), each lane's targets one
# after the other: the containers and the lab, the Hetzner twin (the shortest
# Molecule scenario after it evens the lanes out; the failover run comes last),
# and the static checks. Why, and what it costs: docs/testing.md.
# `make TARGET` runs any of them alone.
test: venv unit bpf  ## everything CI runs
	MAKE="$(MAKE)" tests/harness/lanes.sh "$(LANE_CONTAINERS)" "$(LANE_TWIN)" "$(LANE_CHECKS)"

LANE_TWIN_MOLECULE ?= gai_policy
LANE_CONTAINERS ?= $(addprefix molecule-,$(filter-out $(LANE_TWIN_MOLECULE),$(SCENARIOS))) conformance demo-test demo-fleet demo-kamal
LANE_TWIN ?= demo-hetzner demo-ipv6only demo-failover $(addprefix molecule-,$(LANE_TWIN_MOLECULE))
LANE_CHECKS ?= lint hcloud sanity oldest install-test
behaviour: venv bpf  ## Molecule, the conformance test, the lab and the Hetzner twin, in two lanes at once (logs in tests/output/lanes/)
	MAKE="$(MAKE)" tests/harness/lanes.sh "$(LANE_CONTAINERS)" "$(LANE_TWIN)"


# Python >= 3.12 (the newest python3.N on PATH, or IPV6READY_PYTHON); the
# venv is rebuilt from scratch whenever the lock changes. It installs from the
# lock only (every package pinned, with hashes): see `make lock`.
venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	py=$$(tests/harness/python.sh 12) && "$$py" -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-dev.txt
	touch $@

$(VENV_OLDEST)/.installed: $(OLDEST_REQUIREMENTS)
	py=$$(tests/harness/python.sh 12 oldest) && "$$py" -m venv --clear $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/python -m pip install --quiet --no-deps --require-hashes -r $(OLDEST_REQUIREMENTS)
	touch $@

# The newest versions instead of the lock: every package of requirements-dev.in
# by name only, whatever PyPI has today. The scheduled "newest" CI job runs
# lint, unit, hcloud and sanity on it, so that upstream drift shows up there
# and not on main.
venv-newest:  ## .venv from requirements-dev.in with every version pin dropped (the "newest" CI job)
	py=$$(tests/harness/python.sh 12) && "$$py" -m venv --clear $(VENV)
	sed -E -e 's/#.*//' -e 's/[<>=!~;].*//' -e '/^[[:space:]]*$$/d' requirements-dev.in > $(VENV)/newest.txt
	$(PY) -m pip install --quiet --upgrade -r $(VENV)/newest.txt
	$(PY) -m pip freeze > $(VENV)/newest-freeze.txt
	touch $(VENV)/.installed

# The lock files: each requirements-*.in (the packages we ask for by name)
# resolved by uv into requirements-*.txt, every transitive package pinned with
# its hashes, for every Python from 3.12 on. `make lock` keeps the versions
# already locked where the .in still allows them; `make lock UPGRADE=1` takes
# the newest versions the .in files allow.
LOCKS := $(patsubst %.in,%.txt,$(wildcard requirements-*.in))
lock: venv  ## regenerate the lock files from requirements-*.in (UPGRADE=1: newest allowed versions)
	for lock in $(LOCKS); do \
	    $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.12 --generate-hashes \
	        $(if $(UPGRADE),--upgrade) --custom-compile-command 'make lock' "$${lock%.txt}.in" -o "$$lock" || exit 1; \
	done

oldest: $(VENV_OLDEST)/.installed  ## unit tests and sanity under the oldest supported ansible-core
	PATH=$(abspath $(VENV_OLDEST))/bin:$$PATH python -m pytest tests/unit -q -p no:cacheprovider
	PATH=$(abspath $(VENV_OLDEST))/bin:$$PATH tests/harness/sanity.sh

images: venv  ## build the registry-free test images of tests/platforms.yml
	tests/harness/build-images.sh

# The tc-BPF translator the collection ships (roles/nat64_gateway/files/
# nat64_bpf-<hash>.o, ignored by git, in the tarball), so that gateways need no
# compiler. Everything that deploys the role or builds the tarball needs it.
bpf: venv  ## build the shipped tc-BPF translator object (host clang, or a container)
	tests/harness/build-bpf.sh

platforms: venv  ## regenerate the Molecule platform lists from tests/platforms.yml
	$(PY) tests/harness/platforms.py write

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	yamllint --strict .
	actionlint
	ansible-lint --profile production
	$(PY) tests/harness/readme_docs.py --check
	$(PY) tests/harness/docs_check.py
	$(PY) tests/harness/platforms.py check
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

docs: venv  ## regenerate the generated docs: role variables, plugin options, engine table (make lint checks them)
	$(PY) tests/harness/readme_docs.py

unit: venv
	$(PY) -m pytest tests/unit -q

hcloud: venv  ## provisioning, inventory and teardown against a fake Hetzner API on 127.0.0.1 (one test per CPU at a time, each with a fake of its own)
	$(PY) -m pytest tests/hcloud -q -n auto

sanity: venv
	tests/harness/sanity.sh

molecule: $(addprefix molecule-,$(SCENARIOS))

# Jool's graybox vectors (RFC 7915, NAT64) against both NAT64 engines as the
# nat64_gateway role deploys them. The vectors are not in this repository:
# IPV6READY_JOOL_GRAYBOX, default ../shared/jool-graybox; missing vectors fail.
conformance: venv bpf  ## NAT64 conformance: Jool's graybox vectors against both engines (containers conf-gw-*)
	$(PY) tests/conformance/run.py

$(addprefix molecule-,$(SCENARIOS)): molecule-%: venv images bpf
	tests/harness/molecule.sh $*

demo: venv bpf  ## the lab: incident, site.yml, fix (LAB_HOSTS=N, default 2)
	lab/demo.sh

demo-down:  ## remove the lab
	lab/demo.sh down

demo-test: venv bpf  ## the demo end to end with the collection installed from its tarball, lab removed afterwards
	path=$$(tests/harness/install-test.sh install tests/output/installed) && LAB_COLLECTIONS_PATH=$$path LAB_DOWN=1 lab/demo.sh

demo-fleet: venv bpf  ## rollouts that stop at a failing host: refused by the gateway, then a rejected engine config (3 lab hosts; removes the lab)
	lab/fleet-test.sh

install-test: venv bpf  ## build the tarball, install it, and use only the installed copy (docs, playbooks by FQCN, hcloud, EE context)
	tests/harness/install-test.sh

ee: venv bpf  ## the execution environment's build context: dist/ipv6ready-docker.tar.gz, tests/output/ee/context
	tests/harness/install-test.sh ee

demo-kamal: venv bpf  ## Kamal's own network: adopted by site.yml as it is, then recreated with force (1 lab host; removes the lab)
	lab/kamal-test.sh

twin-images:  ## the Hetzner twin's server images (debian-12, debian-13 minus cloud-init), once
	tests/hcloud/twin-image.sh

demo-hetzner: venv bpf  ## the Hetzner journey on the twin with the collection installed from its tarball: provision, site.yml over SSH, the Ruby app's mail, teardown (KEEP=1 keeps it up)
	path=$$(tests/harness/install-test.sh install tests/output/demo-hetzner/installed) && IPV6READY_COLLECTIONS_PATH=$$path $(PY) tests/hcloud/demo_hetzner.py

demo-hetzner-down: venv  ## remove the twin and fleet that `make demo-hetzner KEEP=1` left up
	$(PY) tests/hcloud/demo_hetzner.py down

demo-failover: venv bpf  ## two gateways on the twin: failover measured (one mail a second, a gateway killed), comeback, split brain (KEEP=1 keeps it up)
	$(PY) tests/hcloud/demo_failover.py

demo-ipv6only: venv bpf  ## a dual-stack fleet on the twin moved to IPv6-only: refusals, a failed rehearsal, a rollback, the move, the reverse
	$(PY) tests/hcloud/demo_ipv6only.py

demo-ipv6only-down: venv  ## remove the twin that `make demo-ipv6only KEEP=1` (or a failed run) left up
	$(PY) tests/hcloud/demo_ipv6only.py down

demo-failover-down: venv  ## remove the twin and fleet that `make demo-failover KEEP=1` left up
	$(PY) tests/hcloud/demo_failover.py down

bench: bench-nat64 bench-scaleout bench-site  ## the benchmarks (not part of `make test`)

bench-nat64: bpf  ## NAT64/DNS64 throughput and latency (root; network namespaces)
	bench/nat64/run.sh

bench-scaleout: venv bpf  ## aggregate NAT64 throughput of two gateways against one, behind floating /64s (root; network namespaces)
	bench/scaleout/run.sh

bench-site: venv bpf  ## site.yml on 10 lab hosts: first converge, no-op re-run, against `ansible -m ping`
	bench/site/run.sh

clean:
	rm -rf $(VENV) $(VENV_OLDEST) .venv-core-* tests/output .ansible dist
