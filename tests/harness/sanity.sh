#!/usr/bin/env bash
# ansible-test sanity, with no ignore file, on a copy of the tracked files laid
# out as ansible_collections/ipv6ready/docker (ansible-test needs that path).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dest="$tree/ansible_collections/ipv6ready/docker"
mkdir -p "$dest"
# Tracked and new (not ignored) files only: what a fresh clone would hold.
(
    cd "$here"
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' file; do
              if [ -e "$file" ]; then printf '%s\0' "$file"; fi
          done \
        | tar --null -T - -cf -
) | tar -xf - -C "$dest"
# ansible-test downloads its pip bootstrap script from a host the test
# machines cannot reach; seed its cache with an ensurepip-based stand-in.
pip_version=$(python3 - <<'PY'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py').read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cp "$here/tests/harness/get_pip_offline.py" "$cache"
fi
cd "$dest"
git init -q && git add -A
if [ -e tests/sanity ]; then
    echo "sanity: tests/sanity must not exist (no ignore files)" >&2
    exit 1
fi
ansible-test sanity --venv --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no "$@"
