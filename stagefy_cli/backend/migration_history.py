"""How a project's `supabase_migrations.schema_migrations` records the SQL of an applied migration,
read back to tell whether it is the file shipped under the same version.

The embedded stack records a file as one statement, its whole text. The Supabase CLI (`supabase db
push`) records it split: each statement as written, comments kept, its trailing `;` and surrounding
white space trimmed (`pkg/parser.SplitAndTrim`). Hand-written because no library reproduces that
split; none is needed: without white space and `;`, both recordings read as the file does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LAYOUT = re.compile(r"[\s;]+")


def same_sql(recorded: Sequence[str], text: str) -> bool:
    """Whether the statements recorded for a migration are `text`, whoever applied it."""
    return _LAYOUT.sub("", "".join(recorded)) == _LAYOUT.sub("", text)
