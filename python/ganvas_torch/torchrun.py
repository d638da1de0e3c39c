"""`torchrun`, for Debian's torch 1.13 on Python 3.11: the same launcher with one fix.

    python3 -m ganvas_torch.torchrun --nproc_per_node 2 -m ganvas_torch.train --project IN.ganvas ...

torch 1.13's `Std.from_str` finds a redirect value by iterating the `Std` flag enum; since Python
3.11 that iteration skips NONE (0) and ALL (3), so the default `--redirects 0` becomes None and
the launcher fails before starting a worker (`'NoneType' object has no attribute 'get'`). Newer
torch releases (2.x, as on CUDA machines) do not need this: use their `torchrun` directly.
"""
import sys

from torch.distributed import run
from torch.distributed.elastic.multiprocessing import api


def _lookup(value):
    return api.Std(int(value))


def _from_str(vm):
    if ':' not in vm:
        return _lookup(vm)
    return {int(i): _lookup(v) for i, v in (m.split(':') for m in vm.split(','))}


if api.Std.from_str('0') is None:
    api.Std.from_str = staticmethod(_from_str)

if __name__ == '__main__':
    sys.exit(run.main())
