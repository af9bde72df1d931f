"""The user cache directory for generated and downloaded data."""
import os

ENV_VAR = "FREQNET_CACHE"


def cache_dir(subdir=None):
    """``$FREQNET_CACHE`` or ``~/.cache/freqnet`` (created), optionally a sub-folder."""
    root = os.environ.get(ENV_VAR) or os.path.join(os.path.expanduser("~"), ".cache", "freqnet")
    path = os.path.join(root, subdir) if subdir else root
    os.makedirs(path, exist_ok=True)
    return path
