#!/usr/bin/env bash
# Reproduces BENCHMARKS.md in one command: the detection scoreboard (keras-sentinel,
# modelscan and modelaudit on the same labelled files), the speed comparison, the
# analysis micro-benchmark, and bytes read / time on generated 1 GB and 5 GB models.
# Peers come from PyPI into a throwaway virtualenv; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
VENV=${KS_PEERS_VENV:-/tmp/ks-peers}

if [ ! -x "$VENV/bin/modelaudit" ] || [ ! -x "$VENV/bin/modelscan" ]; then
  echo "[bench] installing modelscan, modelaudit, h5py, numpy into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q modelscan modelaudit h5py numpy
fi
if [ ! -x /usr/bin/time ]; then
  echo "[bench] installing GNU time (peak memory of each measured process)" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
export PROMPTFOO_DISABLE_TELEMETRY=1   # modelaudit sends telemetry by default

cargo build --release --locked -p keras-sentinel-cli
out=$(mktemp -d)
"$VENV/bin/python" bench/scoreboard.py --peers --peer-bin "$VENV/bin" --markdown "$out/scoreboard.md" || status=$?
cargo bench --locked -p keras-sentinel --bench analyze | tee "$out/analyze.txt"
"$VENV/bin/python" bench/large_files.py --sizes 1,5 --peers --peer-bin "$VENV/bin" --markdown "$out/large.md"

{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bench/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m));"
  echo "keras-sentinel $(git rev-parse --short HEAD), $("$VENV/bin/pip" show modelscan | awk '/^Version/{print "modelscan " $2}'),"
  echo "$("$VENV/bin/pip" show modelaudit | awk '/^Version/{print "modelaudit " $2}'). Regenerate with \`./bench/run.sh\`."
  echo
  echo "## Detection scoreboard and speed"
  echo
  echo "How verdicts are mapped and what counts as right: see the docstring of \`bench/scoreboard.py\`."
  echo "Each tool runs once per set over all its files; files/s and peak RSS are for that one process."
  echo
  cat "$out/scoreboard.md"
  echo
  echo "## Analysing one lambda (decode + marshal + version inference + evaluation)"
  echo
  echo '```'
  grep -E "^(fixture|cpython|all)" "$out/analyze.txt"
  echo '```'
  echo
  echo "## Large files: bytes read and time to verdict"
  echo
  cat "$out/large.md"
} > BENCHMARKS.md
echo "[bench] wrote BENCHMARKS.md" >&2
exit "${status:-0}"
