#!/usr/bin/env bash
# Trains the chorales model shipped in midigan/assets/chorales.pt: the 10-minute chorales run of the
# polyphony benchmark (default settings, a fixed fifth of the chorales held out), scored as it trains.
#   examples/train_chorales.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python benchmarks/polyphony_quality.py --only bach --minutes 10
python examples/ship_model.py runs/polyphony/bach/run-scratch midigan/assets/chorales.pt
