#!/usr/bin/env bash
# Installs the Debian packages Sluice's build and tests need, and only those that are missing:
# on a machine that has them all it changes nothing and does not touch the network. Safe to run again.
# Add a package to PACKAGES (or a command to COMMANDS) with a word on who needs it.
set -euo pipefail

PACKAGES=(
  libatomic1                        # native modules' runtime dependency
  golang-github-mesos-mesos-go-dev  # Mesos .proto definitions
  golang-github-gogo-protobuf-dev   # gogo.proto, imported by the Mesos .proto files
)

# Commands the integration and e2e tests need (a real Kafka and ZooKeeper from Maven Central jars, a
# browser), and the package that provides each if the command is missing. A JDK, Maven or Chromium
# installed another way is fine.
declare -A COMMANDS=(
  [java]=openjdk-17-jdk-headless  # JDK 17+
  [mvn]=maven                     # Maven 3.8+
  [chromium]=chromium             # the dashboard's browser test (driven by playwright-core)
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
for command in "${!COMMANDS[@]}"; do
  if ! command -v "$command" >/dev/null 2>&1; then
    missing+=("${COMMANDS[$command]}")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "system packages: all present"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
