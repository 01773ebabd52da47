#!/usr/bin/env bash
# Issue 20's figures on a GPU machine, offline, from a bare copy of the repository (nothing installed):
#
#   python benchmarks/make_fp16_minilm.py --with-sentencex      # here, once: benchmarks/local/{minilm-fp16,site}
#   cp /work/shared/data/qmsum/val/*.json benchmarks/local/qmsum-val/
#   benchmarks/gpu_suite.sh --model benchmarks/local/minilm-fp16 --data benchmarks/local/qmsum-val
#
# On this CPU, as a check that it runs:  benchmarks/gpu_suite.sh ... --device cpu --limit 2 --small-jina
# The output is also written to $OUT/gpu_suite.txt when $OUT is set (else to /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"
if ! python -c "import sentencex" 2>/dev/null && [ -d benchmarks/local/site ]; then
    export PYTHONPATH="$PYTHONPATH:$PWD/benchmarks/local/site"  # a copy of sentencex (built for one Python version)
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TRANSFORMERS_VERBOSITY=error HF_DATASETS_OFFLINE=1
python benchmarks/gpu_suite.py "$@" 2>&1 | tee "${OUT:-/tmp}/gpu_suite.txt"
