"""Why a member breaks the glass of a protected case: the grounds offered, and the reason written to the log.

The grounds are data (`cases/fixtures/break_glass_grounds.json`, bokmål and English): kinds of
need, not legal bases — a member breaking the glass already belongs to an organisation the case
is shared with, and the ground tells the data protection officer which kind of urgency was
claimed. A ground alone says too little, so a free-text explanation is required with it
(`core.text.validate_real_reason`). The form asks for no personal data: the reason is shown in
the log review of the owner and of the breaker's organisation.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.i18n import Bilingual
from core.text import meaningful_text

GROUNDS_FIXTURE = Path(__file__).parent / "fixtures" / "break_glass_grounds.json"


@dataclass(frozen=True)
class BreakGlassGround(Bilingual):
    code: str
    title_nb: str
    title_en: str

    @property
    def title(self) -> str:
        return self.localised("title")


@cache
def break_glass_grounds() -> tuple[BreakGlassGround, ...]:
    return tuple(BreakGlassGround(**item) for item in json.loads(GROUNDS_FIXTURE.read_text(encoding="utf-8")))


def ground_named(code: str) -> BreakGlassGround:
    """The ground with this code; KeyError for an unknown one."""
    grounds = {ground.code: ground for ground in break_glass_grounds()}
    return grounds[code]


def logged_reason(ground: BreakGlassGround, explanation: str) -> str:
    """ "Ground: explanation", the ground in bokmål whatever the member's language: the access log is a record
    read by Norwegian data protection officers and printed for the person, and must not change with a setting."""
    return f"{ground.title_nb}: {meaningful_text(explanation)}"
