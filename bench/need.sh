# Sourced by the benchmarks: `need PACKAGE COMMAND…` installs Debian's PACKAGE when a command is
# missing (updating the package lists first if the install fails on a fresh machine).
need() {
  local pkg=$1 missing=0 c
  shift
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$pkg" >/dev/null; }
}
