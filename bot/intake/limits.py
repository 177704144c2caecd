"""What a plan document may cost to read, checked before anything is inflated or parsed.

A .docx is a zip whose XML can inflate 300×: a 187 KB file became 50 MB of XML, took 90 s and 1 GB to parse.
Each bound is far beyond a real plan (the Điện Biên plan is 22,000 characters, its .docx 40 KB of XML).
"""

from __future__ import annotations

MB = 1024 * 1024

# What Telegram announces (and what the reader is given): a plan of a few hundred pages is well under 1 MB of text.
MAX_FILE_BYTES = 10 * MB

# 400 pages; building a draft is linear in the text (a million characters of plan in about four seconds on one
# core: bench/bench_intake.py times the corpus, tests/e2e/test_concurrency.py drafts that size).
CHARS_PER_PAGE = 2500  # an A4 page of Vietnamese administrative text
MAX_TEXT_CHARS = 400 * CHARS_PER_PAGE

# A .docx: its XML inflated (a 400-page plan is a few MB; 8 MB of the densest XML takes ~13 s and ~200 MB to
# parse), and its number of parts. Other parts (images) are never inflated.
MAX_DOCX_XML_BYTES = 8 * MB
MAX_DOCX_PARTS = 1000

# A PDF: pages, and what one of its streams may inflate to (pypdf's own default is 75 MB).
MAX_PDF_PAGES = 400
MAX_PDF_STREAM_BYTES = 16 * MB

# Reading and drafting run in a worker thread; past this the admin is told, whatever the thread still does.
READ_SECONDS = 60
