#!/usr/bin/env bash
# grpc-balancer benchmark: direct vs grpc-balancer vs HAProxy (HTTP/2) vs nginx (grpc_pass).
#
#   src/bench/run.sh [Benchmark flags...]     e.g. --targets direct,haproxy,nginx --duration 5s
#
# Installs haproxy / nginx-light / nghttp2-client (h2load and nghttp: --client h2load) with
# apt-get when missing and running as root, builds the balancer jar and the bench
# classes, then runs dev.grpcbalancer.bench.Benchmark (flags: --help).
#
# Environment:
#   MVN_OPTS_EXTRA   extra options for every mvn call, e.g. -o (offline)
#   BENCH_NO_INSTALL=1   never apt-get
#   BENCH_NO_BUILD=1     do not build the jar, use the repo's target/grpc-balancer.jar as it is
#   BENCH_JAR=PATH       use this balancer jar, do not build one
#   BENCH_JAVA_OPTS      replaces the bench JVM's options (-Xms1g -Xmx1g -XX:+UseG1GC)
#   BENCH_NICE=N         run the bench JVM, and so every proxy it starts, under "nice -n N" in
#                        a session (autogroup) of its own with that nice value, e.g. -10 as
#                        root when other work shares the machine. All targets inherit it, so
#                        the comparison stays fair; the other work on the machine slows down.
set -euo pipefail

cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
repo=$(pwd)

# --- tools -------------------------------------------------------------------------------
missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
if ((${#missing[@]})); then
    if [[ "${BENCH_NO_INSTALL:-0}" != 1 && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "installing: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        # Never let the packages start their services (nginx would grab port 80): a temporary
        # policy-rc.d, unless the system already has one.
        own_policy=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
            own_policy=1
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >&2 \
            || echo "apt-get failed; continuing without: ${missing[*]}" >&2
        if ((own_policy)); then
            rm -f /usr/sbin/policy-rc.d
            trap - EXIT
        fi
    else
        echo "missing (not installing: not root, no apt-get or BENCH_NO_INSTALL=1): ${missing[*]}" >&2
        echo "targets whose proxy is missing are reported as not measured" >&2
    fi
fi

# --- build -------------------------------------------------------------------------------
# Others edit and rebuild this repo concurrently (and may clean target/ mid-run), so nothing
# here builds into the repo's target/: the jar is built from a private copy of pom.xml + src
# (the same "mvn -B -q -DskipTests package"), the bench classes are compiled straight from
# src/test/java/dev/grpcbalancer/bench with javac (they need library jars only).
snap=$(mktemp -d /tmp/grpc-bench-run.XXXXXX)
trap 'rm -rf "$snap"' EXIT
mvn_extra=(${MVN_OPTS_EXTRA:-})
jar_args=()
if [[ -n "${BENCH_JAR:-}" ]]; then
    jar_args=(--jar "$(realpath "$BENCH_JAR")")
elif [[ "${BENCH_NO_BUILD:-0}" == 1 ]]; then
    if [[ -f target/grpc-balancer.jar ]]; then
        cp target/grpc-balancer.jar "$snap/grpc-balancer.jar" && jar_args=(--jar "$snap/grpc-balancer.jar")
    fi
else
    mkdir -p "$snap/build"
    cp -r pom.xml src "$snap/build/"
    [[ -d .mvn ]] && cp -r .mvn "$snap/build/"
    # A failure here must not stop direct/haproxy/nginx: the balancer is then "not measured".
    if (cd "$snap/build" && mvn -B -q "${mvn_extra[@]}" -DskipTests package >&2); then
        :
    else
        echo "WARNING: 'mvn -DskipTests package' failed; retrying without compiling tests" >&2
        (cd "$snap/build" && mvn -B -q "${mvn_extra[@]}" -Dmaven.test.skip=true package >&2) \
            || echo "WARNING: no balancer jar built; the balancer target will be reported as not measured" >&2
    fi
    jar_args=(--jar "$snap/build/target/grpc-balancer.jar")
fi
mvn -B -q "${mvn_extra[@]}" dependency:build-classpath -Dmdep.outputFile="$snap/classpath.txt" \
    -Dmdep.includeScope=test >&2
cp_deps=$(cat "$snap/classpath.txt")
javac --release 17 -encoding UTF-8 -nowarn -d "$snap/classes" -cp "$cp_deps" \
    "$repo"/src/test/java/dev/grpcbalancer/bench/*.java

# --- run ---------------------------------------------------------------------------------
args=("${jar_args[@]}" "$@")   # a --jar flag on the command line comes later and wins
java_opts=(${BENCH_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC})
cmd=(java "${java_opts[@]}" -Dlogback.configurationFile="$repo/src/bench/logback-bench.xml"
    -cp "$snap/classes:$cp_deps" dev.grpcbalancer.bench.Benchmark --peer-templates "$repo/src/bench/peers" "${args[@]}")
# The JVM and every proxy it starts get a process group of their own, so that whatever survives
# the JVM (e.g. nginx workers if it was SIGKILLed) is killed on the way out.
if [[ -n "${BENCH_NICE:-}" ]]; then
    # With sched_autogroup (most distros), nice only ranks threads within one session's group:
    # start a session of our own and give its autogroup the nice value as well.
    # (Set from inside the new session: writing /proc/PID/autogroup from here could race
    # setsid and renice this shell's own session instead.)
    setsid bash -c 'echo "$1" 2>/dev/null >/proc/self/autogroup \
        || echo "note: could not set the autogroup nice value (raising priority needs root)" >&2
        shift; exec nice -n "$0" "$@"' "$BENCH_NICE" "$BENCH_NICE" "${cmd[@]}" &
    bench_pid=$!
else
    set -m
    "${cmd[@]}" &
    bench_pid=$!
    set +m
fi
# The JVM kills its children (balancer, haproxy, nginx) from a shutdown hook: forward signals.
trap 'kill -TERM "$bench_pid" 2>/dev/null || true' INT TERM
trap 'kill -KILL -- "-$bench_pid" 2>/dev/null || true; rm -rf "$snap"' EXIT
status=0
wait "$bench_pid" || status=$?
if kill -0 "$bench_pid" 2>/dev/null; then   # wait was interrupted by a signal
    wait "$bench_pid" || status=$?
fi
exit "$status"
