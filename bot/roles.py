"""Role names as people type and read them, the same in chat (/moi) and on the command line (nhacviec invite).

    parse_role("thu_ky") == parse_role("Thư ký") == parse_role("secretary") == Role.secretary
"""

from __future__ import annotations

import unicodedata

from bot.i18n import N_, Translator
from bot.models import Role

# Invites bind secretaries and supervisors only; unit admins are made by hand.
INVITE_ROLES = (Role.secretary, Role.supervisor)

_WORDS = {
    "thu_ky": Role.secretary, "thuky": Role.secretary, "secretary": Role.secretary,
    "giam_sat": Role.supervisor, "giamsat": Role.supervisor, "supervisor": Role.supervisor,
}

ROLE_LABELS = {
    Role.secretary: N_("secretary"),
    Role.supervisor: N_("supervisor"),
    Role.admin: N_("unit administrator"),
}


def _plain(word: str) -> str:
    """'Thư ký' -> 'thu_ky': no accents, lower case, spaces and hyphens as underscores."""
    decomposed = unicodedata.normalize("NFD", word.strip().lower().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join(bare.replace("-", " ").split())


def parse_role(word: str | None) -> Role | None:
    """An invitable role from thu_ky / giam_sat / secretary / supervisor (accents and case ignored), or None."""
    return _WORDS.get(_plain(word or ""))


def role_label(role: Role, t: Translator) -> str:
    return t(ROLE_LABELS[role])
