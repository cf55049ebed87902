#!/usr/bin/env bash
# A throwaway Apache Spark standalone cluster for sparkling's specs: one master and two workers
# (1 core, 1 GiB each) on 127.0.0.1, every port a free one picked at start, every file under one
# directory. Spark is $SPARK_HOME (the pyspark wheel's directory; by default the one installed in
# this repository's .cache/venv).
#
#   cluster.sh run CMD [ARG...]  start a cluster, run CMD with its environment exported, then stop
#                                every JVM it started, also when CMD fails or the script is
#                                interrupted; exits with CMD's status
#   cluster.sh start DIR         start a cluster in the empty directory DIR; DIR/env holds the
#                                variables to export (SPARKLING_SPARK_MASTER ...)
#   cluster.sh add-worker DIR    start one more worker (to replace one a test killed)
#   cluster.sh stop DIR          stop every process the cluster started, by PID
#
# Exported to CMD (and written to DIR/env): SPARKLING_SPARK_MASTER (spark://127.0.0.1:port),
# SPARKLING_SPARK_MASTER_UI (the master's web UI, whose /json/ lists the workers),
# SPARKLING_SPARK_CLUSTER (DIR: pids/, logs/), SPARK_HOME, SPARK_LOCAL_IP=127.0.0.1 and a
# per-run SPARK_LOCAL_DIRS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DEADLINE_S=${SPARKLING_SPARK_CLUSTER_DEADLINE_S:-120}

die() {
  echo "spark cluster: $*" >&2
  exit 1
}

spark_home() {
  if [[ -n "${SPARK_HOME:-}" ]]; then
    echo "$SPARK_HOME"
    return
  fi
  local found
  found=$(ls -d "$root"/.cache/venv/lib/python3*/site-packages/pyspark 2>/dev/null | head -n 1 || true)
  [[ -n "$found" ]] || die "SPARK_HOME is not set and $root/.cache/venv has no pyspark (pip install -r requirements-dev.txt)"
  echo "$found"
}

free_port() {
  node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# How many of the given web UI addresses the master's /json/ lists as ALIVE workers; -1 when it
# does not answer.
alive_workers() {
  local ui=$1
  shift
  node -e "
    const want = process.argv.slice(1);
    fetch('$ui/json/', { signal: AbortSignal.timeout(5000) })
      .then((r) => r.json())
      .then((j) => console.log(j.workers.filter((w) => w.state === 'ALIVE' && want.includes(w.webuiaddress)).length))
      .catch(() => console.log(-1));" "$@"
}

running() {
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Starts a daemon in its own session (so its process group holds it, the executors it starts and
# their children), records its PID. spark-class execs java, so the PID is the JVM's.
daemon() {
  local dir=$1 name=$2
  shift 2
  setsid "$SPARK_HOME/bin/spark-class" "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name.pid"
  # Not a job of this shell: a daemon a test kills is no "Killed" line in the output.
  disown $!
}

common_env() {
  local dir=$1
  export SPARK_HOME
  SPARK_HOME=$(spark_home)
  [[ -x "$SPARK_HOME/bin/spark-class" ]] || die "no bin/spark-class in SPARK_HOME=$SPARK_HOME"
  export SPARK_LOCAL_IP=127.0.0.1
  export SPARK_LOCAL_DIRS="$dir/local"
  # An empty configuration directory: nothing from the machine's Spark set-up leaks in.
  export SPARK_CONF_DIR="$dir/conf"
  export SPARK_LOG_DIR="$dir/logs"
  export SPARK_PID_DIR="$dir/pids"
  export SPARK_DAEMON_MEMORY=512m
  # A port in use is a failure to retry with other ports, never a silent move to port+1.
  export SPARK_DAEMON_JAVA_OPTS="-Dspark.port.maxRetries=0 -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
  export SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"
  mkdir -p "$dir/pids" "$dir/logs" "$dir/local" "$dir/conf" "$dir/work"
}

start_master() {
  local dir=$1 port ui
  port=$(free_port)
  ui=$(free_port)
  daemon "$dir" master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui"
  echo "spark://127.0.0.1:$port" >"$dir/master-url"
  echo "http://127.0.0.1:$ui" >"$dir/master-ui"
}

start_worker() {
  local dir=$1 name=$2 ui
  ui=$(free_port)
  mkdir -p "$dir/work/$name" "$dir/ui"
  echo "http://127.0.0.1:$ui" >"$dir/ui/$name"
  daemon "$dir" "$name" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port "$ui" \
    --cores 1 --memory 1g --work-dir "$dir/work/$name" "$(cat "$dir/master-url")"
}

# Waits until the master lists the given workers as ALIVE; restarts a daemon that died (a port
# taken between picking and binding) with new ports.
wait_alive() {
  local dir=$1
  shift
  local workers=("$@") deadline=$((SECONDS + DEADLINE_S)) n want uis
  want=${#workers[@]}
  while ((SECONDS < deadline)); do
    if ! running "$dir/pids/master.pid"; then
      echo "spark cluster: the master exited; retrying with other ports:" >&2
      tail -n 5 "$dir/logs/master.log" >&2 || true
      stop_all "$dir"
      start_master "$dir"
      for w in "${workers[@]}"; do start_worker "$dir" "$w"; done
    fi
    for w in "${workers[@]}"; do
      if ! running "$dir/pids/$w.pid"; then
        echo "spark cluster: $w exited; retrying with other ports:" >&2
        tail -n 5 "$dir/logs/$w.log" >&2 || true
        start_worker "$dir" "$w"
      fi
    done
    uis=()
    for w in "${workers[@]}"; do uis+=("$(cat "$dir/ui/$w")"); done
    n=$(alive_workers "$(cat "$dir/master-ui")" "${uis[@]}")
    if ((n >= want)); then
      return 0
    fi
    sleep 1
  done
  echo "spark cluster: ${workers[*]} not ALIVE after ${DEADLINE_S} s" >&2
  for f in "$dir"/logs/*.log; do
    echo "--- $f" >&2
    tail -n 20 "$f" >&2 || true
  done
  return 1
}

write_env() {
  local dir=$1
  cat >"$dir/env" <<EOF
SPARKLING_SPARK_MASTER=$(cat "$dir/master-url")
SPARKLING_SPARK_MASTER_UI=$(cat "$dir/master-ui")
SPARKLING_SPARK_CLUSTER=$dir
SPARK_HOME=$SPARK_HOME
SPARK_LOCAL_IP=127.0.0.1
SPARK_LOCAL_DIRS=$dir/local
EOF
}

# Stops every process group the cluster started (daemon, its executors, their children): TERM,
# then KILL after 15 s.
stop_all() {
  local dir=$1 f pid left
  [[ -d "$dir/pids" ]] || return 0
  local pids=()
  for f in "$dir"/pids/*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    pids+=("$pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 30); do
    left=0
    for pid in "${pids[@]}"; do
      if kill -0 -- "-$pid" 2>/dev/null; then left=1; fi
    done
    ((left == 0)) && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -f "$dir"/pids/*.pid
}

start() {
  local dir=$1
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  common_env "$dir"
  command -v java >/dev/null || die "java not found"
  local t0=$SECONDS
  start_master "$dir"
  start_worker "$dir" worker-1
  start_worker "$dir" worker-2
  if ! wait_alive "$dir" worker-1 worker-2; then
    stop_all "$dir"
    return 1
  fi
  write_env "$dir"
  echo "spark cluster: master $(cat "$dir/master-url") (UI $(cat "$dir/master-ui")), 2 workers ALIVE after $((SECONDS - t0)) s; state in $dir" >&2
}

add_worker() {
  local dir=$1 n=1
  common_env "$dir"
  while [[ -e "$dir/logs/worker-$n.log" ]]; do n=$((n + 1)); done
  start_worker "$dir" "worker-$n"
  wait_alive "$dir" "worker-$n"
  echo "worker-$n $(cat "$dir/pids/worker-$n.pid")"
}

cmd=${1:-}
shift || true
case "$cmd" in
  run)
    (($# > 0)) || die "usage: cluster.sh run CMD [ARG...]"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sparkling-spark.XXXXXX")
    trap 'stop_all "$dir"; rm -rf "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start "$dir"
    set -a
    # shellcheck source=/dev/null
    . "$dir/env"
    set +a
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  start)
    [[ -n "${1:-}" ]] || die "usage: cluster.sh start DIR"
    start "$1"
    ;;
  add-worker)
    [[ -n "${1:-}" ]] || die "usage: cluster.sh add-worker DIR"
    add_worker "$1"
    ;;
  stop)
    [[ -n "${1:-}" ]] || die "usage: cluster.sh stop DIR"
    stop_all "$1"
    ;;
  *)
    die "usage: cluster.sh run CMD... | start DIR | add-worker DIR | stop DIR"
    ;;
esac
