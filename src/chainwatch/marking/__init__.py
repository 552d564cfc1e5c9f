"""Per-recipient invisible marks on studio frames, and informed detection of them.

Each issued copy carries a keyed spread-spectrum pattern in luminance, derived from the
studio secret and the copy's random ``issue_id`` (``watermark``). Detection is informed: it
registers a found copy to the master it came from, removes the master and the channel
(tone curve, blur), and correlates what is left with each recipient's pattern, calibrated
against decoy keys (``detect``). Video (``video``) changes the pattern every 12 frames and
aligns a leaked clip to its master in time; ``blind`` tries images whose master is lost.
Keys live in ``$CHAINWATCH_HOME/secrets`` (``keys``).
"""

from chainwatch.marking.blind import BlindDetection, BlindGroup, detect_blind
from chainwatch.marking.detect import CandidateScore, Detection, detect_mark
from chainwatch.marking.images import load_image, save_image
from chainwatch.marking.keys import StudioKey, load_key
from chainwatch.marking.watermark import METHOD, EmbedParams, embed_mark, psnr, ssim

__all__ = [
    "METHOD",
    "BlindDetection",
    "BlindGroup",
    "CandidateScore",
    "Detection",
    "EmbedParams",
    "StudioKey",
    "detect_blind",
    "detect_mark",
    "embed_mark",
    "load_image",
    "load_key",
    "psnr",
    "save_image",
    "ssim",
]
