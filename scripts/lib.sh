# Shared by scripts/up, scripts/down, scripts/test and scripts/sync. Source it; do not run it.
# Everything a stack needs lives under one run directory ($RUN), so a test stack and the dev
# stack can run side by side.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGES=(libfcgi-dev libjwt-dev libpq-dev pkgconf nginx-light libnginx-mod-nchan postgresql postgresql-contrib openssl curl python3 procps systemd logrotate mtail)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_SOCKET_DIR=/var/run/postgresql

# The stacks run nginx's workers as www-data and the service as the system user syncd, never as root.
SERVICE_USER=syncd
WEB_USER=www-data

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Installs the Debian packages that are missing.
ensure_packages() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing: ${missing[*]}"
        [ "$(id -u)" = 0 ] || die "run as root to install packages, or install: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        # Debian's package starts nginx and a default cluster; the stacks use their own.
        systemctl stop nginx 2>/dev/null || service nginx stop 2>/dev/null || true
    fi
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$PG_BIN" ] || die "PostgreSQL server binaries not found"
}

build_release() {
    say "building (release)"
    (cd "$ROOT" && swift build -c release --product syncd --static-swift-stdlib -Xlinker -z -Xlinker now 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2) || die "build failed"
    SYNC_BIN="$ROOT/.build/release/syncd"
    [ -x "$SYNC_BIN" ] || die "build produced no binary"
}

# What the unprivileged processes need, outside the checkout (which may sit in a private home directory),
# in /run/sync-dev/HASH: the service's binary and settings (bin/, root's, readable), the socket directory
# (sock/, syncd:www-data 0750: only the service and nginx reach the FastCGI sockets), the master's state
# (state/, syncd's own 0700: pid file and scoreboard), nginx's temporary files (nginx/, www-data's), and
# settings files the tests write for services of their own (settings/, root's, readable).
runtime_dirs() {
    id -u "$SERVICE_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
    RT="/run/sync-dev/$(echo -n "$RUN" | sha1sum | cut -c1-12)"
    install -d -m 755 /run/sync-dev "$RT" "$RT/bin" "$RT/settings"
    install -d -o "$SERVICE_USER" -g "$WEB_USER" -m 750 "$RT/sock"
    install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 700 "$RT/state"
    install -d -o "$WEB_USER" -g "$WEB_USER" -m 700 "$RT/nginx"
    SOCKET="$RT/sock/sync.sock"
    AUX_SOCKET="$RT/sock/sync-aux.sock"
}

# PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user. When that user
# cannot reach $RUN (a checkout under a private home directory), the data lives in /var/lib and
# $RUN/pg is a link to it.
pg_data_dir() {
    local wanted="$RUN/pg"
    if [ -L "$wanted" ]; then readlink -f "$wanted"; return; fi
    if runuser -u postgres -- test -x "$RUN" 2>/dev/null; then echo "$wanted"; return; fi
    local elsewhere="/var/lib/sync-dev/$(echo -n "$RUN" | sha1sum | cut -c1-12)"
    mkdir -p "$elsewhere"; chown postgres: "$elsewhere"
    ln -sfn "$elsewhere" "$wanted"
    echo "$elsewhere"
}

pg_start() {
    local data; data=$(pg_data_dir)
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating PostgreSQL cluster in $data"
        mkdir -p "$data"; chown postgres: "$data"; chmod 700 "$data"
        runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=reject -E UTF8 --locale=C.UTF-8 >/dev/null \
            || die "initdb failed"
        cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 256MB
synchronous_commit = on
fsync = ${SYNC_PG_FSYNC:-on}
log_min_messages = warning
CONF
    fi
    # Clusters made before the socket moved to Debian's directory named their data directory here,
    # and every reload logged that the file "contains errors" (the server keeps its start's -k).
    sed -i "s|^unix_socket_directories = '$data'\$|unix_socket_directories = '$PG_SOCKET_DIR'|" "$data/postgresql.conf"
    pg_authentication "$data"
    if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1 && [ ! -S "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null   # started by an older scripts/up
    fi
    if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        # Debian's socket directory (per-port socket names, so clusters do not collide).
        install -d -o postgres -g postgres -m 2775 "$PG_SOCKET_DIR"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -o "-p $PG_PORT -k $PG_SOCKET_DIR" -l "$data/server.log" -w start >/dev/null \
            || { tail -20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
    fi
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" reload >/dev/null   # pg_hba.conf may have changed
    local admin=(runuser -u postgres -- "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -qAt)
    # Two roles: `sync` owns the tables (migrations, tenant administration); the service connects as
    # `sync_service`, which owns nothing, so that row-level security walls each request into its tenant.
    [ "$("${admin[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'sync'")" = 1 ] || "${admin[@]}" -c "CREATE ROLE sync LOGIN"
    [ "$("${admin[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'sync_service'")" = 1 ] || "${admin[@]}" -c "CREATE ROLE sync_service LOGIN"
    [ "$("${admin[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'sync'")" = 1 ] || "${admin[@]}" -c "CREATE DATABASE sync OWNER sync"
    # The owner's safe-horizon function reads when other sessions' transactions started (sql/013).
    "${admin[@]}" -c "SET client_min_messages = warning; GRANT pg_read_all_stats TO sync"
    # Over TCP (the Swift tests' connections), by password only, and never as the superuser.
    [ -f "$RUN/pg-password" ] || (umask 077; openssl rand -hex 16 > "$RUN/pg-password")
    PG_PASSWORD=$(cat "$RUN/pg-password")
    "${admin[@]}" -v p="$PG_PASSWORD" -f - <<'SQL' >/dev/null
SET password_encryption = 'scram-sha-256';
ALTER ROLE sync PASSWORD :'p';
ALTER ROLE sync_service PASSWORD :'p';
SQL
    # The service reaches PostgreSQL over its unix socket: loopback TCP cost the workers a tenth of
    # their CPU in a pull-100 profile.
    DATABASE_URL="postgresql://sync_service@/sync?host=$PG_SOCKET_DIR&port=$PG_PORT"
    ADMIN_DATABASE_URL="postgresql://sync@/sync?host=$PG_SOCKET_DIR&port=$PG_PORT"
}

# Who may connect, and how: on the unix socket by peer, the OS user naming its database role through the
# map (root administers as `sync`, and runs tests' own services as `sync_service`; the service's user is
# `sync_service`; postgres is the superuser); over TCP by password, never as the superuser.
pg_authentication() { # data directory
    cat > "$1/pg_hba.conf" <<CONF
# Written by scripts/lib.sh on every start.
local   all   postgres                      peer
local   all   all                           peer map=sync
host    all   postgres      127.0.0.1/32    reject
host    all   all           127.0.0.1/32    scram-sha-256
CONF
    cat > "$1/pg_ident.conf" <<CONF
# Written by scripts/lib.sh on every start.
sync   root              sync
sync   root              sync_service
sync   $SERVICE_USER     sync_service
CONF
    chown postgres: "$1/pg_hba.conf" "$1/pg_ident.conf"
}

pg_stop() {
    [ -e "$RUN/pg" ] || return 0
    local data; data=$(readlink -f "$RUN/pg")
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# The JWT secret: $SYNC_JWT_SECRET, else one generated once and kept in $RUN.
jwt_secret() {
    if [ -n "${SYNC_JWT_SECRET:-}" ]; then echo "$SYNC_JWT_SECRET"; return; fi
    [ -f "$RUN/jwt-secret" ] || (umask 077; openssl rand -hex 32 > "$RUN/jwt-secret")
    cat "$RUN/jwt-secret"
}

tls_certificate() {
    mkdir -p "$RUN/tls"
    [ -f "$RUN/tls/cert.pem" ] && return
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>/dev/null || die "cannot make a TLS certificate"
}

# The dev/test nginx config: the sysadmin's site file with local ports, paths and certificate.
nginx_config() {
    mkdir -p "$RUN/nginx" "$RUN/logs"
    mkdir -p "$RUN/acme/.well-known/acme-challenge"
    sed -e "s|^\( *\)listen 443 ssl http2;|\1listen 127.0.0.1:$HTTPS_PORT ssl http2;\n\1listen 127.0.0.1:$HTTP_PORT;|" \
        -e "/listen \[::\]:443 ssl http2;/d" \
        -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$REDIRECT_PORT;|" \
        -e "/listen \[::\]:80;/d" \
        -e "s|server_name sync.example.com;|server_name localhost;|" \
        -e "s|/etc/ssl/certs/ssl-cert-snakeoil.pem|$RUN/tls/cert.pem|" \
        -e "s|/etc/ssl/private/ssl-cert-snakeoil.key|$RUN/tls/key.pem|" \
        -e "s|/var/log/nginx/syncd-access.log|$RUN/logs/nginx-access.log|" \
        -e "s|root /var/www/html;|root $RUN/acme;|" \
        -e "s|unix:/run/syncd/syncd.sock|unix:$SOCKET|" \
        -e "s|listen 127.0.0.1:8085;|listen 127.0.0.1:${POKE_PORT:-8085};|" \
        "$ROOT/nginx/syncd.conf" > "$RUN/nginx/site.conf"
    cat > "$RUN/nginx/nginx.conf" <<CONF
# Generated by scripts/up from nginx/syncd.conf; edit that file instead.
# The master reads this configuration and the certificate and opens the logs as root; its workers run
# as $WEB_USER, as under Debian's own nginx.conf.
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
user $WEB_USER;
worker_processes auto;
pid $RUN/nginx/nginx.pid;
error_log $RUN/logs/nginx-error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http {
    client_body_temp_path $RT/nginx/body;
    fastcgi_temp_path $RT/nginx/fastcgi;
    proxy_temp_path $RT/nginx/proxy;
    uwsgi_temp_path $RT/nginx/uwsgi;
    scgi_temp_path $RT/nginx/scgi;
    include $RUN/nginx/site.conf;
    access_log $RUN/logs/nginx-access.log sync_access;

    # Dev and test stacks only: a second upstream, for tests that run a service of their own
    # (scripts/test's fault tests stop it with SIGTERM), kept open as the site's own.
    upstream sync_aux_workers {
        server unix:$AUX_SOCKET;
$(sed -n '/^upstream sync_workers {/,/^}/p' "$ROOT/nginx/syncd.conf" | grep -E '^ +keepalive')
    }
    server {
        listen 127.0.0.1:${AUX_PORT:-8082};
        error_page 502 @down;
        location @down {
            default_type application/json;
            return 502 '{"success":false,"error":{"code":"workers_unavailable","message":"the sync workers are unavailable; retry shortly","details":[]}}';
        }
        location / {
            fastcgi_pass sync_aux_workers;
            fastcgi_keep_conn on;
            include /etc/nginx/fastcgi_params;
            fastcgi_param REQUEST_ID \$request_id;
        }
    }

    # Dev stack only: nginx alone, the baseline of scripts/bench.
    server {
        listen 127.0.0.1:${NGINX_BENCH_PORT:-8081};
        access_log off;
        location / {
            default_type application/json;
            return 200 '{"status":"ok"}';
        }
    }
}
CONF
    nginx -t -q -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" 2>&1 | grep -v -e 'could not open error log' -e 'shared memory for nchan' >&2 || true
}

nginx_start() {
    nginx_config
    if [ -f "$RUN/nginx/nginx.pid" ] && kill -0 "$(cat "$RUN/nginx/nginx.pid")" 2>/dev/null; then
        nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" -s reload
    else
        nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" || die "nginx did not start (see $RUN/logs/nginx-error.log)"
    fi
}

nginx_stop() {
    [ -f "$RUN/nginx/nginx.pid" ] && nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" -s quit 2>/dev/null || true
}

service_env() {
    export SYNC_DATABASE_URL="$DATABASE_URL" SYNC_ADMIN_DATABASE_URL="$ADMIN_DATABASE_URL" SYNC_SERVICE_ROLE=sync_service
    # The socket's directory admits only the service and nginx, so the socket itself may be 666.
    export SYNC_JWT_SECRET="$SECRET" SYNC_LISTEN="$SOCKET" SYNC_SOCKET_MODE=666
    export SYNC_SCOREBOARD="$RT/state/scoreboard"
    # Live pokes go to the nginx of the stack (nginx/syncd.conf, the publisher server).
    export SYNC_POKE_ADDRESS="127.0.0.1:${POKE_PORT:-8085}"
    # The migrations and the registry, where the service can read them: it serves only when all
    # migrations are applied and the schema matches the registry.
    export SYNC_SQL_DIR="$RT/sql" SYNC_REGISTRY_FILE="$RT/registry.json"
}


service_stop() {
    if [ -f "$RUN/sync.pid" ]; then
        local pid; pid=$(cat "$RUN/sync.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$RUN/sync.pid" "$RT/state/sync.pid"
    fi
}

service_start() {
    service_stop
    service_env
    rm -rf "$RT/sql.new" && install -d "$RT/sql.new" && install -m 644 "$ROOT"/sql/*.sql "$RT/sql.new/" \
        && rm -rf "$RT/sql" && mv "$RT/sql.new" "$RT/sql"
    install -m 644 "$ROOT/registry/registry.json" "$RT/registry.json.new" && mv -f "$RT/registry.json.new" "$RT/registry.json"
    "$SYNC_BIN" migrate >&2 || die "migration failed"
    "$SYNC_BIN" schema apply >&2 || die "the registry's schema could not be applied"
    # The service runs as $SERVICE_USER from a copy of the binary it can reach, with a copy of its settings.
    install -m 755 "$SYNC_BIN" "$RT/bin/sync.new" && mv -f "$RT/bin/sync.new" "$RT/bin/sync"
    # Settings the master re-reads on SIGHUP (scripts/sync reload); the environment supplies the rest.
    [ -f "$RUN/sync.env" ] || cat > "$RUN/sync.env" <<CONF
# Settings of the dev stack's service, read at start and on SIGHUP (see README, Configuration).
SYNC_WORKERS=${SYNC_WORKERS:-2}
SYNC_THREADS=${SYNC_THREADS:-4}
SYNC_DEFAULT_RATE_LIMIT=0
CONF
    install -m 644 "$RUN/sync.env" "$RT/bin/sync.env"
    ln -sfn "$RT/state/sync.pid" "$RUN/sync.pid"
    nohup runuser -u "$SERVICE_USER" -- "$RT/bin/sync" serve --config "$RT/bin/sync.env" --pid-file "$RT/state/sync.pid" \
        >>"$RUN/logs/sync.log" 2>&1 &
    local pid=$!
    for _ in $(seq 150); do [ -S "$SOCKET" ] && [ -f "$RT/state/sync.pid" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -S "$SOCKET" ] || { tail -20 "$RUN/logs/sync.log" >&2; die "the service did not start"; }
}

# The stack's logs rotate with logrotate, checked every 5 minutes by a loop that lives as long as the
# stack: the service's log is copied and truncated (it is written in append mode, so writes go on at the
# new end), nginx's are moved and reopened by its USR1, as on a Debian host. By hand:
#   logrotate -s $RUN/logrotate.state $RUN/logrotate.conf    (-f to rotate now)
LOG_ROTATE_SIZE=${SYNC_LOG_ROTATE_SIZE:-100M}
logs_rotate_start() {
    logs_rotate_stop
    cat > "$RUN/logrotate.conf" <<CONF
# Generated by scripts/up and scripts/test (scripts/lib.sh); rotated every 5 minutes once over $LOG_ROTATE_SIZE.
size $LOG_ROTATE_SIZE
rotate 5
compress
delaycompress
missingok
notifempty
$RUN/logs/sync.log {
    copytruncate
}
$RUN/logs/nginx-access.log $RUN/logs/nginx-error.log {
    sharedscripts
    postrotate
        [ ! -f $RUN/nginx/nginx.pid ] || kill -USR1 \$(cat $RUN/nginx/nginx.pid)
    endscript
}
CONF
    chmod 644 "$RUN/logrotate.conf"
    nohup bash -c "trap 'kill \$nap 2>/dev/null; exit' TERM
        while :; do sleep 300 & nap=\$!; wait \$nap; logrotate -s '$RUN/logrotate.state' '$RUN/logrotate.conf'; done" \
        >>"$RUN/logs/logrotate.log" 2>&1 </dev/null &
    echo $! > "$RUN/logrotate.pid"
}

logs_rotate_stop() {
    [ -f "$RUN/logrotate.pid" ] && kill "$(cat "$RUN/logrotate.pid")" 2>/dev/null
    rm -f "$RUN/logrotate.pid"
}

# nginx's own answers (its 404, 413, 429, 502...) as metrics: mtail reads the access log with
# monitoring/syncd.mtail and serves them on 127.0.0.1:$MTAIL_PORT/metrics, as nobody when nobody can
# read the log (not in a checkout under a private home directory).
mtail_start() {
    mtail_stop
    local as=(runuser -u nobody --)
    runuser -u nobody -- test -r "$RUN/logs/nginx-access.log" 2>/dev/null || as=()
    nohup "${as[@]}" mtail --progs "$ROOT/monitoring" --logs "$RUN/logs/nginx-access.log" --address 127.0.0.1 \
        --port "${MTAIL_PORT:-8084}" --emit_prog_label=false --logtostderr >>"$RUN/logs/mtail.log" 2>&1 </dev/null &
    echo $! > "$RUN/mtail.pid"
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:${MTAIL_PORT:-8084}/metrics" >/dev/null && return; sleep 0.1; done
    tail -5 "$RUN/logs/mtail.log" >&2; die "mtail did not start"
}

mtail_stop() {
    [ -f "$RUN/mtail.pid" ] && kill "$(cat "$RUN/mtail.pid")" 2>/dev/null
    rm -f "$RUN/mtail.pid"
}

# Brings the whole stack up in $RUN on $HTTPS_PORT, $HTTP_PORT and $PG_PORT.
stack_up() {
    mkdir -p "$RUN/logs"; chmod 755 "$RUN"
    ensure_packages
    runtime_dirs
    build_release
    pg_start
    SECRET=$(jwt_secret)
    rm -f "$SOCKET"
    service_start
    tls_certificate
    nginx_start
    touch "$RUN/logs/nginx-access.log"
    mtail_start
    logs_rotate_start
    cat > "$RUN/stack.env" <<ENV
SYNC_BASE_URL='https://127.0.0.1:$HTTPS_PORT'
SYNC_HTTP_BASE_URL='http://127.0.0.1:$HTTP_PORT'
SYNC_DATABASE_URL='$DATABASE_URL'
SYNC_ADMIN_DATABASE_URL='$ADMIN_DATABASE_URL'
SYNC_JWT_SECRET='$SECRET'
SYNC_CA_FILE='$RUN/tls/cert.pem'
SYNC_NGINX_BENCH_URL='http://127.0.0.1:${NGINX_BENCH_PORT:-8081}'
SYNC_AUX_BASE_URL='http://127.0.0.1:${AUX_PORT:-8082}'
SYNC_REDIRECT_BASE_URL='http://127.0.0.1:$REDIRECT_PORT'
SYNC_MTAIL_URL='http://127.0.0.1:${MTAIL_PORT:-8084}'
SYNC_POKE_ADDRESS='127.0.0.1:${POKE_PORT:-8085}'
SYNC_AUX_SOCKET='$AUX_SOCKET'
SYNC_SERVICE_BIN='$RT/bin/sync'
SYNC_REGISTRY_FILE='$RT/registry.json'
SYNC_SERVICE_SETTINGS_DIR='$RT/settings'
SYNC_PG_PASSWORD='$PG_PASSWORD'
ENV
    chmod 600 "$RUN/stack.env"
}

stack_down() {
    runtime_dirs
    logs_rotate_stop
    mtail_stop
    nginx_stop
    service_stop
    pg_stop
}
