#!/usr/bin/env bash
# Make sure the services the tests use are there: PostgreSQL on loopback, Debian's Chromium and a
# Java runtime for Spark.
# As root (as in CI) it installs them from Debian's packages; otherwise it says what is missing.
# Prints the shell lines to export DOZOR_TEST_DATABASE_URL and DOZOR_CHROMIUM.
set -euo pipefail

PG_USER=dozor_test
PG_PASSWORD=dozor_test
PG_PORT=${DOZOR_TEST_PG_PORT:-5432}

log() { echo "services: $*" >&2; }

need_install=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_install+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_install+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need_install+=(gettext)
# The Spark engine of linkage (pyspark, in the dev extra) runs on a Java 17 runtime.
command -v java >/dev/null 2>&1 || need_install+=(openjdk-17-jre-headless)
# Dossier PDFs: WeasyPrint needs Pango; the tests read the PDFs with poppler's pdftotext/pdftoppm.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; do
  dpkg -s "$package" >/dev/null 2>&1 || need_install+=("$package")
done
if ((${#need_install[@]})); then
  if [ "$(id -u)" != 0 ]; then
    log "missing: ${need_install[*]}. Install them (sudo apt-get install ${need_install[*]}) and run again."
    exit 1
  fi
  log "installing ${need_install[*]} from Debian's packages ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" fonts-dejavu-core >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  if [ "$(id -u)" = 0 ]; then
    log "creating a PostgreSQL $version cluster ..."
    pg_createcluster "$version" main >&2
  else
    log "no PostgreSQL cluster; create one (sudo pg_createcluster $version main)."; exit 1
  fi
fi
read -r cluster_version cluster_name cluster_port cluster_status _ < <(pg_lsclusters -h | head -n 1)
PG_PORT=$cluster_port
if [ "$cluster_status" != online ]; then
  if [ "$(id -u)" = 0 ]; then
    log "starting PostgreSQL $cluster_version/$cluster_name on port $PG_PORT ..."
    pg_ctlcluster "$cluster_version" "$cluster_name" start >&2
  else
    log "PostgreSQL is not running; start it (sudo pg_ctlcluster $cluster_version $cluster_name start)."; exit 1
  fi
fi
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SQL
  if ! runuser -u postgres -- psql -p "$PG_PORT" -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_USER'" | grep -q 1; then
    runuser -u postgres -- createdb -p "$PG_PORT" -O "$PG_USER" "$PG_USER" >&2
  fi
fi
echo "export DOZOR_TEST_DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_USER"
echo "export DOZOR_CHROMIUM=$(command -v chromium)"
