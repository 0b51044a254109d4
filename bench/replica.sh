#!/bin/sh
# A PostgreSQL primary and a streaming hot standby of it, for measuring the reports on a
# real read replica (docs/scaling.md, "Read replica"; bench/reports.py --replica).
#
#   bench/replica.sh start     create when missing, then start both (idempotent)
#   bench/replica.sh stop      stop both; removes nothing
#   bench/replica.sh status    running or not, replication state and lag, disk used
#   bench/replica.sh destroy   stop both and remove their data
#
# The primary listens on 127.0.0.1:5433, the standby on 127.0.0.1:5434 (MOTCUA_BENCH_PRIMARY_PORT,
# MOTCUA_BENCH_STANDBY_PORT), so the shared server on 5432 is never touched. Data, sockets
# and logs live under /var/lib/postgresql/motcua-bench/ (MOTCUA_BENCH_PG_DIR). Trust
# authentication on 127.0.0.1 only: a bench, never a deployment. The standby is made with
# `pg_basebackup -R -X stream` through a physical replication slot, so it never misses WAL
# while both run; `stop` stops the primary first, so the standby receives everything up to
# its shutdown checkpoint.
# Run as root (the servers run as the postgres user) or as postgres.
#
#   bench/replica.sh start
#   DATABASE_URL=postgres://postgres@127.0.0.1:5433/bench_reports_10m \
#   DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5434/bench_reports_10m \
#     nice -n 10 .venv/bin/python bench/reports.py --dossiers 10000000 --rounds 3 --replica
#   bench/replica.sh stop
set -eu

VERSION=${MOTCUA_BENCH_PG_VERSION:-15}
BIN=/usr/lib/postgresql/$VERSION/bin
BASE=${MOTCUA_BENCH_PG_DIR:-/var/lib/postgresql/motcua-bench}
PRIMARY=$BASE/primary
STANDBY=$BASE/standby
PRIMARY_PORT=${MOTCUA_BENCH_PRIMARY_PORT:-5433}
STANDBY_PORT=${MOTCUA_BENCH_STANDBY_PORT:-5434}
SLOT=motcua_bench_standby

as_postgres() {
    if [ "$(id -un)" = postgres ]; then
        "$@"
    else
        runuser -u postgres -- "$@"
    fi
}

running() { # data directory
    [ -f "$1/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

sql() { # port, statement
    as_postgres "$BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc "$2"
}

create_primary() {
    [ -f "$PRIMARY/PG_VERSION" ] && return 0
    echo "creating the primary in $PRIMARY"
    mkdir -p "$BASE"
    chown postgres:postgres "$BASE" 2>/dev/null || true
    as_postgres mkdir -p "$BASE/run" "$BASE/log"
    as_postgres "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >/dev/null
    # The query settings stay PostgreSQL's defaults, as on the shared server the earlier
    # figures come from; only WAL and checkpoints are loosened for the bulk load.
    as_postgres sh -c "cat >> '$PRIMARY/postgresql.conf'" <<EOF

# bench/replica.sh
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE/run'
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
hot_standby_feedback = on
max_wal_size = 8GB
checkpoint_timeout = 15min
logging_collector = off
EOF
    as_postgres sh -c "cat > '$PRIMARY/pg_hba.conf'" <<EOF
# bench/replica.sh: trust on this machine only
local all         all                  trust
host  all         all    127.0.0.1/32  trust
host  replication all    127.0.0.1/32  trust
EOF
}

start_primary() {
    running "$PRIMARY" && return 0
    as_postgres "$BIN/pg_ctl" -D "$PRIMARY" -l "$BASE/log/primary.log" -w start >/dev/null
    echo "primary started on 127.0.0.1:$PRIMARY_PORT"
}

create_standby() {
    [ -f "$STANDBY/PG_VERSION" ] && return 0
    echo "creating the standby in $STANDBY (pg_basebackup of the primary)"
    if [ -z "$(sql "$PRIMARY_PORT" "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'")" ]; then
        sql "$PRIMARY_PORT" "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
    fi
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
        -D "$STANDBY" -R -X stream -S "$SLOT" -c fast
    # -R wrote standby.signal and primary_conninfo; the port is the standby's own.
    as_postgres sh -c "cat >> '$STANDBY/postgresql.conf'" <<EOF

# bench/replica.sh: the standby
port = $STANDBY_PORT
primary_slot_name = '$SLOT'
EOF
}

start_standby() {
    running "$STANDBY" && return 0
    as_postgres "$BIN/pg_ctl" -D "$STANDBY" -l "$BASE/log/standby.log" -w start >/dev/null
    echo "standby started on 127.0.0.1:$STANDBY_PORT"
}

stop_one() { # data directory, name
    if running "$1"; then
        as_postgres "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null
        echo "$2 stopped"
    else
        echo "$2 not running"
    fi
}

status() {
    for pair in "primary:$PRIMARY:$PRIMARY_PORT" "standby:$STANDBY:$STANDBY_PORT"; do
        name=${pair%%:*}
        rest=${pair#*:}
        dir=${rest%:*}
        port=${rest##*:}
        if running "$dir"; then
            echo "$name: running on 127.0.0.1:$port ($dir)"
        elif [ -f "$dir/PG_VERSION" ]; then
            echo "$name: stopped ($dir)"
        else
            echo "$name: not created"
        fi
    done
    if running "$PRIMARY"; then
        sql "$PRIMARY_PORT" "SELECT 'replication: ' || application_name || ' ' || state
            || ', replay lag ' || COALESCE(replay_lag::text, '0')
            || ', ' || pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn))
            || ' behind' FROM pg_stat_replication"
    fi
    if running "$STANDBY"; then
        sql "$STANDBY_PORT" "SELECT 'standby: in recovery ' || pg_is_in_recovery()
            || ', last replayed ' || COALESCE(pg_last_xact_replay_timestamp()::text, '-')"
    fi
    [ -d "$BASE" ] && echo "disk: $(du -sh "$BASE" | cut -f1) in $BASE"
    return 0
}

case "${1:-status}" in
start)
    create_primary
    start_primary
    create_standby
    start_standby
    status
    ;;
stop)
    stop_one "$PRIMARY" primary
    stop_one "$STANDBY" standby
    ;;
status)
    status
    ;;
destroy)
    stop_one "$PRIMARY" primary
    stop_one "$STANDBY" standby
    rm -rf "$PRIMARY" "$STANDBY" "$BASE/run" "$BASE/log"
    rmdir "$BASE" 2>/dev/null || true
    echo "removed $BASE"
    ;;
*)
    echo "usage: $0 start|stop|status|destroy" >&2
    exit 2
    ;;
esac
