#!/bin/sh
# Debian packages geo needs, installed only when missing:
#   npm      - fetches the pinned web assets (Leaflet and friends) at set-up time
#   chromium - the browser tests (driven by Playwright with executable_path; never a
#              downloaded browser)
#   gdal-bin - ogrinfo, which the export tests use to read our GeoPackage and KML
# Usage: sh scripts/install-system-deps.sh [npm] [chromium] [gdal-bin]
set -eu
need=""
for pkg in "$@"; do
  case "$pkg" in
    npm) command -v npm >/dev/null 2>&1 || need="$need npm" ;;
    chromium) [ -x /usr/bin/chromium ] || need="$need chromium" ;;
    gdal-bin) command -v ogrinfo >/dev/null 2>&1 || need="$need gdal-bin" ;;
    *) echo "unknown package: $pkg" >&2; exit 2 ;;
  esac
done
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$need"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
