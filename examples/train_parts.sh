#!/usr/bin/env bash
# Trains the base model of parts shipped in midigan/assets/parts.pt, the head start of
# `midigan train FOLDER --from parts` (and of `--from auto` on a small folder of parts): default
# settings, by likelihood alone (the run adapted from it has its own adversarial phase), one thread,
# on the training pieces of every shared collection in parts (Bach chorales, madrigals, string
# quartets, Trecento pieces), each less the fifth the polyphony benchmark holds out. The pooled
# folder's most common meter is 4/4, and its pieces share five parts.
#   examples/train_parts.sh
# A base of some collections only, to measure a head start on one it has never seen (not shipped):
#   examples/train_parts.sh runs/bases/run-tuning bach trecento
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${1:-runs/parts-shipped}"
COLLECTIONS=("${@:2}")
[ ${#COLLECTIONS[@]} -gt 0 ] || COLLECTIONS=(bach madrigals chamber trecento)

python benchmarks/polyphony_quality.py --build-only --only "$(IFS=,; echo "${COLLECTIONS[*]}")"
rm -rf "$RUN-pieces" "$RUN"
mkdir -p "$RUN-pieces"
for name in "${COLLECTIONS[@]}"; do
  for file in runs/polyphony/"$name"/train/*; do
    ln -s "$(readlink -f "$file")" "$RUN-pieces/${name}_$(basename "$file")"
  done
done
OMP_NUM_THREADS=1 midigan train "$RUN-pieces" --from none --likelihood-only --run-dir "$RUN" --seed 0 --max-minutes 25 --quiet
if [ $# -eq 0 ]; then
  python examples/ship_model.py "$RUN" midigan/assets/parts.pt
fi
