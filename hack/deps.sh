#!/usr/bin/env bash
# Installs the Debian packages that building and testing need, only when
# missing, so a second run costs nothing.
set -euo pipefail

# package -> a file that proves it is installed
declare -A want=(
	[libseccomp-dev]=/usr/include/seccomp.h
	[pkg-config]=/usr/bin/pkg-config
	[openssl]=/usr/bin/openssl # make demo: certificates
	[curl]=/usr/bin/curl       # make demo: readiness checks
	[auditd]=/usr/sbin/auditd  # test/auditd runs `auditd -n` for audit-record tests
	[secilc]=/usr/bin/secilc   # SelinuxProfile CIL is compiled against a base policy in tests
	[apparmor]=/sbin/apparmor_parser # AppArmor policy is compiled with apparmor_parser -QK in tests
	[nftables]=/usr/sbin/nft   # make cluster: kube-proxy's nftables mode runs nft
	[iproute2]=/bin/ip         # make cluster-down: removes the pod bridge
	[busybox-static]=/bin/busybox # make cluster: the spo.local/tools:dev image
)

missing=()
for pkg in "${!want[@]}"; do
	[[ -e ${want[$pkg]} ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing Debian packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
