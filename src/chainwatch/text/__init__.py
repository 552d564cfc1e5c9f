"""Text analysis for file forensics: languages, DPRK orthography, Juche dates, KPS 9566.

The public surface, re-exported here: :func:`analyze_text` (a text -> :class:`TextAnalysis`),
:func:`decode_text` (bytes -> :class:`DecodedText`, deciding KPS 9566 for FILE-4) and
:func:`text_findings` (an analysis -> FILE-3 / FILE-4 / FILE-6 / LANG-1 findings).
We score spelling norms and encodings of text, never names or who a person is.
"""

from chainwatch.text.analysis import BilingualLine, LineAnalysis, TextAnalysis, analyze_text
from chainwatch.text.decode import DecodedText, decode_text
from chainwatch.text.findings import text_findings
from chainwatch.text.juche import JucheDate, find_juche_dates
from chainwatch.text.kps9566 import decode_kps9566, detect_kps9566, encode_kps9566
from chainwatch.text.langid import LanguageShare, identify_languages
from chainwatch.text.orthography import (
    YANBIAN_CAVEAT,
    OrthographyResult,
    RuleHit,
    score_orthography,
)

__all__ = [
    "YANBIAN_CAVEAT",
    "BilingualLine",
    "DecodedText",
    "JucheDate",
    "LanguageShare",
    "LineAnalysis",
    "OrthographyResult",
    "RuleHit",
    "TextAnalysis",
    "analyze_text",
    "decode_kps9566",
    "decode_text",
    "detect_kps9566",
    "encode_kps9566",
    "find_juche_dates",
    "identify_languages",
    "score_orthography",
    "text_findings",
]
