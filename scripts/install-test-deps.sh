#!/usr/bin/env bash
# Installs the Debian packages the integration tests talk to, when missing.
# The tests start their own servers (nginx, nsd, openssl s_server) on
# loopback ports and their own network namespaces; nothing here starts a
# system service.
set -euo pipefail

packages=(
  nginx-light      # nginx -t on every nginx fixture; TLS/HTTP test servers
  openssl          # s_server for TLS tests, certificate generation
  nsd              # authoritative DNS server for the DNS tests
  nftables         # real rulesets inside test network namespaces
  iproute2         # ip netns / veth for firewall tests
  busybox-static   # static binary for FROM-scratch test images
  chromium         # headless browser that opens the HTML report
  prometheus       # promtool check metrics
  docker-compose   # oracle: `docker-compose config` on the multi-file compose fixtures
  ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Oracle for tests/yaml.rs: PyYAML built on libyaml, for the `python3` on
# PATH (the tests cross-check every YAML case against libyaml through it).
if ! python3 -c 'import yaml; assert yaml.__with_libyaml__' 2>/dev/null; then
  echo "installing: PyYAML (with libyaml) for $(command -v python3)" >&2
  python3 -m pip install --quiet pyyaml >/dev/null || echo "PyYAML could not be installed: the libyaml cross-check will be skipped" >&2
fi
