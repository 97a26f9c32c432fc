#!/usr/bin/env bash
# Installs Magnetar into an Apache Pulsar installation:
#   plugins/*.nar          -> PULSAR_HOME/plugins/ (the offloader NAR to PULSAR_HOME/offloaders/)
#   lib/*.jar              -> PULSAR_HOME/lib/   (extension points Pulsar loads only from its classpath)
#   conf/magnetar.conf     -> appended to PULSAR_HOME/conf/broker.conf and conf/standalone.conf
#   -Dpulsar.extra.offload.drivers=magnetar-s3 -> PULSAR_HOME/conf/pulsar_env.sh and conf/pulsar_tools_env.sh
#   cliextensions/*.nar    -> PULSAR_HOME/cliextensions/ (pulsar-admin magnetar ...), registered in conf/client.conf
# Idempotent: a second run leaves the installation exactly as the first did. Re-running a newer
# Magnetar replaces the older files and the older conf block.
set -euo pipefail

usage() {
  echo "usage: $(basename "$0") PULSAR_HOME" >&2
  exit 2
}
[ $# -eq 1 ] || usage
[ "$1" != "-h" ] && [ "$1" != "--help" ] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$1"

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

[ -d "$target" ] || fail "'$target' is not a directory"
target="$(cd "$target" && pwd)"
missing=()
[ -x "$target/bin/pulsar" ] || missing+=("bin/pulsar")
[ -f "$target/conf/broker.conf" ] || missing+=("conf/broker.conf")
compgen -G "$target/lib/org.apache.pulsar-pulsar-broker-[0-9]*.jar" > /dev/null || missing+=("lib/org.apache.pulsar-pulsar-broker-*.jar")
if [ ${#missing[@]} -gt 0 ]; then
  fail "'$target' is not a Pulsar installation (missing: ${missing[*]})"
fi
compgen -G "$here/plugins/*.nar" > /dev/null || fail "no NARs in $here/plugins: run this script from an unpacked Magnetar package"

mkdir -p "$target/plugins"
rm -f "$target"/plugins/magnetar-*.nar "$target"/lib/magnetar-*.jar
# The offloader NAR goes to offloaders/, Pulsar's default offloadersDirectory: offload policies set per namespace
# or topic (admin CLI/REST) always carry offloadersDirectory=./offloaders, which wins over broker.conf, and one
# directory means one loaded factory (one memory budget, one set of metrics) for the broker and every namespace.
mkdir -p "$target/offloaders"
rm -f "$target"/offloaders/magnetar-*.nar
for nar in "$here"/plugins/*.nar; do
  case "$(basename "$nar")" in
    magnetar-tiered-offload-*) cp -p "$nar" "$target/offloaders/" ;;
    *) cp -p "$nar" "$target/plugins/" ;;
  esac
done
cp -p "$here"/lib/*.jar "$target/lib/"

block="$here/conf/magnetar.conf"
for conf in "$target/conf/broker.conf" "$target/conf/standalone.conf"; do
  [ -f "$conf" ] || continue
  tmp="$(mktemp "$conf.XXXXXX")"
  # Drop an earlier Magnetar block, then append the current one.
  awk '/^# BEGIN magnetar$/ {skip=1} !skip {print} /^# END magnetar$/ {skip=0}' "$conf" > "$tmp"
  if [ -s "$tmp" ] && [ -n "$(tail -c1 "$tmp")" ]; then echo >> "$tmp"; fi
  cat "$block" >> "$tmp"
  chmod --reference="$conf" "$tmp" 2>/dev/null || true
  mv "$tmp" "$conf"
done

# The offload driver name magnetar-s3 must be in -Dpulsar.extra.offload.drivers for the broker and the admin CLI
# to accept it (Pulsar validates driver names against a list fixed at JVM start). bin/pulsar sources
# conf/pulsar_env.sh; bin/pulsar-admin and the other tools source conf/pulsar_tools_env.sh.
env_block() {
  cat <<'BLOCK'
# BEGIN magnetar
# Added by Magnetar's install.sh: lets the broker and the admin CLI accept the offload driver magnetar-s3.
case "${PULSAR_EXTRA_OPTS:-}" in
  *-Dpulsar.extra.offload.drivers=*magnetar-s3*) ;;
  *-Dpulsar.extra.offload.drivers=*)
    PULSAR_EXTRA_OPTS="${PULSAR_EXTRA_OPTS/-Dpulsar.extra.offload.drivers=/-Dpulsar.extra.offload.drivers=magnetar-s3,}" ;;
  *) PULSAR_EXTRA_OPTS="${PULSAR_EXTRA_OPTS:-} -Dpulsar.extra.offload.drivers=magnetar-s3" ;;
esac
# END magnetar
BLOCK
}
for envfile in "$target/conf/pulsar_env.sh" "$target/conf/pulsar_tools_env.sh"; do
  [ -f "$envfile" ] || continue
  tmp="$(mktemp "$envfile.XXXXXX")"
  awk '/^# BEGIN magnetar$/ {skip=1} !skip {print} /^# END magnetar$/ {skip=0}' "$envfile" > "$tmp"
  if [ -s "$tmp" ] && [ -n "$(tail -c1 "$tmp")" ]; then echo >> "$tmp"; fi
  env_block >> "$tmp"
  chmod --reference="$envfile" "$tmp" 2>/dev/null || true
  mv "$tmp" "$envfile"
done

# pulsar-admin's extension (PIP-201): the NAR into the directory conf/client.conf names (cliExtensionsDirectory,
# default cliextensions, relative to PULSAR_HOME where bin/pulsar-admin runs), magnetar added to
# customCommandFactories. The block at the end of client.conf wins over earlier lines, so it repeats any factory
# the operator had listed and any directory the operator had chosen.
client_conf="$target/conf/client.conf"
if [ -f "$client_conf" ] && compgen -G "$here/cliextensions/*.nar" > /dev/null; then
  tmp="$(mktemp "$client_conf.XXXXXX")"
  awk '/^# BEGIN magnetar$/ {skip=1} !skip {print} /^# END magnetar$/ {skip=0}' "$client_conf" > "$tmp"
  last_value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$tmp" | tail -1 | sed 's/[[:space:]]*$//'; }
  factories="$(last_value customCommandFactories)"
  ext_dir="$(last_value cliExtensionsDirectory)"
  ext_dir="${ext_dir:-cliextensions}"
  case ",$factories," in
    *,magnetar,*) ;;
    ,,) factories=magnetar ;;
    *) factories="$factories,magnetar" ;;
  esac
  case "$ext_dir" in
    /*) ext_path="$ext_dir" ;;
    *) ext_path="$target/$ext_dir" ;;
  esac
  mkdir -p "$ext_path"
  rm -f "$ext_path"/magnetar-*.nar
  cp -p "$here"/cliextensions/*.nar "$ext_path/"
  if [ -s "$tmp" ] && [ -n "$(tail -c1 "$tmp")" ]; then echo >> "$tmp"; fi
  cat >> "$tmp" <<BLOCK
# BEGIN magnetar
# Added by Magnetar's install.sh: pulsar-admin magnetar features|retry|dlq ... (the NAR in $ext_dir/)
customCommandFactories=$factories
cliExtensionsDirectory=$ext_dir
# END magnetar
BLOCK
  chmod --reference="$client_conf" "$tmp" 2>/dev/null || true
  mv "$tmp" "$client_conf"
fi

echo "Magnetar installed into $target"
echo "  plugins: $(cd "$target/plugins" && ls magnetar-*.nar | tr '\n' ' ')"
echo "  offloaders: $(cd "$target/offloaders" && ls magnetar-*.nar | tr '\n' ' ')"
echo "  lib:     $(cd "$target/lib" && ls magnetar-*.jar | tr '\n' ' ')"
echo "  conf:    Magnetar block in conf/broker.conf and conf/standalone.conf;"
echo "           offload driver magnetar-s3 registered in conf/pulsar_env.sh and conf/pulsar_tools_env.sh"
[ -f "$client_conf" ] && echo "  pulsar-admin: bin/pulsar-admin magnetar ... (registered in conf/client.conf)"
echo "Restart the brokers, then switch features on per tenant: bin/magnetar features set TENANT delay=on"
