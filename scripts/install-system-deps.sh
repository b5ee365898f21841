#!/bin/sh
# Debian packages the tests use: Chromium (browser tests, driven by Playwright with
# executable_path, never a downloaded browser) and gdal-bin (ogrinfo reads our exports).
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v ogrinfo >/dev/null 2>&1 || need="$need gdal-bin"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$need"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
