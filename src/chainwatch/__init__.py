"""chainwatch: prove that outsourced work never reaches sanctioned parties."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chainwatch")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
