#!/usr/bin/env bash
# Sets up everything the kiosk needs on a Debian/Ubuntu machine, then runs it.
#   ./run.sh [kiosk run options]   the kiosk; without options `kiosk run --demo` (a rehearsal, never a door)
#   ./run.sh test [pytest options] the test suite
# Set-up is repeated only when something is missing or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: Qt offscreen/xcb, QtMultimedia's sound, zbar (optional decoder), fonts with
# Vietnamese glyphs, Xvfb for screenshots, binutils for the PyInstaller build.
APT_PACKAGES=(
  libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 libpulse0
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxkbcommon-x11-0 libzbar0 fonts-noto-core binutils
)
VENV=${KIOSK_VENV:-.venv}

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

install_system_packages() {
  command -v dpkg-query >/dev/null || return 0   # not Debian: see README for other systems
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_packages() {
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    say "Python 3.11 or newer is needed (found $(python3 --version 2>&1))."; exit 1; }
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "Installing Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    touch "$stamp"
  fi
  "$VENV/bin/python" scripts/build_translations.py >/dev/null
}

install_system_packages
install_python_packages

case "${1:-}" in
  test)
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    if [ $# -eq 0 ]; then
      set -- --demo   # demo camera and demo mode: the made-up visitors pass, every screen says DEMO
      [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || set -- "$@" --headless
    fi
    exec "$VENV/bin/kiosk" run "$@"
    ;;
esac
