"""Imported once by the worker pool's forkserver, before it forks any worker.

Importing the extractors and running the text analyzers on a short multilingual sample
builds their lazy caches (the lexicon from its disk cache, character tables, lingua's
Latin-script models: about 1.6 s, nearly all of it lingua) in the forkserver,
so every worker starts warm and shares those pages copy-on-write instead of paying the
cost on its first file.
"""

import gc

from chainwatch.forensics import inspect  # noqa: F401
from chainwatch.forensics.extract import image, office, pdf, plaintext  # noqa: F401
from chainwatch.forensics.notes import warm_text_analyzers

warm_text_analyzers()

# Move everything built so far out of the collector's sight: workers then never walk (and
# copy-on-write) the shared language models and tables in each garbage collection.
gc.freeze()
