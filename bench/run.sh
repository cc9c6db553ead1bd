#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: `./bench/run.sh` runs every section; `./bench/run.sh SECTION...`
# reruns only those; `./bench/run.sh assemble` only rebuilds BENCHMARKS.md. Each section writes bench/results/SECTION.md headed by when, at which
# commit and on what machine it was measured; BENCHMARKS.md is assembled from all of them,
# so a partial rerun never passes old figures off as new.
#   scoreboard   keras-sentinel, modelscan and modelaudit on the labelled sets (wild
#                corpus, real-producer fixtures, payload families), files/s, peak RSS
#   adversarial  the same on the adversarial corpus (attacks run by the real loaders)
#   analyze      cargo bench: one lambda decoded and analysed
#   large        bytes read and time on generated 1 GB and 5 GB models
#   hostile      crafted and malformed inputs: worst time and peak memory per set
#   sweep        the Python package's Ray sweep: files/s with 1 and 2 workers, bytes read
#   throughput   918 small tf.keras .h5 (made by bench/gen_small_models.py with $KS_TF_VENV,
#                default /work/venvs/tf215) and the wild corpus: wall time against `cat` of
#                the same bytes and the peers, --jobs 1 and cores; syscalls and allocations per file;
#                KS_BEFORE_CLI=an earlier build (KS_BEFORE_LABEL: its commit; KS_BEFORE_PER_FILE:
#                its per_file bench) adds its figures from the same rounds
#   wasm         the page's wasm bundle, gzipped (bench/wasm_size.sh)
#   page         the page in headless Chromium (bench/page.mjs): files added to the last
#                verdict for the wild folder and 1,000 generated files, 1 worker vs the pool;
#                KS_PAGE_BEFORE=an earlier build's dist/ (KS_PAGE_BEFORE_LABEL: its commit)
#                adds its figures from the same rounds
# Peers come from PyPI into a throwaway virtualenv; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
VENV=${KS_PEERS_VENV:-/tmp/ks-peers}
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-target}")
ALL=(scoreboard adversarial hostile analyze large sweep throughput wasm page)
SECTIONS=("$@")
[ ${#SECTIONS[@]} -eq 0 ] && SECTIONS=("${ALL[@]}")
[ "${SECTIONS[0]}" = assemble ] && SECTIONS=()   # only rebuild BENCHMARKS.md from bench/results
mkdir -p bench/results

need_peers() {
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
}

provenance() {
  local extra=${1:-}
  echo "_Measured $(date -u +%Y-%m-%d) at keras-sentinel $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crate cli python || echo '+changes') on $(nproc) cores ($(uname -m))${extra}._"
  echo
}

peer_versions() {
  echo "; $("$VENV/bin/pip" show modelscan | awk '/^Version/{print "modelscan " $2}'), $("$VENV/bin/pip" show modelaudit | awk '/^Version/{print "modelaudit " $2}')"
}

status=0
for s in "${SECTIONS[@]+"${SECTIONS[@]}"}"; do
  out="bench/results/$s.md"
  tmp=$(mktemp)
  echo "[bench] section $s" >&2
  case "$s" in
    scoreboard|adversarial)
      need_peers
      sets=wild,models,families
      [ "$s" = adversarial ] && sets=adversarial
      "$VENV/bin/python" bench/scoreboard.py --cli "$TARGET/release/keras-sentinel" --peers --peer-bin "$VENV/bin" \
        --sets "$sets" --markdown "$tmp" || status=$?
      { provenance "$(peer_versions)"
        echo "How verdicts are mapped and what counts as right: see the docstring of \`bench/scoreboard.py\`."
        echo "Each tool runs once per set over all its files; files/s and peak RSS are for that one process."
        echo; cat "$tmp"; } > "$out" ;;
    hostile)
      need_peers
      python3 bench/hostile.py --cli "$TARGET/release/keras-sentinel" --markdown "$tmp"
      { provenance; cat "$tmp"; } > "$out" ;;
    analyze)
      cargo bench --locked -p keras-sentinel --bench analyze | tee "$tmp"
      { provenance; echo '```'; grep -E "^(fixture|cpython|all)" "$tmp"; echo '```'; } > "$out" ;;
    large)
      need_peers
      "$VENV/bin/python" bench/large_files.py --cli "$TARGET/release/keras-sentinel" --sizes 1,5 --peers --peer-bin "$VENV/bin" --markdown "$tmp"
      { provenance "$(peer_versions)"; cat "$tmp"; } > "$out" ;;
    sweep)
      CARGO_TARGET_DIR="$TARGET" ./scripts/test-python.sh -q -k "not precommit" >&2   # builds and installs the wheel
      "$TARGET/py-test/bin/pip" install -q h5py numpy
      RAY_USAGE_STATS_ENABLED=0 "$TARGET/py-test/bin/python" bench/sweep.py --markdown "$tmp"
      { provenance; cat "$tmp"; } > "$out" ;;
    throughput)
      need_peers
      small="$TARGET/bench-small"   # generated, never committed; kept between runs
      TF=${KS_TF_VENV:-/work/venvs/tf215}
      PYTHONWARNINGS=ignore "$TF/bin/python" bench/gen_small_models.py --out "$small" --count 918 >&2
      cargo bench --locked -p keras-sentinel-cli --bench per_file --no-run >&2
      per_file=$(cargo bench --locked -p keras-sentinel-cli --bench per_file --no-run --message-format=json 2>/dev/null \
        | python3 -c 'import json,sys; print([j["executable"] for j in map(json.loads, sys.stdin) if j.get("executable") and j["target"]["name"] == "per_file"][-1])')
      load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)   # after our own builds
      python3 bench/throughput.py --cli "$TARGET/release/keras-sentinel" --small "$small" \
        --wild "${KS_WILD:-../shared/corpus/wild}" --per-file "$per_file" --peers --peer-bin "$VENV/bin" \
        ${KS_BEFORE_CLI:+--before "$KS_BEFORE_CLI" --before-label "${KS_BEFORE_LABEL:-before}"} \
        ${KS_BEFORE_PER_FILE:+--before-per-file "$KS_BEFORE_PER_FILE"} --markdown "$tmp"
      # The machine may be shared: wall times depend on its load, CPU times much less.
      { provenance "$(peer_versions); load average $load when the rounds started"; cat "$tmp"; } > "$out" ;;
    wasm)
      bench/wasm_size.sh > "$tmp"
      { provenance; cat "$tmp"; } > "$out" ;;
    page)
      PATH="$PWD/node_modules/.bin:$PATH" trunk build --release >&2
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      node bench/page.mjs --runs "${KS_PAGE_RUNS:-3}" --markdown "$tmp" \
        ${KS_PAGE_BEFORE:+--before "$KS_PAGE_BEFORE" --before-label "${KS_PAGE_BEFORE_LABEL:-before}"}
      { provenance "; load average $load at the start"; cat "$tmp"; } > "$out" ;;
    *) echo "[bench] unknown section $s (one of: ${ALL[*]})" >&2; exit 2 ;;
  esac
  rm -f "$tmp"
done

title() {
  case "$1" in
    scoreboard) echo "Detection scoreboard and speed" ;;
    adversarial) echo "Adversarial corpus: attacks the real loaders execute" ;;
    hostile) echo "Hostile inputs: time and memory" ;;
    analyze) echo "Analysing one lambda (decode + marshal + version inference + evaluation)" ;;
    large) echo "Large files: bytes read and time to verdict" ;;
    sweep) echo "Registry sweep on Ray (Python package)" ;;
    throughput) echo "Throughput at the I/O limit: many small files against reading their bytes" ;;
    wasm) echo "Page bundle size" ;;
    page) echo "The page with many files: time to the last verdict, 1 worker vs the pool" ;;
  esac
}
{
  echo "# Benchmarks"
  echo
  echo "Assembled by \`bench/run.sh\` from \`bench/results/*.md\`; each section says when and at which"
  echo "commit it was measured. \`./bench/run.sh\` reruns everything, \`./bench/run.sh SECTION...\` a part."
  for s in "${ALL[@]}"; do
    [ -f "bench/results/$s.md" ] || continue
    echo
    echo "## $(title "$s")"
    echo
    cat "bench/results/$s.md"
  done
} > BENCHMARKS.md
echo "[bench] wrote BENCHMARKS.md" >&2
exit "$status"
