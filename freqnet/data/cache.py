"""The user cache directory for generated and downloaded data."""
import os

ENV_VAR = "FREQNET_CACHE"


def cache_root():
    """``$FREQNET_CACHE`` or ``~/.cache/freqnet`` (not created)."""
    return os.environ.get(ENV_VAR) or os.path.join(os.path.expanduser("~"), ".cache", "freqnet")


def cache_dir(subdir=None):
    """:func:`cache_root` (created), optionally a sub-folder."""
    root = cache_root()
    path = os.path.join(root, subdir) if subdir else root
    os.makedirs(path, exist_ok=True)
    return path
