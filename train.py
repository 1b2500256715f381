"""Train a VAE on landscape photos (or the built-in procedural landscapes).

    python train.py                                   # procedural set, no download
    python train.py --data ../shared/data/landscapes --image-size 128 --beta 1
    python train.py --out RUN --resume                # continue RUN with its saved options
    torchrun --nproc_per_node 4 train.py --data DIR   # DistributedDataParallel, one process per GPU

Every flag is a field of `vae.core.model.VAEConfig` (the network) or `vae.core.training.TrainOptions` (the run),
with the default and help text written there once.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from vae.core.checkpoint import TRAIN_OPTIONS_NAME, read_json
from vae.core.data import DataError
from vae.core.model import VAEConfig
from vae.core.options import add_flags, from_flags, given_flags
from vae.core.training import TrainingError, TrainOptions, train

EXTENDABLE = {"epochs", "max_minutes", "resume", "out", "device", "workers", "cache"}  # what a resumed run may change


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The usage examples as written, and a flag's default after its help where it has one to say."""

    def _get_help_string(self, action):
        if action.default in (None, False, argparse.SUPPRESS) or "default" in (action.help or ""):
            return action.help
        return f"{action.help} (default: %(default)s)"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter, allow_abbrev=False)
    add_flags(parser, TrainOptions)
    add_flags(parser.add_argument_group("the network"), VAEConfig)
    args = parser.parse_args(argv)
    if args.resume and not args.out:
        parser.error("--resume needs --out, the run folder to continue")
    return args


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    return from_flags(TrainOptions, args, model=from_flags(VAEConfig, args))


def resumed_options(args: argparse.Namespace, argv: list[str]) -> TrainOptions:
    """The run's saved options, with --epochs and --max-minutes (and where it runs) taken from the command
    line; any other flag that differs from the saved run is refused by name."""
    path = Path(args.out) / TRAIN_OPTIONS_NAME
    if not path.is_file():
        raise TrainingError(f"nothing to resume: {path} does not exist")
    saved = TrainOptions.from_dict(read_json(path))
    given = options_from_args(args)
    differing = [
        name
        for name in sorted(given_flags(TrainOptions, argv))
        if name not in EXTENDABLE and getattr(given, name) != getattr(saved, name)
    ]
    differing += [
        name
        for name in sorted(given_flags(VAEConfig, argv))
        if getattr(given.model, name) != getattr(saved.model, name)
    ]
    if differing:
        flags = ", ".join("--" + name.replace("_", "-") for name in differing)
        raise TrainingError(
            f"{flags} differ{'s' if len(differing) == 1 else ''} from the run in {args.out}; "
            "a resumed run keeps its options (only --epochs and --max-minutes may change)"
        )
    extended = {name: getattr(given, name) for name in given_flags(TrainOptions, argv) & EXTENDABLE}
    return dataclasses.replace(saved, **{**extended, "resume": True, "out": args.out})


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    try:
        options = resumed_options(args, argv) if args.resume else options_from_args(args)
        run_dir = train(options)
    except (DataError, TrainingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"done: the run is in {run_dir}")
    print(f"to show it in the app: python -m vae.export --run {run_dir} --out assets/models/NAME")
    return 0


if __name__ == "__main__":
    sys.exit(main())
