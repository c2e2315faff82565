"""One tuning run of the table model: train on a benchmark table's training split with settings
changed, score its rows against the held-out split (how docs/tables.md chose the defaults).

    python benchmarks/table_tuning.py fair TAG '{"max_minutes": null, "max_steps": 2000, "pretrain_steps": 1200,
        "pretrain_time_share": null}'

SETTINGS is JSON: TrainConfig fields, plus "model": {TableFamily settings}. Prints one JSON line.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tables import SHARED, TABLES, load, split  # noqa: E402

from midigan.core.config import TrainConfig  # noqa: E402
from midigan.core.trainer import Trainer  # noqa: E402
from midigan.table.api import load_run  # noqa: E402
from midigan.table.evaluation import Judge  # noqa: E402
from midigan.table.training import plan_table, train_settings  # noqa: E402


def main() -> None:
    name, tag = sys.argv[1], sys.argv[2]
    overrides = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    model = overrides.pop("model", {})
    torch.set_num_threads(1)
    train, held_out = split(load(name, SHARED))
    plan = plan_table(train, model=model)
    run_dir = Path("runs/table-tuning") / f"{name}-{tag}"
    shutil.rmtree(run_dir, ignore_errors=True)
    settings = {**train_settings(None, 2000), "run_dir": str(run_dir), "progress": False, "device": "cpu", **overrides}
    result = Trainer(plan.family, plan.data, TrainConfig.from_dict(settings), plan.validation, plan.artifacts).fit()
    rows = load_run(run_dir).generate(len(train), seed=0).frame
    scores = Judge(train, held_out, TABLES[name][1]).score_frame(tag, rows)
    print(
        json.dumps(
            {
                "table": name,
                "tag": tag,
                "shapes": round(scores.shapes, 3),
                "pairs": round(scores.pairs, 3),
                "two_sample": round(scores.two_sample, 3),
                "efficacy": round(scores.efficacy, 3),
                "nearer": round(scores.nearer, 3),
                "copies": round(scores.copies, 3),
                "best_step": result.best_step,
                "phases": [(phase.name, phase.steps, round(phase.seconds)) for phase in result.phases],
            }
        )
    )


if __name__ == "__main__":
    main()
