#!/usr/bin/env bash
# Runs every cargo-fuzz target (or those named) for SECONDS each, one after the other,
# and writes the figures (executions, time, crashes) into FUZZING.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, all targets)
#
# Environment: FUZZ_TARGET_DIR (cargo target dir, default crate/fuzz/target),
# FUZZ_RSS_MB (libFuzzer -rss_limit_mb, default 2048), FUZZ_TIMEOUT (seconds one input
# may take, default 10), FUZZ_NICE (default 15), FUZZ_TOOLCHAIN (e.g. `+nightly`; by
# default nightly if installed, else stable with RUSTC_BOOTSTRAP=1), FUZZ_NO_SUMMARY=1
# to leave FUZZING.md alone, FUZZ_SECTION (which marked table of FUZZING.md to rewrite,
# default fuzz-results).
#
# Crashes, timeouts and OOMs are kept going past (libFuzzer fork mode) and saved under
# crate/fuzz/artifacts/<target>/; each one becomes a regression input under
# crate/tests/data/fuzz-regressions/<target>/ (see FUZZING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

secs=${1:-60}
shift || true
all_targets=(scan_bytes zip_read json_parse keras_walk hdf5_read_keras protobuf_read pickle_read
    marshal_parse python_analyze python_disasm payload_decode)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
nice_level=${FUZZ_NICE:-15}
target_dir=${FUZZ_TARGET_DIR:-$root/crate/fuzz/target}

command -v cargo-fuzz >/dev/null || {
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 1
}
# cargo-fuzz passes -Z flags (sanitizer, coverage): nightly, or stable told to allow them.
toolchain=${FUZZ_TOOLCHAIN:-}
if [ -z "$toolchain" ] && cargo +nightly --version >/dev/null 2>&1; then
    toolchain=+nightly
fi
if [ -z "$toolchain" ]; then
    export RUSTC_BOOTSTRAP=1
    rustc_desc="$(rustc --version) with RUSTC_BOOTSTRAP=1"
else
    rustc_desc="$(rustc "$toolchain" --version)"
fi
cargo_fuzz() { nice -n "$nice_level" cargo $toolchain fuzz "$@"; }

dicts() { # target -> dictionaries (libFuzzer takes one -dict: they are concatenated)
    case $1 in
        scan_bytes) echo zip hdf5 json_keras marshal pickle protobuf ;;
        zip_read) echo zip ;;
        json_parse | keras_walk | payload_decode) echo json_keras ;;
        hdf5_read_keras) echo hdf5 json_keras ;;
        protobuf_read) echo protobuf json_keras ;;
        pickle_read) echo pickle ;;
        marshal_parse) echo marshal ;;
        python_analyze) echo marshal bytecode ;;
        python_disasm) echo bytecode ;;
        *) echo "unknown target $1" >&2; exit 1 ;;
    esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== seeds from crate/tests/data"
python3 crate/fuzz/seeds.py crate/tests/data "$work/seeds"

echo "== build ($rustc_desc)"
(cd crate && cargo_fuzz build --target-dir "$target_dir")

results=$work/results.tsv
for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    mkdir -p "crate/fuzz/corpus/$t" "crate/fuzz/artifacts/$t" "$work/seeds/$t"
    dict=$work/$t.dict
    for d in $(dicts "$t"); do cat "crate/fuzz/dicts/$d.dict"; done >"$dict"
    before=$(find "crate/fuzz/artifacts/$t" -type f | sort)
    log=$work/$t.log
    start=$(date +%s)
    set +e
    (cd crate && cargo_fuzz run --target-dir "$target_dir" "$t" "fuzz/corpus/$t" "$work/seeds/$t" -- \
        -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb="$rss" -max_len=65536 \
        -dict="$dict" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -artifact_prefix="$root/crate/fuzz/artifacts/$t/" -print_final_stats=1) >"$log" 2>&1
    rc=$?
    set -e
    elapsed=$(($(date +%s) - start))
    # Fork mode reports "#EXECS: cov: N ft: N corp: N exec/s N oom/timeout/crash: a/b/c".
    last=$(grep -E '^#[0-9]+: cov' "$log" | tail -1 || true)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    cov=$(sed -E 's/.* cov: ([0-9]+) .*/\1/' <<<"$last")
    corp=$(sed -E 's/.* corp: ([0-9]+) .*/\1/' <<<"$last")
    new=$(comm -13 <(echo "$before") <(find "crate/fuzz/artifacts/$t" -type f | sort) | grep -v '^$' || true)
    crashes=$(grep -c '/crash-' <<<"$new" || true)
    timeouts=$(grep -c '/timeout-' <<<"$new" || true)
    ooms=$(grep -c '/oom-' <<<"$new" || true)
    [ -n "$last" ] || { echo "   no progress line; see the log:"; tail -20 "$log"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-0}" "$elapsed" "${cov:-?}" "${corp:-?}" \
        "$crashes" "$timeouts" "$ooms" "$rc" >>"$results"
    echo "   execs ${execs:-0}, ${elapsed}s, cov ${cov:-?}, crashes $crashes, timeouts $timeouts, ooms $ooms"
    [ -z "$new" ] || sed 's/^/   new artifact: /' <<<"$new"
done

[ "${FUZZ_NO_SUMMARY:-0}" = 1 ] && exit 0
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
python3 - "$results" "$secs" "$rustc_desc" "$cpu, $(nproc) cores, $(uname -sm)" "$rss" "$timeout" \
    "${FUZZ_SECTION:-fuzz-results}" "${targets[*]}" <<'EOF'
import datetime, re, sys
results, secs, rustc, machine, rss, timeout, section, targets = sys.argv[1:]
ALL = "scan_bytes zip_read json_parse keras_walk hdf5_read_keras protobuf_read pickle_read marshal_parse python_analyze python_disasm payload_decode"
rows = [l.rstrip("\n").split("\t") for l in open(results)]
out = [f"Last run: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
       f"`scripts/fuzz.sh {secs}{'' if targets == ALL else ' ' + targets}`, one target at a time under `nice`; {machine}; {rustc}; "
       f"-rss_limit_mb={rss} -timeout={timeout} -max_len=65536, fork mode (1 job).", "",
       "| target | executions | time (s) | exec/s | coverage | corpus | crashes | timeouts | OOMs |",
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
for t, execs, el, cov, corp, cr, to, oom, rc in rows:
    rate = int(execs) // max(int(el), 1)
    out.append(f"| `{t}` | {int(execs):,} | {el} | {rate:,} | {cov} | {corp} | {cr} | {to} | {oom} |")
md = open("FUZZING.md").read()
start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
assert start in md and end in md, f"FUZZING.md has no {section} markers"
md = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: start + "\n" + "\n".join(out) + "\n" + end, md, flags=re.S)
open("FUZZING.md", "w").write(md)
print("\n".join(out))
EOF
