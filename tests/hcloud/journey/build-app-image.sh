#!/usr/bin/env bash
# Build the app image on a Docker host from the host's own Debian packages (no
# registry): Debian's ruby, its standard library and bundled gems (net-smtp),
# and the shared libraries they load.
# Usage: build-app-image.sh TAG   (does nothing when TAG exists)
set -euo pipefail
tag=$1
docker image inspect "$tag" >/dev/null 2>&1 && exit 0
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
ruby=$(readlink -f /usr/bin/ruby)
interpreter=$(dpkg -S "$ruby" | cut -d: -f1)
library=lib${interpreter}
for package in "$interpreter" "$library" rubygems-integration; do
    dpkg -L "$package" 2>/dev/null | while read -r path; do
        if [ -f "$path" ] && [ ! -L "$path" ]; then
            mkdir -p "$root$(dirname "$path")"
            cp -p "$path" "$root$path"
        elif [ -L "$path" ]; then
            mkdir -p "$root$(dirname "$path")"
            cp -P "$path" "$root$path"
        fi
    done
done
ln -sf "$(basename "$ruby")" "$root/usr/bin/ruby"
for file in "$ruby" $(dpkg -L "$library" | grep -E '\.so(\.[0-9.]+)?$'); do
    [ -f "$file" ] || continue
    for lib in $(ldd "$file" | grep -oE '/[^ ]+'); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
mkdir -p "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
tar -C "$root" -c . | docker import - "$tag" >/dev/null
docker run --rm "$tag" ruby -e 'require "net/smtp"; print RUBY_VERSION' >/dev/null
echo "built $tag"
