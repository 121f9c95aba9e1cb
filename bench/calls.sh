#!/usr/bin/env bash
# Call hub benchmark: builds in Release, then measures signalling relay latency through the call hub
# against a plain SignalR echo in the same run, and the server's heap per connected participant
# with 1,000 rooms (3,000 connections, made from a child process). SQLite; loopback only.
# Extra arguments go to the benchmark (e.g. --rooms 200 --pairs 10 --seconds 5).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Chaperone.Bench/Chaperone.Bench.csproj -c Release --nologo -v quiet
WORK=$(mktemp -d "$PWD/bench/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
dotnet bench/Chaperone.Bench/bin/Release/net10.0/Chaperone.Bench.dll calls --work "$WORK" --out bench/results/calls.md "$@"
