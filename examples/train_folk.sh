#!/usr/bin/env bash
# Trains the tune model shipped in midigan/assets/folk.pt, in at most 10 minutes on a 2-core CPU,
# with default settings on the Essen folk tunes minus a held-out fifth of the 4/4 ones, then scores it.
#   FOLK=/path/to/folk examples/train_folk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FOLK="${FOLK:-../shared/data/folk}"

python examples/split_folk.py "$FOLK" runs/folk-split
rm -rf runs/folk-shipped
midigan train runs/folk-split/train --meter 4/4 --run-dir runs/folk-shipped --seed 0 --max-minutes 10 --quiet
python examples/ship_model.py runs/folk-shipped midigan/assets/folk.pt
python benchmarks/folk_quality.py --model midigan/assets/folk.pt
