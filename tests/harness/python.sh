#!/usr/bin/env bash
# Print the path of a Python interpreter that can run the pinned toolchain:
#   python.sh [MIN_MINOR [oldest]]   (default 12: Python 3.12 or newer)
# With "oldest", the oldest suitable python3.N is preferred (the second venv
# that keeps the oldest supported ansible-core honest runs on it).
# The `ansible` 13/14 packages need Python >= 3.12; pip on an older Python
# silently offers nothing newer than `ansible` 12.
#
# Order: $IPV6READY_PYTHON if set, then the newest python3.N on PATH, then
# python3. A pyenv shim for a version that is installed but not selected is
# resolved through pyenv itself, so nothing has to be activated by hand.
set -euo pipefail
min_minor=${1:-12}
order=${2:-newest}

usable() {
    "$1" -c "import sys, venv; sys.exit(0 if sys.version_info >= (3, $min_minor) else 1)" >/dev/null 2>&1
}

resolve() {
    local cmd=$1 path version
    path=$(command -v "$cmd" 2>/dev/null) || return 1
    if usable "$path"; then
        echo "$path"
        return 0
    fi
    # A pyenv shim answers "command not found" unless its version is selected.
    if command -v pyenv >/dev/null 2>&1; then
        for version in $(pyenv whence "$cmd" 2>/dev/null | sort -rV); do
            path=$(PYENV_VERSION=$version pyenv which "$cmd" 2>/dev/null) || continue
            if usable "$path"; then
                echo "$path"
                return 0
            fi
        done
    fi
    return 1
}

if [ -n "${IPV6READY_PYTHON:-}" ]; then
    resolve "$IPV6READY_PYTHON" && exit 0
    echo "python.sh: IPV6READY_PYTHON=$IPV6READY_PYTHON is not Python 3.$min_minor or newer with venv" >&2
    exit 1
fi
if [ "$order" = oldest ]; then minors=$(seq "$min_minor" 20); else minors=$(seq 20 -1 "$min_minor"); fi
for minor in $minors; do
    resolve "python3.$minor" && exit 0
done
resolve python3 && exit 0

cat >&2 <<EOF
python.sh: no Python 3.$min_minor or newer found on PATH (tried python3.$min_minor to python3.20, and python3).
The toolchain pins ansible 14 (ansible-core 2.21), which needs Python >= 3.12.
Install one, e.g. 'apt-get install python3.13 python3.13-venv' on Debian 13,
or point IPV6READY_PYTHON at an interpreter.
EOF
exit 1
