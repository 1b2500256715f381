"""Train a VAE on landscape photos (or the built-in procedural landscapes).

    python train.py                                   # procedural set, no download
    python train.py --data ../shared/data/landscapes --image-size 128 --beta 1
    torchrun --nproc_per_node 4 train.py --data DIR   # DistributedDataParallel, one process per GPU
"""

from __future__ import annotations

import argparse
import logging
import sys

from vae.data import DataError
from vae.model import ARCHS, OBJECTIVES, RECONSTRUCTIONS, VAEConfig, default_linear_size
from vae.training import LR_SCHEDULES, TrainingError, TrainOptions, train


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="photo folder: the seed's 'Training Data/Validation Data/Testing Data' layout "
                        "or any folder of images (split 80/10/10 deterministically); default: procedural landscapes")
    parser.add_argument("--out", help="run folder (default: runs/<arch>-beta<beta>-<time>)")
    parser.add_argument("--image-size", type=int, default=128, help="square training resolution, power of two 32..512")
    parser.add_argument("--latent-dim", type=positive_int, default=128)
    parser.add_argument("--beta", type=float, default=1.0, help="weight of the KL term (the seed used 0.2)")
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--batch-size", type=positive_int, default=64, help="per process under torchrun")
    parser.add_argument("--lr", type=positive_float, default=1e-3)
    parser.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="cosine",
                        help="cosine: warm up, then decay to 0 by the last --epochs; constant: as the seed")
    parser.add_argument("--warmup-steps", type=int, default=200, help="linear learning-rate warm-up steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arch", choices=ARCHS, default="resnet", help="seed: the seed's exact network; resnet: the default")
    parser.add_argument("--objective", choices=OBJECTIVES, default="vae", help="wae: WAE-MMD, beta weighs the MMD")
    parser.add_argument("--reconstruction", choices=RECONSTRUCTIONS, default="gaussian",
                        help="gaussian: learned noise scale, beta 1 = the ELBO (the bundled models'); bce: the seed's; "
                        "mse: squared error")
    parser.add_argument("--min-width", type=positive_int, default=16,
                        help="resnet: channels at full resolution, where the finest detail is painted")
    parser.add_argument("--linear-size", type=int,
                        help="side in px of a fixed linear path beside the network, started as the PCA of the training "
                        "photos at that size, so the model starts as good as a linear projection; 0 = none "
                        "(default: a quarter of --image-size for resnet, none for the seed network)")
    parser.add_argument("--crop-scale", type=float, default=1.0,
                        help="augment with random square crops keeping at least this share of each photo's side "
                        "(0.5..1), resized to --image-size; 1 = whole photos, flips only")
    parser.add_argument("--ema-decay", type=float, metavar="D",
                        help="validate and save a moving average of the weights with this decay (e.g. 0.999) "
                        "instead of the last step's weights")
    parser.add_argument("--focal-weight", type=float, metavar="W",
                        help="add W focal frequency terms (Jiang et al. 2021) to the loss, which weigh the "
                        "frequencies painted worst most; 1 weighs them like the likelihood's squared error")
    parser.add_argument("--msssim-weight", type=float, metavar="W",
                        help="add W x (1 - MS-SSIM) per pixel value to the loss (Zhao et al. 2017), which asks for "
                        "local contrast and structure at up to five scales (four at 128 px)")
    parser.add_argument("--adversarial-weight", type=float, metavar="W",
                        help="fine-tuning: train a patch discriminator beside the model and add its term, scaled so "
                        "its gradient at the decoder's last layer is W times the likelihood's (VQGAN's adaptive weight)")
    parser.add_argument("--kl-warmup-steps", type=int, default=0, help="raise the KL weight linearly over N steps")
    parser.add_argument("--capacity", type=float, help="Burgess et al.: optimise |KL - C| with C rising to this many nats")
    parser.add_argument("--capacity-steps", type=positive_int, default=10_000, help="steps over which C rises")
    parser.add_argument("--max-minutes", type=positive_float, help="stop cleanly after this many minutes of training")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="auto: bf16 autocast on GPUs and on CPUs with bf16 units")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last complete epoch")
    parser.add_argument("--procedural-count", type=positive_int, default=2000, help="procedural training images")
    parser.add_argument("--workers", type=int, help="DataLoader workers (default: 0 when images are cached in memory)")
    parser.add_argument("--no-cache", action="store_true", help="stream images from disk instead of caching them")
    parser.add_argument("--init-from", metavar="MODEL", help="start from this model folder's weights (fine-tune); "
                        "the network must have the same shape")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (pays on GPUs)")
    args = parser.parse_args(argv)
    if args.resume and not args.out:
        parser.error("--resume needs --out, the run folder to continue")
    return args


def linear_size(args: argparse.Namespace) -> int:
    if args.linear_size is not None:
        return args.linear_size
    return default_linear_size(args.image_size) if args.arch == "resnet" else 0


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    model = VAEConfig(arch=args.arch, image_size=args.image_size, latent_dim=args.latent_dim, beta=args.beta,
                      objective=args.objective, reconstruction=args.reconstruction, min_width=args.min_width,
                      linear_size=linear_size(args))
    return TrainOptions(
        data=args.data, out=args.out, model=model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        lr_schedule=args.lr_schedule, warmup_steps=args.warmup_steps,
        seed=args.seed, max_minutes=args.max_minutes, device=args.device, resume=args.resume,
        precision=args.precision, kl_warmup_steps=args.kl_warmup_steps, capacity=args.capacity,
        capacity_steps=args.capacity_steps, procedural_count=args.procedural_count, workers=args.workers,
        cache=False if args.no_cache else None, compile=args.compile, init_from=args.init_from,
        crop_scale=args.crop_scale, ema_decay=args.ema_decay, focal_weight=args.focal_weight,
        msssim_weight=args.msssim_weight, adversarial_weight=args.adversarial_weight,
    )


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    try:
        run_dir = train(options_from_args(args))
    except (DataError, TrainingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"done: the run is in {run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
