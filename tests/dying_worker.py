"""A worker process that dies as if the system had killed it (out of memory): for the tests of the pools
(pipeline.pool) that a dead worker loses nothing. Forked workers inherit the patch; spawned ones do not."""
from __future__ import annotations

import os
import signal


def killed_when(real, when):
    """`real`, except that the process calling it is killed by SIGKILL when when(first argument) is true."""
    def dies(arg, *args, **kwargs):
        if when(arg):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(arg, *args, **kwargs)
    return dies
