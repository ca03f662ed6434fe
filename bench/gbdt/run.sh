#!/usr/bin/env bash
# Compare internal/gbdt with XGBoost on the same files, splits and parameters.
# Usage: bench/gbdt/run.sh            (from anywhere; outputs in bench/gbdt/out/)
# Environment:
#   SPOOR_DATA      shared data directory (default: <repo>/../shared/data), as the tests read it
#   SYNTH_ROWS      synthetic training rows (default 1000000; test rows are a tenth)
#   SYNTH_ROUNDS    boosting rounds on the synthetic set (default 30)
#   ROUNDS          boosting rounds on the small sets (default 100)
#   THREADS         threads for both learners (default 2)
#   OMP_WAIT_POLICY XGBoost's OpenMP wait policy (default PASSIVE: on a shared
#                   machine spinning OpenMP threads lose most of their time)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${SPOOR_DATA:-$root/../shared/data}
out=$here/out
py=/usr/bin/python3 # Debian's python3-xgboost imports only with the system python
rows=${SYNTH_ROWS:-1000000}
synth_rounds=${SYNTH_ROUNDS:-30}
rounds=${ROUNDS:-100}
threads=${THREADS:-2}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$out"

if ! "$py" -c 'import xgboost, sklearn' 2>/dev/null; then
	echo "installing python3-xgboost and python3-sklearn" >&2
	apt-get update -qq
	apt-get install -y -qq python3-xgboost python3-sklearn >/dev/null
fi
xgb_version=$("$py" -c 'import xgboost; print(xgboost.__version__)')

(cd "$root" && go build -o "$out/gbdtbench" ./bench/gbdt/cmd/gbdtbench)
bench=$out/gbdtbench

# Data: generated once; both learners read the same files.
if [[ ! -f $out/synth_train.f32 || $(cat "$out/synth.rows" 2>/dev/null) != "$rows" ]]; then
	"$bench" synth -out "$out" -n "$rows" -ntest $((rows / 10)) -f 50 -k 10 -seed 1
	echo "$rows" >"$out/synth.rows"
fi
"$py" "$here/export_sklearn.py" "$out"
"$bench" attack -in "$data/mitre-attack/enterprise-attack-13.1.json.gz" -out "$out"

meta() { "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$out/$1.json" "$2"; }

# name format train test rounds
sets=(
	"synth f32 synth_train.f32 synth_test.f32 $synth_rounds"
	"digits csv digits_train.csv digits_test.csv $rounds"
	"breast_cancer csv breast_cancer_train.csv breast_cancer_test.csv $rounds"
	"attack libsvm attack_train.libsvm attack_test.libsvm $rounds"
)
results=()
for s in "${sets[@]}"; do
	read -r name format train test r <<<"$s"
	nf=$(meta "$name" features)
	k=$(meta "$name" classes)
	common=(-name "$name" -format "$format" -train "$out/$train" -test "$out/$test" -features "$nf"
		-classes "$k" -rounds "$r" -leaves 31 -depth 8 -lr 0.1 -maxbin 255 -threads "$threads"
		-lambda 1 -min-hess 1)
	echo "== $name: spoor gbdt (load $(cut -d' ' -f1 /proc/loadavg))" >&2
	"$bench" train "${common[@]}" -out "$out/$name.go.json" >&2
	echo "== $name: xgboost $xgb_version (load $(cut -d' ' -f1 /proc/loadavg))" >&2
	"$py" "$here/xgb_bench.py" "${common[@]/#-/--}" --out "$out/$name.xgb.json" >&2
	results+=("$out/$name.go.json" "$out/$name.xgb.json")
done

echo
echo "$(date -u +%F) $(go version | cut -d' ' -f3), xgboost $xgb_version, $threads threads, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, $(nproc) cores"
"$bench" report "${results[@]}" | tee "$out/report.md"
