"""`midigan evaluate`: how good, and how copied, are generated tunes, next to baselines and real music."""

from __future__ import annotations

from pathlib import Path

import click

from midigan.core.options import json_option


@click.command()
@click.argument("generated", type=click.Path(exists=True))
@click.option("--reference", "reference_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of real MIDI tunes to compare with (half of it is scored as held-out real music).")
@click.option("--train", "train_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of the training tunes: gives the copy rate and trains the baselines.")
@click.option("--baselines", is_flag=True, help="Also score order-1 and order-3 Markov chains trained on --train.")
@click.option("--bars", type=click.IntRange(min=1), help="Cut generated and reference tunes to their first N full bars.")
@click.option("--meter", help="Keep only tunes in this meter throughout, e.g. 4/4 (applies to all folders).")
@click.option("--parts", type=click.Choice(["auto", "melody", "all"]), default="auto", show_default=True,
              help="Melody metrics, or part-by-part metrics for pieces in several parts (auto: as the reference has).")
@json_option()
@click.option("--seed", default=0, show_default=True, help="Seed of the baselines and the two-sample test.")
def evaluate(generated: str, reference_dir: str, train_dir: str | None, baselines: bool, bars: int | None,
             meter: str | None, parts: str, json_path: Path | None, seed: int) -> None:
    """Print music metrics of the GENERATED music (a folder of two or more MIDI files) against real music.

    Rows: generated, Markov baselines (--baselines: melody chains, or chord-slice chains for
    pieces in parts), held-out real music, and the reference's own means. Columns: metrics
    (means; per part where that makes sense), Fréchet distance over them, two-sample classifier
    accuracy (0.5 = indistinguishable from real) and copy rate against --train.
    """
    import json

    from midigan.metrics.evaluation import count_parts, evaluate_folders, format_table, read_folder
    from midigan.song import parse_meter

    if baselines and not train_dir:
        raise click.ClickException("--baselines needs --train (the Markov chains learn from it)")
    try:
        wanted_meter = parse_meter(meter) if meter else None
        n_parts = 1 if parts == "melody" else None
        if parts == "all":
            n_parts = max(2, count_parts(read_folder(reference_dir)[0]))
        result = evaluate_folders(generated, reference_dir, train_dir, baselines, bars, wanted_meter, seed, n_parts)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    for name, count in result.settings["tunes"].items():
        unreadable = f", {count['unreadable']} unreadable files skipped" if count["unreadable"] else ""
        click.echo(f"{name}: {count['kept']} of {count['read']} tunes from {count['folder']}{unreadable}", err=True)
    click.echo(format_table(result))
    if json_path:
        with open(json_path, "w") as file:
            json.dump(result.to_dict(), file, indent=2)
