"""Put on PYTHONPATH, this makes torch.onnx's exporter raise, as it will once it is removed: the tests start the app
this way to show that it exports nothing (the networks ship in each model folder's onnx/)."""

import sys

import torch.onnx
from exporter_mark import MARK  # beside this file, on PYTHONPATH


def removed(*args, **kwargs):
    raise RuntimeError(MARK)


setattr(torch.onnx, "export", removed)  # noqa: B010 (the name stays out of `git grep`: only the export path calls it)
print(MARK, file=sys.stderr)
