"""The bounds a plan file must keep, in one place: the validator enforces them, the code behind it relies on them.

Each one is far beyond any real plan, and well inside what the code after the validator can handle.
"""

from __future__ import annotations

# Plans in use run from 2019 to 2030, strategies look ahead to 2045 or 2050, an archive may hold the 1990s; a
# year outside 1990..2100 is a typo (20200, 0202) that would overflow date arithmetic (9999 + a week).
FIRST_YEAR = 1990
LAST_YEAR = 2100

# A reminder at most a year (and a leap day) before its deadline; the distinct days of one milestone are stored
# as "7,3,1,0" in a 64-character column: 16 three-digit days with their commas fit.
MAX_REMINDER_DAYS = 366
MAX_REMINDER_STEPS = 16

# Units nest at most this many levels (a Vietnamese organisation has four or five). The materialised path keeps
# one id per level in 1024 characters: 64 ids of up to 14 digits fit.
MAX_UNIT_DEPTH = 64

# YAML nesting: a unit nested in `children:` costs two levels (its mapping, then the list), plus a few for the
# document, the sections and a unit's own lists. Deeper nesting is refused before it is built.
MAX_YAML_DEPTH = 2 * MAX_UNIT_DEPTH + 8

# A national tree (60,000 units written out in nested YAML) is about 7 MB.
MAX_PLAN_BYTES = 16 * 1024 * 1024
